"""The scheduled nudges and reports, delivered as staff notifications, once per period."""

import datetime as dt

import time_machine
from django.utils import timezone

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.jobs.services import ORG_SCHEDULES
from frontdesk.messaging.models import Notification
from frontdesk.pipeline import services, tasks
from frontdesk.pipeline.models import Lead
from frontdesk.pipeline.selectors import local_today
from frontdesk.pipeline.tests.factories import log, make_lead, make_opportunity, system


def notes(org, **filters):
    with tenant_scope(org):
        return list(Notification.objects.filter(**filters).select_related("recipient"))


def test_the_three_schedules_run_at_seven_local_time():
    daily = ORG_SCHEDULES["pipeline: daily nudges"]
    weekly = ORG_SCHEDULES["pipeline: weekly summary"]
    monthly = ORG_SCHEDULES["pipeline: monthly win/loss"]
    assert (daily.frequency, daily.at) == ("daily", dt.time(7, 0))
    assert (weekly.frequency, weekly.weekday) == ("weekly", 0)
    assert (monthly.frequency, monthly.day) == ("monthly", 1)


def test_the_daily_job_tells_owners_about_their_stale_leads_once(org, members):
    lead = make_lead(org, owner=members["sales"])
    with tenant_scope(org):
        Lead.objects.filter(pk=lead.pk).update(
            last_touch_at=timezone.now() - dt.timedelta(days=9),
            open_touch_at=timezone.now() - dt.timedelta(days=9),
        )
    assert tasks.pipeline_daily_nudges(str(org.pk)) == 1
    assert tasks.pipeline_daily_nudges(str(org.pk)) == 0
    [note] = notes(org, kind="pipeline.stale_leads")
    assert note.recipient == members["sales"] and lead.number in note.body


def test_unowned_stale_leads_go_to_everyone_who_works_leads(org, members):
    lead = make_lead(org)
    with tenant_scope(org):
        Lead.objects.filter(pk=lead.pk).update(
            last_touch_at=timezone.now() - dt.timedelta(days=9),
            open_touch_at=timezone.now() - dt.timedelta(days=9),
        )
    tasks.pipeline_daily_nudges(str(org.pk))
    roles = {n.recipient.role for n in notes(org, kind="pipeline.stale_leads")}
    assert roles == {"owner", "manager", "advisor", "sales"}


def test_the_daily_job_lists_todays_follow_ups_for_who_logged_them(org, members):
    customer = make_customer(org)
    log(org, customer=customer, staff=members["advisor"], follow_up_date=local_today(org))
    tasks.pipeline_daily_nudges(str(org.pk))
    [note] = notes(org, kind="pipeline.follow_ups")
    assert note.recipient == members["advisor"] and note.title == "1 follow-up due today"


def test_the_monday_summary_covers_last_week(org, members):
    with time_machine.travel(timezone.now() - dt.timedelta(days=7), tick=False):
        make_lead(org)
    tasks.pipeline_weekly_summary(str(org.pk))
    found = notes(org, kind="pipeline.weekly_summary")
    assert {n.recipient.role for n in found} == {"owner", "manager", "sales", "marketing"}
    assert "New leads: 1" in found[0].body
    assert tasks.pipeline_weekly_summary(str(org.pk)) == 0


def test_the_monthly_win_loss_covers_last_month(org, members):
    first = timezone.now().replace(day=1, hour=14, minute=0)
    with time_machine.travel(first - dt.timedelta(days=15), tick=False):
        opportunity = make_opportunity(org, amount=12345)
        with tenant_scope(org):
            services.opportunity_lose(
                org=org, actor=system(org), opportunity=opportunity, reason="timing"
            )
    with time_machine.travel(timezone.now().replace(day=1, hour=14), tick=False):
        tasks.pipeline_monthly_win_loss(str(org.pk))
    found = notes(org, kind="pipeline.win_loss")
    assert found and "Lost: 1, USD 123.45" in found[0].body


def test_a_job_for_an_unknown_organization_does_nothing(db):
    assert tasks.pipeline_daily_nudges("00000000-0000-0000-0000-000000000000") == 0


def test_the_daily_job_lowers_scores_that_time_has_lowered(api, org):
    """A lead scored right after its last touch keeps that score in the database until
    something rescores it; the daily job stores what time has done to the recency points,
    so ``?order=score`` lists and the board agree with ``GET /leads/{id}/score``. Leads
    that crossed no recency step lately are not looked at."""
    fresh = make_lead(org, source="referral")  # touched now: full recency points
    quiet = make_lead(org, source="referral")
    later = timezone.now() + dt.timedelta(days=4, hours=1)  # past the 1- and 3-day steps
    with tenant_scope(org):
        stored = Lead.objects.get(pk=fresh.pk).score
        # touched 10 days before the run: between the 7- and 30-day steps, none crossed
        Lead.objects.filter(pk=quiet.pk).update(
            score=77, last_touch_at=later - dt.timedelta(days=10)
        )
    with time_machine.travel(later, tick=False):
        tasks.pipeline_daily_nudges(str(org.pk))
        live = api.get(f"/leads/{fresh.pk}/score").json()
    recency = {p["factor"]: p["points"] for p in live["breakdown"]}["recency"]
    assert recency == 10  # four days since the last touch: the 7-day step
    with tenant_scope(org):
        assert Lead.objects.get(pk=fresh.pk).score == live["score"] == stored - 25 + recency
        assert Lead.objects.get(pk=quiet.pk).score == 77
