"""The customer detail and the 360 answer from plain rows and queries compiled once
(``core.prepared``) instead of model instances. Their answers must be exactly what the
ORM code they replaced answered: the API's JSON equals the validated models' (detail and
360), and each section equals the ORM version it replaced (kept below as the reference),
for a customer with something in every section and for one with nothing anywhere."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import overview, selectors, services
from frontdesk.customers.models import Customer, CustomerNote
from frontdesk.customers.schemas import CustomerOut, OverviewOut
from frontdesk.customers.tests.factories import (
    link_vehicle,
    make_company,
    make_customer,
    make_vehicle,
    system,
)
from frontdesk.inquiries.models import Inquiry
from frontdesk.inquiries.tests.factories import make_inquiry
from frontdesk.loyalty.selectors import loyalty_summary
from frontdesk.loyalty.tests.factories import add_points, earn
from frontdesk.memberships.selectors import membership_history
from frontdesk.memberships.tests.factories import assign, make_plan
from frontdesk.messaging.models import Message
from frontdesk.messaging.tests.factories import make_message
from frontdesk.money import selectors as money
from frontdesk.money.models import Invoice
from frontdesk.money.tests.factories import make_credit, make_invoice, make_payment
from frontdesk.organizations.choices import Role
from frontdesk.pipeline.choices import OPEN_LEAD_STATUSES, OPEN_OPPORTUNITY_STAGES, Outcome
from frontdesk.pipeline.models import Interaction, Lead, Opportunity
from frontdesk.pipeline.tests.factories import log, make_lead, make_opportunity
from frontdesk.scheduling.choices import (
    ACTIVE_STATUSES,
    OPEN_JOB_STATUSES,
    AppointmentStatus,
    RecommendationStatus,
)
from frontdesk.scheduling.models import Appointment, Job, Recommendation
from frontdesk.scheduling.tests.factories import book, business_day, make_job, make_recommendation
from frontdesk.scheduling.times import org_zone
from frontdesk.telephony.models import Call
from frontdesk.telephony.tests.factories import make_call

pytestmark = pytest.mark.django_db


# --- the ORM code the sections replaced (as it was), the reference ------------------------
def _appointment_row(a, zone):
    return {
        "id": a.pk,
        "number": a.number,
        "status": a.status,
        "starts_at": a.starts_at.astimezone(zone),
        "ends_at": a.ends_at.astimezone(zone),
        "requested_services": a.requested_services,
        "vehicle_id": a.vehicle_id,
        "bay": a.bay.name if a.bay else None,
    }


def ref_appointments(customer):
    zone = org_zone(customer.organization)
    now = timezone.now()
    rows = Appointment.objects.filter(customer=customer).select_related("bay")
    upcoming = rows.filter(status__in=ACTIVE_STATUSES, starts_at__gte=now).order_by("starts_at")
    past = rows.filter(starts_at__lt=now).order_by("-starts_at")
    counts = rows.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(status=AppointmentStatus.COMPLETED)),
        no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
    )
    return {
        "upcoming": [_appointment_row(a, zone) for a in upcoming[:5]],
        "past": [_appointment_row(a, zone) for a in past[:5]],
        **counts,
    }


def ref_open_jobs(customer):
    zone = org_zone(customer.organization)
    jobs = (
        Job.objects.filter(customer=customer, status__in=OPEN_JOB_STATUSES)
        .prefetch_related("lines")
        .order_by("-created_at")
    )
    return [
        {
            "id": job.pk,
            "number": job.number,
            "status": job.status,
            "concern": job.concern,
            "vehicle_id": job.vehicle_id,
            "total": job.total,
            "created_at": job.created_at.astimezone(zone),
            "completed_at": job.completed_at.astimezone(zone) if job.completed_at else None,
        }
        for job in jobs[:20]
    ]


def ref_declined_work(customer):
    recs = Recommendation.objects.filter(
        customer=customer, status=RecommendationStatus.DECLINED
    ).order_by("due_date", "created_at")
    return [
        {
            "id": r.pk,
            "description": r.description,
            "estimated_price": r.estimated_price,
            "urgency": r.urgency,
            "follow_up_status": r.follow_up_status,
            "due_date": r.due_date,
            "vehicle_id": r.vehicle_id,
            "appointment_id": r.appointment_id,
        }
        for r in recs[:50]
    ]


def ref_balance(customer):
    m = money.customer_money(customer_id=customer.pk)
    return {
        "balance_due": m.balance_due,
        "credit": m.credit,
        "balance": m.balance,
        "lifetime_value": m.lifetime_value,
        "currency": customer.organization.currency,
    }


def ref_recent_invoices(customer):
    invoices = list(Invoice.objects.filter(customer=customer).order_by("-created_at")[:5])
    due = money.invoice_amounts_due(i.pk for i in invoices)
    return [
        {
            "id": i.pk,
            "number": i.number or "Draft",
            "status": i.status,
            "issued_on": i.issued_on,
            "total": i.total,
            "amount_due": due.get(i.pk, 0),
            "vehicle_id": i.vehicle_id,
        }
        for i in invoices
    ]


def ref_purchase_history(customer):
    return money.purchase_history(customer_id=customer.pk, limit=10)


def ref_calls(customer):
    recent = list(Call.objects.filter(customer=customer).order_by("-started_at", "-id")[:5])
    return {
        "waiting_follow_up": Call.objects.filter(
            customer=customer, missed=True, handled_at__isnull=True
        ).exists(),
        "recent": [
            {
                "id": c.pk,
                "direction": c.direction,
                "status": c.status,
                "started_at": c.started_at,
                "duration_s": c.duration_s,
                "missed": c.missed,
                "handled_at": c.handled_at,
            }
            for c in recent
        ],
    }


def ref_interactions(customer):
    zone = org_zone(customer.organization)
    rows = (
        Interaction.objects.filter(customer=customer)
        .select_related("staff__user")
        .order_by("-occurred_at", "-id")[:10]
    )
    return {
        "items": [
            {
                "id": i.pk,
                "type": i.type,
                "type_label": i.get_type_display(),
                "direction": i.direction,
                "occurred_at": i.occurred_at.astimezone(zone),
                "subject": i.subject,
                "outcome": i.outcome,
                "staff": (i.staff.user.full_name or i.staff.user.email) if i.staff else None,
                "follow_up_date": i.follow_up_date,
                "follow_up_status": i.follow_up_status,
                "lead_id": i.lead_id,
                "opportunity_id": i.opportunity_id,
            }
            for i in rows
        ],
        "outcomes": Outcome.choices,
    }


def ref_pipeline(customer):
    leads = (
        Lead.objects.filter(customer=customer, status__in=OPEN_LEAD_STATUSES)
        .select_related("stage")
        .order_by("-created_at")[:20]
    )
    opportunities = Opportunity.objects.filter(
        customer=customer, stage__in=OPEN_OPPORTUNITY_STAGES
    ).order_by("-created_at")[:20]
    return {
        "currency": customer.organization.currency,
        "leads": [
            {
                "id": lead.pk,
                "number": lead.number,
                "title": lead.title,
                "stage": lead.stage.name,
                "status": lead.status,
                "estimated_value": lead.estimated_value,
            }
            for lead in leads
        ],
        "opportunities": [
            {
                "id": o.pk,
                "number": o.number,
                "name": o.name,
                "stage": o.stage,
                "amount": o.amount,
                "close_date": o.close_date,
            }
            for o in opportunities
        ],
    }


def ref_loyalty(customer):
    summary = loyalty_summary(org=customer.organization, customer=customer, history=5)
    return {
        "balance": summary["balance"],
        "tier": summary["tier"],
        "lifetime_points": summary["lifetime_points"],
        "next_tier": summary["next_tier"],
        "points_to_next_tier": summary["points_to_next_tier"],
        "recent": [
            {"kind": e.kind, "points": e.points, "reason": e.reason, "created_at": e.created_at}
            for e in summary["history"]
        ],
    }


def ref_membership(customer):
    rows = list(membership_history(customer=customer)[:5])
    current = next((m for m in rows if m.status == "active"), None)
    return {
        "current": {
            "id": current.pk,
            "plan": current.plan.name,
            "priority": current.plan.priority_label,
            "kind": current.kind,
            "starts_on": current.starts_on,
            "expires_on": current.expires_on,
        }
        if current
        else None,
        "history": [
            {
                "plan": m.plan.name,
                "kind": m.kind,
                "status": m.status,
                "starts_on": m.starts_on,
                "until": m.until,
            }
            for m in rows
        ],
    }


def ref_messages(customer):
    recent = Message.objects.filter(customer=customer).order_by("-created_at", "-id")[:5]
    return {
        "recent": [
            {
                "id": m.pk,
                "channel": m.channel,
                "status": m.status,
                "subject": m.subject,
                "body": m.body[:200],
                "blocked_reason": m.blocked_reason,
                "created_at": m.created_at,
                "sent_at": m.sent_at,
            }
            for m in recent
        ]
    }


def ref_inquiries(customer):
    recent = Inquiry.objects.filter(customer=customer).order_by("-created_at", "-id")[:5]
    return {
        "recent": [
            {
                "id": i.pk,
                "number": i.number,
                "status": i.status,
                "message": i.message[:200],
                "created_at": i.created_at,
            }
            for i in recent
        ]
    }


REFERENCE = {
    "appointments": ref_appointments,
    "open_jobs": ref_open_jobs,
    "declined_work": ref_declined_work,
    "balance": ref_balance,
    "recent_invoices": ref_recent_invoices,
    "purchase_history": ref_purchase_history,
    "calls": ref_calls,
    "latest_interactions": ref_interactions,
    "open_leads_and_opportunities": ref_pipeline,
    "loyalty": ref_loyalty,
    "membership": ref_membership,
    "messages": ref_messages,
    "inquiries": ref_inquiries,
}


# --- data -----------------------------------------------------------------------------------
def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=NinjaJSONEncoder))


@pytest.fixture
def full(org, members):
    """A customer with something in every section, more than a section shows of some."""
    company = make_company(org, name="Rows Fleet LLC")
    customer = make_customer(
        org,
        first_name="Rowena",
        last_name="Full",
        company_id=company.pk,
        phones=[
            {"number": "+15125550101", "kind": "mobile", "primary": True, "consent_to_call": True},
            {"number": "+15125550102", "kind": "work"},
        ],
        emails=[{"address": "rowena@example.com", "primary": True}, {"address": "r@work.example"}],
        addresses=[
            {"street": "1 Main St", "city": "Austin", "state": "TX", "postal_code": "78701"}
        ],
        tags=["vip", "fleet"],
        communication={"opt_in_sms": True, "opt_in_email": True},
        preferred_channel="sms",
        demographics={"birth_date": "1984-06-02", "occupation": "Teacher"},
        notes="Running note.",
    )
    current = make_vehicle(org, make="Toyota", model="Camry", plate="ROW 1")
    second = make_vehicle(org, vin=None, make="", model="", year=None, plate="ROW 2")
    sold = make_vehicle(org)
    link_vehicle(org, customer, current, primary_driver=True)
    link_vehicle(org, customer, second)
    link_vehicle(org, customer, sold, status="sold", is_current=False)
    with tenant_scope(org):
        for n in range(7):
            services.customer_note_add(
                org=org, actor=system(org), customer=customer, body=f"Note {n}."
            )
    # money: paid in part, draft, void, a credit; jobs open and invoiced
    first = make_invoice(org, customer=customer, vehicle_id=current.pk)
    make_payment(org, invoice=first, amount=3000)
    make_invoice(
        org,
        customer=customer,
        issue=False,
        lines=[
            {"description": "Oil change", "quantity": 1, "unit_price": 4999},
            {"description": "Filter", "quantity": 2, "unit_price": 1250},
        ],
    )
    make_credit(org, customer=customer, amount=700)
    day = business_day(org)
    upcoming = book(org, customer=customer, vehicle=current, day=day, start="09:00")
    done = book(org, customer=customer, vehicle=current, day=day, start="11:00",
                status="confirmed", requested_services=["Inspection"])  # fmt: skip
    cancelled = book(org, customer=customer, vehicle=second, day=day, start="14:00")
    job = make_job(org, appointment=done)
    make_job(
        org,
        customer_id=customer.pk,
        vehicle_id=second.pk,
        concern="Noise",
        lines=[{"description": "Check", "quantity": "1.5", "unit_price": 3333}],
    )
    make_recommendation(org, job, description="Wiper blades", decide="decline")
    make_recommendation(org, job, description="Tyres", decide="approve")
    with tenant_scope(org):
        # a past appointment (booked in the future, then moved into the past)
        Appointment.objects.filter(pk=upcoming.pk).update(
            starts_at=timezone.now() - dt.timedelta(days=3),
            ends_at=timezone.now() - dt.timedelta(days=3, hours=-1),
            status="completed",
        )
        Appointment.objects.filter(pk=cancelled.pk).update(status="cancelled")
    book(org, customer=customer, vehicle=current, day=business_day(org, after=3), start="10:00")
    make_call(org, **{"from": "+15125550101"}, status="missed")  # found by the number
    make_call(org, **{"from": "+15125550102"}, status="completed", duration_s=120)
    staff = members[Role.ADVISOR]
    first_log = log(org, customer=customer, subject="Called about brakes", outcome="none")
    log(org, customer=customer, type="email_outbound", subject="Sent a quote")
    with tenant_scope(org):
        Interaction.objects.filter(pk=first_log.pk).update(staff=staff)
    make_lead(org, customer=customer, estimated_value=25000)
    make_opportunity(org, customer=customer, amount=90000)
    add_points(org, customer, points=250)
    earn(org, customer, amount=12_345)
    assign(org, customer, make_plan(org, name="Gold Care", priority_label="Priority booking"))
    make_message(org, customer=customer, body="x" * 300)
    make_message(org, customer=customer, channel="email")
    inquiry = make_inquiry(org, message="y" * 250)
    with tenant_scope(org):
        Inquiry.objects.filter(pk=inquiry.pk).update(customer=customer)
    return customer


@pytest.fixture
def empty(org):
    return make_customer(org, first_name="Nemo", last_name="Empty")


# --- the tests ------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["full", "empty"])
def test_each_section_answers_what_the_orm_code_it_replaced_answered(org, request, which):
    customer = request.getfixturevalue(which)
    with tenant_scope(org):
        loaded = selectors.customer_get(org=org, id=customer.pk)
        assert set(REFERENCE) <= set(overview.SECTIONS), "a section without a reference"
        for name, reference in REFERENCE.items():
            got = as_json(overview.SECTIONS[name].func(loaded))
            assert got == as_json(reference(loaded)), name
            if which == "full":
                assert got, f"the case must show something in {name}"
        if which == "full":  # every part of every section has something to compare
            sections = {name: overview.SECTIONS[name].func(loaded) for name in REFERENCE}
            a = sections["appointments"]
            assert a["upcoming"] and a["past"] and a["total"] == 4 and a["completed"]
            assert len(sections["open_jobs"]) == 2 and sections["open_jobs"][0]["total"]
            assert sections["balance"]["credit"] and sections["balance"]["balance_due"]
            assert {i["status"] for i in sections["recent_invoices"]} >= {"draft"}
            history = sections["purchase_history"]
            assert {h["kind"] for h in history} == {"invoice", "job"}
            assert all(h["services"] for h in history)
            assert sections["calls"]["waiting_follow_up"] and len(sections["calls"]["recent"]) == 2
            items = sections["latest_interactions"]["items"]
            assert {i["staff"] is None for i in items} == {True, False}
            pipeline = sections["open_leads_and_opportunities"]
            assert pipeline["leads"] and pipeline["opportunities"]
            assert (
                sections["loyalty"]["lifetime_points"] and len(sections["loyalty"]["recent"]) == 2
            )
            assert sections["membership"]["current"]["priority"] == "Priority booking"
            assert len(sections["messages"]["recent"]) == 2
            assert len(sections["inquiries"]["recent"]) == 1


@pytest.mark.parametrize("which", ["full", "empty"])
def test_the_detail_and_the_360_answer_what_the_validated_models_would(api, org, request, which):
    customer = request.getfixturevalue(which)
    with tenant_scope(org):
        detail = CustomerOut.model_validate(selectors.customer_get(org=org, id=customer.pk))
        loaded = selectors.customer_get(org=org, id=customer.pk)
        full = OverviewOut.model_validate(overview.customer_overview(customer=loaded))
    assert api.get(f"/customers/{customer.pk}").json() == as_json(detail.model_dump())
    body = api.get(f"/customers/{customer.pk}/overview").json()
    assert body == as_json(full.model_dump())
    if which == "full":
        assert len(body["vehicles"]) == 2 and len(body["recent_notes"]) == 5
        assert body["customer"]["company"]["name"] == "Rows Fleet LLC"
        assert len(body["customer"]["phones"]) == 2 and body["customer"]["tags"] == [
            "fleet",
            "vip",
        ]


def test_an_archived_or_merged_customer_reads_the_same(api, org, full, empty):
    with tenant_scope(org):
        services.customer_archive(org=org, actor=system(org), customer=empty)
        detail = CustomerOut.model_validate(selectors.customer_get(org=org, id=empty.pk))
    body = api.get(f"/customers/{empty.pk}").json()
    assert body == as_json(detail.model_dump()) and body["archived_at"]


def test_another_organizations_customer_is_not_found(api, other_api, org, full):
    assert other_api.get(f"/customers/{full.pk}").status_code == 404
    assert other_api.get(f"/customers/{full.pk}/overview").status_code == 404
    assert api.get("/customers/not-a-uuid").status_code in (404, 422)


def test_the_360_costs_one_query_per_section_at_most(api, org, full):
    api.get(f"/customers/{full.pk}/overview")  # compiled once
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"/customers/{full.pk}/overview").status_code == 200
    # token, customer, 4 contact tables, vehicles, notes; sections: balance 1, invoices 1,
    # purchase history 4, appointments 3, open jobs 2, declined 1, calls 1, interactions 1,
    # pipeline 2, loyalty 1, membership 1, messages 1, inquiries 1
    assert len(queries.captured_queries) <= 8 + 21, [q["sql"][:80] for q in queries]
    with tenant_scope(org):
        assert CustomerNote.objects.filter(customer=full).count() == 7
        assert Customer.objects.filter(pk=full.pk).exists()
