"""The pipeline API: happy paths, bad input (422, nothing written), other organizations'
ids (404), roles without the permission (403), conflicts (409) and idempotent repeats."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.audit.models import AuditEntry
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.models import OutboxEvent
from frontdesk.messaging.models import Message
from frontdesk.pipeline import selectors
from frontdesk.pipeline.models import Interaction, Lead, Opportunity, WinConfirmation
from frontdesk.pipeline.selectors import local_today
from frontdesk.pipeline.tests.factories import (
    complete_customer,
    log,
    make_lead,
    make_opportunity,
)


def count(org, model, **filters):
    with tenant_scope(org):
        return model.objects.filter(**filters).count()


# --- leads -------------------------------------------------------------------------------
def test_it_creates_a_lead_for_a_new_contact_and_links_an_existing_one(api, org):
    known = make_customer(org, emails=[{"address": "known@example.com"}])
    first = api.post(
        "/leads",
        {
            "title": "Needs a quote",
            "source": "web_form",
            "contact": {"name": "Pat Doe", "email": "KNOWN@example.com"},
            "estimated_value": 45000,
        },
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["number"] == "L-0001" and body["customer"]["id"] == str(known.pk)
    assert body["stage"]["key"] == "inquiry" and body["status"] == "new"
    second = api.post(
        "/leads", {"title": "Oil", "source": "phone_call", "contact": {"phone": "512 555 0111"}}
    )
    assert second.status_code == 201
    assert count(org, Customer) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "source": "ad"}, "title"),
        ({"title": "x", "source": "carrier_pigeon"}, "source"),
        ({"title": "x", "source": "ad", "estimated_value": 12.5}, "estimated_value"),
        ({"title": "x", "source": "ad", "estimated_value": -1}, "estimated_value"),
        ({"title": "x", "source": "ad", "currency": "EUR"}, "currency"),
        ({"title": "x", "source": "ad", "stage": "nowhere"}, "stage"),
        ({"title": "x", "source": "ad", "contact": {"phone": "nope"}}, "contact.phone"),
        ({"title": "x", "source": "ad", "surprise": 1}, "surprise"),
    ],
)
def test_a_bad_lead_is_422_naming_the_field_and_writes_nothing(api, org, body, field):
    response = api.post("/leads", body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert count(org, Lead) == 0 and count(org, Customer) == 0


def test_another_organizations_customer_in_the_body_is_404(api, org, other_org):
    foreign = make_customer(other_org)
    response = api.post("/leads", {"title": "x", "source": "ad", "customer_id": str(foreign.pk)})
    assert response.status_code == 404
    assert count(org, Lead) == 0


def test_another_organizations_lead_is_404_everywhere(api, other_org):
    lead = make_lead(other_org)
    for method, path, body in [
        ("get", f"/leads/{lead.pk}", None),
        ("patch", f"/leads/{lead.pk}", {"title": "mine now"}),
        ("post", f"/leads/{lead.pk}/move-stage", {"stage": "follow_up"}),
        ("post", f"/leads/{lead.pk}/qualify", None),
        ("post", f"/leads/{lead.pk}/disqualify", {"reason": "budget"}),
        ("post", f"/leads/{lead.pk}/convert", {}),
        ("get", f"/leads/{lead.pk}/score", None),
    ]:
        response = (
            getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)
        )
        assert response.status_code == 404, (method, path, response.content)
    with tenant_scope(other_org):
        lead.refresh_from_db()
    assert lead.title.startswith("Brake") and lead.status == "new"


def test_marketing_may_not_create_leads_and_cashiers_may_not_see_them(api_as):
    body = {"title": "x", "source": "ad", "contact": {"name": "A B"}}
    assert api_as("marketing").post("/leads", body).status_code == 403
    assert api_as("cashier").get("/leads").status_code == 403
    assert api_as("sales").post("/leads", body).status_code == 201


def test_the_list_filters_by_status_stage_source_owner_and_text(api, org, members):
    make_lead(org, title="Tyres for the van", source="referral", owner=members["sales"])
    make_lead(org, title="Brakes", source="ad", stage="estimate_sent")
    assert [i["title"] for i in api.get("/leads", {"q": "tyres"}).json()["items"]] == [
        "Tyres for the van"
    ]
    assert len(api.get("/leads", {"stage": "estimate_sent"}).json()["items"]) == 1
    assert len(api.get("/leads", {"source": "referral"}).json()["items"]) == 1
    owner = api.get("/leads", {"owner_id": str(members["sales"].pk)}).json()["items"]
    assert [i["title"] for i in owner] == ["Tyres for the van"]
    assert len(api.get("/leads", {"status": "new"}).json()["items"]) == 2
    assert api.get("/leads", {"status": "bogus"}).status_code == 422


def test_moving_a_stage_emits_the_event_and_an_unknown_stage_is_422(api, org):
    lead = make_lead(org)
    moved = api.post(f"/leads/{lead.pk}/move-stage", {"stage": "estimate_sent"})
    assert moved.status_code == 200 and moved.json()["stage"]["key"] == "estimate_sent"
    assert moved.json()["status"] == "working"
    with tenant_scope(org):
        event = OutboxEvent.objects.get(type="lead.stage_changed")
    assert (event.payload["from_stage"], event.payload["to_stage"]) == ("inquiry", "estimate_sent")
    bad = api.post(f"/leads/{lead.pk}/move-stage", {"stage": "nowhere"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "stage"
    assert count(org, OutboxEvent, type="lead.stage_changed") == 1


def test_assigning_an_owner_from_another_organization_is_404(api, org, other_owner, members):
    lead = make_lead(org)
    assert api.post(f"/leads/{lead.pk}/assign", {"owner_id": str(other_owner.pk)}).status_code == (
        404
    )
    ok = api.post(f"/leads/{lead.pk}/assign", {"owner_id": str(members["sales"].pk)})
    assert ok.status_code == 200 and ok.json()["owner"]["id"] == str(members["sales"].pk)


def test_disqualifying_needs_a_reason_and_keeps_the_lead(api, org):
    lead = make_lead(org)
    missing = api.post(f"/leads/{lead.pk}/disqualify", {"reason": None, "note": "meh"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    done = api.post(f"/leads/{lead.pk}/disqualify", {"reason": "budget", "note": "Too pricey"})
    assert done.status_code == 200 and done.json()["status"] == "disqualified"
    assert api.get(f"/leads/{lead.pk}").status_code == 200
    again = api.post(f"/leads/{lead.pk}/disqualify", {"reason": "budget"})
    assert again.status_code == 409
    assert api.post(f"/leads/{lead.pk}/qualify").status_code == 409


def test_converting_with_an_incomplete_contact_is_409_listing_the_missing_fields(api, org):
    lead = make_lead(org, customer=make_customer(org, emails=[{"address": "a@example.com"}]))
    response = api.post(f"/leads/{lead.pk}/convert", {})
    assert response.status_code == 409
    assert response.json()["missing"] == ["phone", "address"]
    assert count(org, Opportunity) == 0


def test_converting_a_complete_lead_creates_the_opportunity_once(api, org):
    lead = make_lead(org, customer=complete_customer(org), estimated_value=90000)
    response = api.post(f"/leads/{lead.pk}/convert", {"name": "Brakes all round"})
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == "O-0001" and body["amount"] == 90000
    assert body["lead_id"] == str(lead.pk)
    assert api.get(f"/leads/{lead.pk}").json()["converted_opportunity_id"] == body["id"]
    assert api.post(f"/leads/{lead.pk}/convert", {}).status_code == 409
    assert count(org, Opportunity) == 1


def test_the_score_comes_with_its_breakdown(api, org):
    lead = make_lead(org, source="referral", estimated_value=300000)
    log(org, lead=lead, direction="outbound")
    body = api.get(f"/leads/{lead.pk}/score").json()
    assert 0 <= body["score"] <= 100
    factors = {f["factor"]: f["points"] for f in body["breakdown"]}
    assert factors["source"] == 25 and factors["value"] == 15 and factors["engagement"] == 4
    assert body["score"] == sum(factors.values())


# --- stages ------------------------------------------------------------------------------
def test_stages_can_be_renamed_and_reordered_without_losing_leads(api, org):
    lead = make_lead(org, stage="follow_up")
    stages = api.get("/pipeline/stages").json()["stages"]
    assert [s["key"] for s in stages][:2] == ["inquiry", "needs_analysis"]
    new = [{"key": "follow_up", "name": "Chasing"}, {"key": "inquiry", "name": "New"}]
    response = api.put("/pipeline/stages", {"stages": new})
    assert response.status_code == 200
    assert [s["name"] for s in response.json()["stages"]] == ["Chasing", "New"]
    assert api.get(f"/leads/{lead.pk}").json()["stage"]["name"] == "Chasing"


def test_removing_a_stage_that_holds_open_leads_is_409(api, org):
    make_lead(org, stage="estimate_sent")
    response = api.put("/pipeline/stages", {"stages": [{"key": "inquiry", "name": "Inquiry"}]})
    assert response.status_code == 409 and response.json()["stages"] == ["estimate_sent"]


def test_bad_stage_lists_are_422(api):
    assert api.put("/pipeline/stages", {"stages": []}).status_code == 422
    twice = [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]
    assert api.put("/pipeline/stages", {"stages": twice}).status_code == 422
    assert api.put(
        "/pipeline/stages", {"stages": [{"key": "Bad Key", "name": "x"}]}
    ).status_code == (422)


def test_only_owners_and_managers_change_stages(api_as):
    body = {"stages": [{"key": "inquiry", "name": "Inquiry"}]}
    assert api_as("sales").put("/pipeline/stages", body).status_code == 403
    assert api_as("manager").put("/pipeline/stages", body).status_code == 200


# --- opportunities -----------------------------------------------------------------------
def test_winning_without_confirmation_answers_202_and_changes_nothing(api, org):
    opportunity = make_opportunity(org)
    response = api.post(f"/opportunities/{opportunity.pk}/win", {})
    assert response.status_code == 202
    body = response.json()
    assert body["confirmation_token"] and body["will"]
    with tenant_scope(org):
        opportunity.refresh_from_db()
        assert opportunity.stage == "estimating"
        assert not OutboxEvent.objects.filter(type="opportunity.won").exists()


def test_the_second_call_with_the_token_wins_once(api_as, org):
    sales = api_as("sales")
    opportunity = make_opportunity(org)
    token = sales.post(f"/opportunities/{opportunity.pk}/win", {}).json()["confirmation_token"]
    won = sales.post(f"/opportunities/{opportunity.pk}/win", {"confirmation_token": token})
    assert won.status_code == 200 and won.json()["stage"] == "won"
    with tenant_scope(org):
        customer = Customer.objects.get(pk=opportunity.customer_id)
        assert customer.lifecycle_stage == "customer"
        assert Interaction.objects.filter(opportunity=opportunity, type="system").exists()
        assert OutboxEvent.objects.filter(type="opportunity.won").count() == 1
    replay = sales.post(f"/opportunities/{opportunity.pk}/win", {"confirmation_token": token})
    assert replay.status_code == 409
    assert count(org, OutboxEvent, type="opportunity.won") == 1


def test_a_token_is_bound_to_its_requester_and_its_opportunity(api_as, org):
    first, second = make_opportunity(org), make_opportunity(org)
    token = api_as("sales").post(f"/opportunities/{first.pk}/win", {}).json()["confirmation_token"]
    other_person = api_as("advisor").post(
        f"/opportunities/{first.pk}/win", {"confirmation_token": token}
    )
    assert other_person.status_code == 422
    other_deal = api_as("sales").post(
        f"/opportunities/{second.pk}/win", {"confirmation_token": token}
    )
    assert other_deal.status_code == 422
    assert count(org, Opportunity, stage="won") == 0


def test_an_expired_token_does_not_win(api_as, org):
    sales = api_as("sales")
    opportunity = make_opportunity(org)
    token = sales.post(f"/opportunities/{opportunity.pk}/win", {}).json()["confirmation_token"]
    with tenant_scope(org):
        WinConfirmation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = sales.post(f"/opportunities/{opportunity.pk}/win", {"confirmation_token": token})
    assert response.status_code == 422
    assert count(org, Opportunity, stage="won") == 0


def test_confirm_true_is_for_owners_and_managers_only(api_as, org):
    opportunity = make_opportunity(org)
    refused = api_as("sales").post(f"/opportunities/{opportunity.pk}/win", {"confirm": True})
    assert refused.status_code == 403
    won = api_as("manager").post(f"/opportunities/{opportunity.pk}/win", {"confirm": True})
    assert won.status_code == 200 and won.json()["stage"] == "won"


def test_an_assistant_never_confirms_a_win(api_as, org):
    opportunity = make_opportunity(org)
    assistant = api_as("owner", assistant=True)
    token = assistant.post(f"/opportunities/{opportunity.pk}/win", {}).json()["confirmation_token"]
    response = assistant.post(f"/opportunities/{opportunity.pk}/win", {"confirmation_token": token})
    assert response.status_code == 403
    assert count(org, Opportunity, stage="won") == 0


def test_losing_needs_a_reason_and_can_schedule_a_reengagement(api, org):
    opportunity = make_opportunity(org)
    url = f"/opportunities/{opportunity.pk}/lose"
    assert api.post(url, {"reason": None}).status_code == 422
    assert api.post(url, {"reason": "price", "reengage_in_days": 0}).status_code == 422
    lost = api.post(url, {"reason": "price", "note": "cheaper", "reengage_in_days": 90})
    assert lost.status_code == 200 and lost.json()["lost_reason"] == "price"
    with tenant_scope(org):
        follow_up = Interaction.objects.get(opportunity=opportunity, follow_up_status="pending")
    assert follow_up.follow_up_date > timezone.now().date() + dt.timedelta(days=88)
    assert api.post(url, {"reason": "price"}).status_code == 409


def test_opportunities_are_created_listed_and_patched(api, org):
    customer = make_customer(org)
    created = api.post(
        "/opportunities",
        {
            "name": "Fleet",
            "customer_id": str(customer.pk),
            "amount": 500000,
            "stage": "proposal_sent",
        },
    )
    assert created.status_code == 201
    oid = created.json()["id"]
    assert api.patch(f"/opportunities/{oid}", {"stage": "negotiating"}).json()["stage"] == (
        "negotiating"
    )
    assert api.patch(f"/opportunities/{oid}", {"stage": "won"}).status_code == 422
    assert api.patch(f"/opportunities/{oid}", {"amount": 1.5}).status_code == 422
    assert [o["id"] for o in api.get("/opportunities", {"stage": "open"}).json()["items"]] == [oid]


# --- interactions ------------------------------------------------------------------------
def test_an_interaction_about_nobody_is_422(api, org):
    response = api.post("/interactions", {"type": "note", "body": "hello"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer_id"
    assert count(org, Interaction) == 0


def test_logging_a_call_with_a_follow_up_shows_it_on_the_timeline(api, org):
    customer = make_customer(org)
    response = api.post(
        "/interactions",
        {
            "type": "phone_call",
            "customer_id": str(customer.pk),
            "direction": "outbound",
            "duration_s": 120,
            "outcome": "spoke",
            "follow_up_date": str(local_today(org)),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["follow_up_status"] == "pending"
    timeline = api.get(f"/customers/{customer.pk}/interactions").json()["items"]
    assert [i["id"] for i in timeline] == [response.json()["id"]]
    today = api.get("/followups/today").json()["items"]
    assert [i["id"] for i in today] == [response.json()["id"]]


def test_the_timeline_is_newest_first_and_pages_by_keyset(api, org):
    customer = make_customer(org)
    now = timezone.now()
    for hours in range(5):
        log(org, customer=customer, occurred_at=now - dt.timedelta(hours=hours), subject=str(hours))
    first = api.get(f"/customers/{customer.pk}/interactions", {"limit": 3}).json()
    assert [i["subject"] for i in first["items"]] == ["0", "1", "2"]
    second = api.get(
        f"/customers/{customer.pk}/interactions", {"limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert [i["subject"] for i in second["items"]] == ["3", "4"]


def test_another_organizations_customer_timeline_is_404(api, other_org):
    customer = make_customer(other_org)
    assert api.get(f"/customers/{customer.pk}/interactions").status_code == 404


def test_bulk_logging_is_all_or_nothing(api, org):
    customer = make_customer(org)
    good = {"type": "note", "customer_id": str(customer.pk), "body": "ok"}
    bad = {"type": "note", "body": "about nobody"}
    response = api.post("/interactions/bulk", {"items": [good, bad]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items[1].customer_id"
    assert count(org, Interaction) == 0
    ok = api.post("/interactions/bulk", {"items": [good, good]})
    assert ok.status_code == 201 and len(ok.json()["items"]) == 2


def test_scheduling_needs_a_future_time_and_sets_the_follow_up(api, org):
    lead = make_lead(org)
    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    assert (
        api.post(
            "/interactions/schedule",
            {"type": "meeting", "lead_id": str(lead.pk), "occurred_at": past},
        ).status_code
        == 422
    )
    future = (timezone.now() + dt.timedelta(days=3)).isoformat()
    response = api.post(
        "/interactions/schedule",
        {"type": "meeting", "lead_id": str(lead.pk), "occurred_at": future, "subject": "Visit"},
    )
    assert response.status_code == 201
    assert response.json()["scheduled"] and response.json()["follow_up_status"] == "pending"


def test_only_the_follow_up_of_an_interaction_changes_and_nothing_is_deleted(api, org):
    customer = make_customer(org)
    item = log(org, customer=customer, follow_up_date="2030-01-01", body="original")
    done = api.patch(f"/interactions/{item.pk}", {"follow_up_status": "completed"})
    assert done.status_code == 200 and done.json()["follow_up_status"] == "completed"
    assert api.patch(f"/interactions/{item.pk}", {"body": "rewritten"}).status_code == 422
    assert api.delete(f"/interactions/{item.pk}").status_code == 405
    with tenant_scope(org):
        item.refresh_from_db()
    assert item.body == "original"


def test_search_filters_by_text_type_staff_dates_and_follow_up(api, org, members):
    customer = make_customer(org)
    log(org, customer=customer, subject="Brake squeal", staff=members["advisor"])
    log(org, customer=customer, type="email_outbound", subject="Quote", follow_up_date="2030-01-01")
    assert len(api.get("/interactions/search", {"text": "squeal"}).json()["items"]) == 1
    assert len(api.get("/interactions/search", {"type": "email_outbound"}).json()["items"]) == 1
    staff = api.get("/interactions/search", {"staff_id": str(members["advisor"].pk)})
    assert len(staff.json()["items"]) == 1
    pending = api.get("/interactions/search", {"follow_up_status": "pending"})
    assert [i["subject"] for i in pending.json()["items"]] == ["Quote"]
    since = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert api.get("/interactions/search", {"since": since}).json()["items"] == []


def test_cashiers_log_interactions_but_marketing_does_not(api_as, org):
    customer = make_customer(org)
    body = {"type": "in_person", "customer_id": str(customer.pk)}
    assert api_as("cashier").post("/interactions", body).status_code == 201
    assert api_as("marketing").post("/interactions", body).status_code == 403


def test_a_repeated_log_with_the_same_idempotency_key_logs_once(api, org):
    customer = make_customer(org)
    body = {"type": "phone_call", "customer_id": str(customer.pk)}
    first = api.post("/interactions", body, headers={"Idempotency-Key": "call-1"})
    second = api.post("/interactions", body, headers={"Idempotency-Key": "call-1"})
    assert first.status_code == second.status_code == 201
    assert second["Idempotency-Replayed"] == "true"
    assert count(org, Interaction) == 1


# --- stale leads, follow-ups, reports, drafts --------------------------------------------
def test_stale_leads_are_those_untouched_for_three_business_days(api, org):
    fresh, stale = make_lead(org, title="Fresh"), make_lead(org, title="Stale")
    with tenant_scope(org):
        Lead.objects.filter(pk=stale.pk).update(
            last_touch_at=timezone.now() - dt.timedelta(days=10),
            open_touch_at=timezone.now() - dt.timedelta(days=10),
        )
    log(org, lead=stale, occurred_at=timezone.now() - dt.timedelta(days=10), subject="Last call")
    items = api.get("/leads/stale").json()["items"]
    assert [i["lead"]["title"] for i in items] == ["Stale"]
    assert items[0]["last_touchpoint"]["subject"] == "Last call"
    assert fresh.pk


def test_the_weekly_report_counts_this_weeks_leads_and_deals(api, org):
    make_lead(org, source="referral")
    opportunity = make_opportunity(org, amount=70000)
    api.post(f"/opportunities/{opportunity.pk}/win", {"confirm": True})
    body = api.get("/reports/pipeline").json()
    assert body["new_leads"] == 2
    assert body["won"] == {"count": 1, "value": 70000}
    assert body["oldest_open_lead"]["number"] == "L-0001"
    assert api.get("/reports/pipeline", {"week": "2026-W99"}).status_code == 422


def test_the_win_loss_and_sources_reports(api, org):
    opportunity = make_opportunity(org, amount=50000)
    api.post(f"/opportunities/{opportunity.pk}/lose", {"reason": "price"})
    body = api.get("/reports/win-loss").json()
    assert body["lost"] == {"count": 1, "value": 50000} and body["lost_by_reason"] == {"price": 1}
    assert api.get("/reports/win-loss", {"month": "2026-13"}).status_code == 422
    sources = {r["source"]: r for r in api.get("/reports/sources").json()["sources"]}
    assert sources["phone_call"]["leads"] == 1 and sources["phone_call"]["converted"] == 1


def test_advisors_do_not_see_reports(api_as):
    assert api_as("advisor").get("/reports/pipeline").status_code == 403
    assert api_as("marketing").get("/reports/sources").status_code == 200


def test_drafting_a_follow_up_queues_a_message_for_approval(api, org):
    customer = complete_customer(org, emails=[{"address": "dana@example.com"}])
    lead = make_lead(org, customer=customer, stage="estimate_sent", estimated_value=45000)
    response = api.post(f"/leads/{lead.pk}/draft-follow-up", {})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending_approval" and body["draft_kind"] == "estimate_pending"
    assert "Dana" in body["body"] and "USD 450.00" in body["body"]
    with tenant_scope(org):
        message = Message.objects.get(pk=body["message_id"])
    assert message.origin == "automation" and message.status == "pending_approval"


def test_an_assistant_drafts_with_its_own_origin(api_as, org):
    customer = complete_customer(org)
    lead = make_lead(org, customer=customer)
    response = api_as("owner", assistant=True).post(f"/leads/{lead.pk}/draft-follow-up", {})
    assert response.status_code == 201
    with tenant_scope(org):
        assert Message.objects.get(pk=response.json()["message_id"]).origin == "assistant"


def test_drafting_for_a_lead_without_a_contact_address_is_422(api, org):
    lead = make_lead(org, customer=make_customer(org))
    response = api.post(f"/leads/{lead.pk}/draft-follow-up", {"channel": "sms"})
    assert response.status_code == 422
    assert count(org, Message) == 0


def test_every_write_is_audited(api, org):
    lead = make_lead(org)
    api.post(f"/leads/{lead.pk}/qualify")
    with tenant_scope(org):
        assert AuditEntry.objects.filter(object_id=str(lead.pk)).count() == 2


def test_a_repeated_draft_with_the_same_idempotency_key_queues_one_message(api, org):
    lead = make_lead(org, customer=complete_customer(org))
    url = f"/leads/{lead.pk}/draft-follow-up"
    first = api.post(url, {}, headers={"Idempotency-Key": "draft-1"})
    second = api.post(url, {}, headers={"Idempotency-Key": "draft-1"})
    assert first.status_code == second.status_code == 201
    assert first.json()["message_id"] == second.json()["message_id"]
    assert count(org, Message) == 1


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_timeline_and_the_lead_list_cost_the_same_queries_whatever_their_length(api, org):
    customer = make_customer(org)
    log(org, customer=customer)
    make_lead(org, customer=customer)
    api.get("/leads")  # the token's first use of the run records last_used_at
    few = (_queries(api, f"/customers/{customer.pk}/interactions"), _queries(api, "/leads"))
    for _ in range(6):
        log(org, customer=customer, staff=None)
        make_lead(org)
    many = (_queries(api, f"/customers/{customer.pk}/interactions"), _queries(api, "/leads"))
    assert few == many


def test_the_board_costs_the_same_queries_whatever_its_size(org, in_org):
    make_lead(org)
    with in_org(), CaptureQueriesContext(connection) as small:
        selectors.board(org=org)
    for stage in ("inquiry", "follow_up", "estimate_sent"):
        for _ in range(3):
            make_lead(org, stage=stage)
    with in_org(), CaptureQueriesContext(connection) as big:
        selectors.board(org=org)
    assert len(small) == len(big)
