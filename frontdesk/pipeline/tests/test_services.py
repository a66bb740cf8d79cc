"""The services the API, the pages and other apps (inquiries, telephony) call."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.audit.models import AuditEntry
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.customers.models import Customer
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.models import OutboxEvent
from frontdesk.pipeline import selectors, services
from frontdesk.pipeline.models import Interaction, Lead, PipelineStage
from frontdesk.pipeline.tests.factories import complete_customer, log, make_lead, system


def test_it_seeds_the_service_preset_on_first_use(org, in_org):
    with in_org():
        stages = services.stages_ensure(org=org)
        assert [s.key for s in stages] == [
            "inquiry",
            "needs_analysis",
            "estimate_sent",
            "follow_up",
            "scheduled_visit",
        ]
        assert services.stages_ensure(org=org) == stages
        assert PipelineStage.objects.count() == 5


def test_it_seeds_the_phone_first_preset_when_the_organization_chose_it(org, in_org):
    org.settings = {"pipeline": {"preset": "phone_first"}}
    org.save()
    with in_org():
        keys = [s.key for s in services.stages_ensure(org=org)]
    assert keys == ["new_lead", "contacted", "appointment_set", "converted", "lost"]


def test_it_numbers_leads_and_audits_and_emits(org, in_org):
    first = make_lead(org)
    second = make_lead(org)
    assert (first.number, second.number) == ("L-0001", "L-0002")
    with in_org():
        assert first.stage.key == "inquiry" and first.status == "new"
        assert AuditEntry.objects.filter(object_id=str(first.pk), action="create").exists()
        assert OutboxEvent.objects.filter(type="lead.created").count() == 2


def test_it_links_a_contact_whose_phone_matches_instead_of_duplicating(org, in_org):
    known = make_customer(org, phones=[{"number": "+15125550100"}])
    lead = make_lead(org, contact={"name": "Someone Else", "phone": "(512) 555-0100"})
    assert lead.customer_id == known.pk
    with in_org():
        assert Customer.objects.count() == 1


def test_it_creates_a_prospect_for_an_unknown_contact(org, in_org):
    lead = make_lead(org, contact={"name": "Ana Lopez", "email": "Ana@Example.com"})
    with in_org():
        customer = Customer.objects.get(pk=lead.customer_id)
    assert (customer.first_name, customer.last_name) == ("Ana", "Lopez")
    assert customer.lifecycle_stage == "prospect"


def test_it_rejects_bad_contact_data_naming_the_field(org, in_org):
    with pytest.raises(ValidationFailed) as exc:
        make_lead(org, contact={"name": "X", "phone": "not a phone"})
    assert exc.value.errors[0]["field"] == "contact.phone"
    with in_org():
        assert Lead.objects.count() == 0


def test_it_refuses_an_interaction_about_nobody(org, in_org):
    with pytest.raises(ValidationFailed) as exc:
        log(org)
    assert exc.value.errors[0]["field"] == "customer_id"


def test_the_database_refuses_an_interaction_about_nobody_too(org, in_org):
    with in_org(), pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(organization_id=org.pk, type="note", occurred_at=timezone.now())


def test_an_interaction_on_a_lead_touches_it_and_fills_the_customer(org, in_org):
    lead = make_lead(org)
    earlier = timezone.now() - dt.timedelta(minutes=5)
    with in_org():
        Lead.objects.filter(pk=lead.pk).update(last_touch_at=earlier, open_touch_at=earlier)
    item = log(org, lead=lead, direction="outbound", outcome="spoke", follow_up_date="2030-01-02")
    with in_org():
        lead.refresh_from_db()
        assert item.customer_id == lead.customer_id
        assert item.follow_up_status == "pending"
        assert lead.last_touch_at > earlier and lead.status == "working"
        assert OutboxEvent.objects.filter(type="interaction.logged").count() == 1


def test_a_future_interaction_is_scheduled_and_does_not_touch_the_lead(org, in_org):
    lead = make_lead(org)
    later = timezone.now() + dt.timedelta(days=2)
    item = log(org, lead=lead, occurred_at=later, type="meeting")
    with in_org():
        lead.refresh_from_db()
    assert item.scheduled and lead.last_touch_at < later and lead.status == "new"


def test_moving_a_stage_emits_from_and_to(org, in_org):
    lead = make_lead(org)
    with in_org():
        services.lead_move_stage(org=org, actor=system(org), lead=lead, stage="estimate_sent")
        event = OutboxEvent.objects.get(type="lead.stage_changed")
    assert event.payload["from_stage"] == "inquiry"
    assert event.payload["to_stage"] == "estimate_sent"


def test_moving_to_an_unknown_stage_is_422(org, in_org):
    lead = make_lead(org)
    with in_org(), pytest.raises(ValidationFailed):
        services.lead_move_stage(org=org, actor=system(org), lead=lead, stage="nowhere")


def test_converting_needs_name_phone_and_address(org, in_org):
    lead = make_lead(org, customer=make_customer(org, first_name="No", last_name="Phone"))
    with in_org(), pytest.raises(InvalidState) as exc:
        services.lead_convert(org=org, actor=system(org), lead=lead)
    assert exc.value.extra["missing"] == ["phone", "address"]


def test_converting_a_complete_lead_creates_the_opportunity(org, in_org):
    lead = make_lead(org, customer=complete_customer(org), estimated_value=120000)
    with in_org():
        opportunity = services.lead_convert(org=org, actor=system(org), lead=lead)
        lead.refresh_from_db()
    assert opportunity.number == "O-0001" and opportunity.amount == 120000
    assert lead.status == "converted" and lead.converted_opportunity_id == opportunity.pk


def test_renaming_and_reordering_stages_keeps_the_leads(org, in_org):
    lead = make_lead(org)
    with in_org():
        services.stages_replace(
            org=org,
            actor=system(org),
            stages=[
                {"key": "estimate_sent", "name": "Quote sent"},
                {"key": "inquiry", "name": "First contact"},
            ],
        )
        lead.refresh_from_db()
        assert lead.stage.name == "First contact"
        assert [s.key for s in services.stages_ensure(org=org)] == ["estimate_sent", "inquiry"]


def test_only_new_and_working_leads_can_be_stale(org, in_org):
    old = timezone.now() - dt.timedelta(days=30)
    working, qualified = make_lead(org), make_lead(org)
    with in_org():
        Lead.objects.update(last_touch_at=old, open_touch_at=old)
        services.lead_qualify(org=org, actor=system(org), lead=qualified)
        assert list(selectors.stale_leads(org=org)) == [working]
        log(org, lead=working, direction="outbound")
        assert not selectors.stale_leads(org=org).exists()


def test_a_public_form_can_create_a_lead_and_log_its_inquiry(org, in_org):
    """How the inquiry intake calls the pipeline: a site visitor's actor, a contact."""
    visitor = Actor.public(org_id=org.pk)
    with in_org():
        lead = services.lead_create(
            org=org,
            actor=visitor,
            title="Website inquiry",
            source="web_form",
            contact={"name": "Ana Ruiz", "email": "ana@example.com", "phone": "512 555 0100"},
            description="<b>Need</b> a quote",
        )
        item = services.interaction_log(
            org=org, actor=visitor, type="web", lead=lead, direction="inbound", body="Hello"
        )
        lead.refresh_from_db()
    assert lead.status == "new" and item.customer_id == lead.customer_id and item.staff_id is None
    assert lead.description == "<b>Need</b> a quote"
