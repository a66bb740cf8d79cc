"""The pipeline's reads computed the fast way (plain rows, aggregates in the database)
must answer exactly what the plain definition gives, on data with every kind of case."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from frontdesk.core.actor import Actor
from frontdesk.core.api import ListParams, Page, paginate
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.pipeline import selectors, services
from frontdesk.pipeline.choices import OPEN_LEAD_STATUSES
from frontdesk.pipeline.models import Interaction, Lead
from frontdesk.pipeline.schemas import InteractionOut
from frontdesk.pipeline.tests.factories import (
    complete_customer,
    log,
    make_lead,
    make_opportunity,
)


def system(org):
    return Actor.system(org_id=org.pk)


def validated_timeline(org, customer, params: ListParams) -> dict:
    """The timeline page as the schema reads it from model instances (the definition)."""
    page = paginate(
        selectors.customer_timeline(customer_id=customer.pk),
        params=params,
        orders={"occurred_at": "occurred_at"},
        default="-occurred_at",
    )
    model = Page[InteractionOut].model_validate(page, context={"request": SimpleNamespace(org=org)})
    return json.loads(json.dumps(model.model_dump(), cls=NinjaJSONEncoder))


@pytest.mark.parametrize("order", [None, "occurred_at"])
def test_the_timeline_rows_answer_exactly_what_the_validated_models_would(api, org, members, order):
    customer = complete_customer(org)
    nameless = members["advisor"]
    nameless.user.full_name = ""
    nameless.user.save(update_fields=["full_name"])
    lead = make_lead(org, customer=customer)
    opportunity = make_opportunity(org, customer=customer)
    now = timezone.now()
    log(org, customer=customer, staff=members["sales"], subject="named", duration_s=60)
    log(org, customer=customer, staff=nameless, subject="email only", sentiment="positive")
    log(org, customer=customer, staff=None, subject="nobody", occurred_at=now - dt.timedelta(1))
    log(org, lead=lead, subject="on the lead", follow_up_date=now.date() + dt.timedelta(3))
    log(org, opportunity=opportunity, subject="on the deal", transcript="hi", summary="ok")
    log(org, customer=customer, subject="later", occurred_at=now + dt.timedelta(days=2))
    same = now - dt.timedelta(hours=5)
    for i in range(3):  # equal times: the id breaks the tie, pages never overlap
        log(org, customer=customer, subject=f"tie {i}", occurred_at=same)
    log(org, customer=make_customer(org), subject="someone else's")

    seen = []
    cursor = None
    for _ in range(4):
        params = ListParams(limit=3, order=order, cursor=cursor)
        with tenant_scope(org):
            expected = validated_timeline(org, customer, params)
        query = {"limit": 3, "order": order, "cursor": cursor}
        response = api.get(
            f"/customers/{customer.pk}/interactions", {k: v for k, v in query.items() if v}
        )
        assert response.status_code == 200
        assert response.json() == expected
        seen += [i["subject"] for i in expected["items"]]
        cursor = expected["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 9 and "someone else's" not in seen
    assert {"named", "email only", "nobody", "on the lead", "on the deal"} <= set(seen)


def test_the_timeline_page_shows_the_staff_name_or_email_and_local_times(api, org, members):
    customer = make_customer(org)
    nameless = members["advisor"]
    nameless.user.full_name = ""
    nameless.user.save(update_fields=["full_name"])
    log(org, customer=customer, staff=nameless)
    item = api.get(f"/customers/{customer.pk}/interactions").json()["items"][0]
    assert item["staff"] == {"id": str(nameless.pk), "name": nameless.user.email}
    assert item["customer"]["number"] == customer.number
    assert item["occurred_at"].endswith(("-06:00", "-05:00"))  # America/Chicago


# --- the weekly report -------------------------------------------------------------------
def follow_up_by_definition(now):
    """SPEC 4.3's "leads in follow-up" as first written: open leads in the follow_up
    stage or with a pending follow-up interaction, and their average age in days."""
    pending = Interaction.objects.filter(lead_id=OuterRef("pk"), follow_up_status="pending")
    ages = list(
        Lead.objects.filter(status__in=OPEN_LEAD_STATUSES)
        .filter(Q(stage__key="follow_up") | Exists(pending))
        .values_list("created_at", flat=True)
    )
    average = (
        round(sum((now - c).total_seconds() for c in ages) / len(ages) / 86400, 1) if ages else None
    )
    return len(ages), average


def test_the_follow_up_figures_equal_their_definition(org, other_org, in_org):
    now = timezone.now()
    today = now.date()

    def lead(days_old: float, *, stage=None, pending=0, completed=0, status=None):
        made = make_lead(org)
        with in_org():
            if stage:
                services.lead_move_stage(org=org, actor=system(org), lead=made, stage=stage)
            for _ in range(pending):
                log(org, lead=made, follow_up_date=today + dt.timedelta(days=2))
            for _ in range(completed):
                done = log(org, lead=made, follow_up_date=today)
                services.interaction_follow_up_set(
                    org=org, actor=system(org), interaction=done, status="completed"
                )
            if status == "disqualified":
                services.lead_disqualify(org=org, actor=system(org), lead=made, reason="budget")
            if status == "qualified":
                services.lead_qualify(org=org, actor=system(org), lead=made)
            Lead.objects.filter(pk=made.pk).update(
                created_at=now - dt.timedelta(days=days_old, minutes=7)
            )
        return made

    with in_org():
        assert selectors.follow_up_totals(now=now) == (0, None) == follow_up_by_definition(now)
    lead(40, stage="follow_up")  # in the stage
    lead(3.3, pending=2)  # pending follow-ups elsewhere: counted once
    lead(12.04, stage="follow_up", pending=1)  # both: counted once
    lead(100, pending=1, status="qualified")  # qualified is still open
    lead(7, pending=1, status="disqualified")  # closed: never
    lead(1, stage="follow_up", status="disqualified")
    lead(9)  # nothing pending
    lead(15, completed=2)  # done follow-ups do not count
    log(org, customer=make_customer(org), follow_up_date=today)  # pending, no lead
    elsewhere = make_lead(other_org)  # another organization's: never
    with tenant_scope(other_org):
        services.lead_move_stage(
            org=other_org, actor=system(other_org), lead=elsewhere, stage="follow_up"
        )
    log(other_org, lead=elsewhere, follow_up_date=today)
    with in_org():
        figures = selectors.follow_up_totals(now=now)
        assert figures == follow_up_by_definition(now)
        assert figures[0] == 4
        report = selectors.pipeline_report(org=org)
    assert report["in_follow_up"]["count"] == 4


def test_the_weekly_report_equals_its_definition_figure_by_figure(api, org, in_org):
    """Every figure of the report against a plain reading of the models."""
    now = timezone.now()
    for source in ("referral", "referral", "walk_in"):
        make_lead(org, source=source)
    moved = make_lead(org)
    closed = make_lead(org)
    won = make_opportunity(org, amount=70000)
    lost = make_opportunity(org, amount=20000)
    proposal = make_opportunity(org, amount=5000)
    assert api.post(f"/opportunities/{won.pk}/win", {"confirm": True}).status_code == 200
    with in_org():
        services.lead_move_stage(org=org, actor=system(org), lead=moved, stage="follow_up")
        services.lead_disqualify(org=org, actor=system(org), lead=closed, reason="budget")
        old = make_lead(org)
        Lead.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=30))
        services.opportunity_lose(org=org, actor=system(org), opportunity=lost, reason="price")
        services.opportunity_update(
            org=org, actor=system(org), opportunity=proposal, data={"stage": "proposal_sent"}
        )
        report = selectors.pipeline_report(org=org)
        label, start, end = selectors.week_bounds(org, None)
        new = Lead.objects.filter(created_at__gte=start, created_at__lt=end)
        open_leads = Lead.objects.filter(status__in=OPEN_LEAD_STATUSES)
        oldest = open_leads.order_by("created_at", "id").first()
        stages = services.stages_ensure(org=org)
    assert report["week"] == label
    assert report["new_leads"] == new.count()
    assert report["new_leads_by_source"] == {
        s: new.filter(source=s).count() for s in set(new.values_list("source", flat=True))
    }
    assert report["proposals_out"] == {"count": 1, "value": 5000}
    assert report["won"] == {"count": 1, "value": 70000}
    assert report["lost"] == {"count": 1, "value": 20000}
    assert report["oldest_open_lead"]["id"] == oldest.pk
    assert report["oldest_open_lead"]["number"] == oldest.number
    assert report["oldest_open_lead"]["age_days"] == pytest.approx(30, abs=0.1)
    assert report["open_by_stage"] == [
        {"stage": s.key, "name": s.name, "count": open_leads.filter(stage=s).count()}
        for s in stages
    ]
    assert sum(s["count"] for s in report["open_by_stage"]) == open_leads.count()
