"""Per-organization schedules: "daily at 07:00" means 07:00 on each organization's own wall
clock, once per local day (week, month), however often the tick runs and across DST."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from frontdesk.core.tenancy import tenant_scope
from frontdesk.jobs import services as jobs_services
from frontdesk.jobs.models import OrgScheduleRun
from frontdesk.jobs.services import register_org_schedule, unregister_org_schedule
from frontdesk.jobs.tasks import org_schedules_tick
from frontdesk.jobs.tests.tasks import probes

UTC = dt.UTC
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TASKS = "frontdesk.jobs.tests.tasks"


@pytest.fixture
def schedules(monkeypatch):
    """Only the test schedules exist while the test runs (no other app's jobs)."""
    monkeypatch.setattr(jobs_services, "ORG_SCHEDULES", {})

    def add(kind, **options):
        options.setdefault("frequency", kind)
        register_org_schedule(f"tests.{kind}", f"{TASKS}.probe_{kind}", **options)
        added.append(f"tests.{kind}")

    added = []
    yield add
    for name in added:
        unregister_org_schedule(name)


@pytest.fixture
def chicago(org):
    assert org.time_zone == "America/Chicago"
    return org


@pytest.fixture
def berlin(other_org):
    assert other_org.time_zone == "Europe/Berlin"
    return other_org


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    """Run the worker's one-minute tick at a UTC instant; queued jobs run after commit."""

    def run(at: dt.datetime) -> int:
        with time_machine.travel(at, tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                return org_schedules_tick()

    return run


def runs(org, kind) -> list[dt.datetime]:
    """When (UTC) the job of schedule ``kind`` ran for ``org``."""
    return [dt.datetime.fromisoformat(p["at"]) for p in probes(org, f"schedule:{kind}")]


def every(start: dt.datetime, end: dt.datetime, step=dt.timedelta(minutes=1)):
    while start < end:
        yield start
        start += step


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_it_runs_the_daily_job_at_seven_on_each_organizations_clock(
    chicago, berlin, schedules, tick
):
    schedules("daily", at="07:00")
    # Monday 5 January 2026: Berlin is UTC+1, Chicago UTC-6
    assert tick(utc(2026, 1, 5, 5, 59)) == 0
    assert runs(berlin, "daily") == runs(chicago, "daily") == []

    assert tick(utc(2026, 1, 5, 6, 0)) == 1  # 07:00 in Berlin
    assert runs(berlin, "daily") == [utc(2026, 1, 5, 6, 0)]
    assert runs(chicago, "daily") == []

    assert tick(utc(2026, 1, 5, 6, 1)) == 0
    assert tick(utc(2026, 1, 5, 12, 59)) == 0  # 06:59 in Chicago
    assert runs(chicago, "daily") == []

    assert tick(utc(2026, 1, 5, 13, 0)) == 1  # 07:00 in Chicago
    assert tick(utc(2026, 1, 5, 13, 1)) == 0
    assert runs(berlin, "daily") == [utc(2026, 1, 5, 6, 0)]
    assert runs(chicago, "daily") == [utc(2026, 1, 5, 13, 0)]


def test_it_runs_once_per_local_day_when_the_tick_comes_every_minute(
    chicago, berlin, schedules, tick
):
    schedules("daily", at="07:00")
    # every minute from before 07:00 in Berlin until after the 6-hour grace in Chicago
    for at in every(utc(2026, 1, 5, 5, 0), utc(2026, 1, 5, 20, 0)):
        tick(at)
    assert runs(berlin, "daily") == [utc(2026, 1, 5, 6, 0)]
    assert runs(chicago, "daily") == [utc(2026, 1, 5, 13, 0)]
    for org in (berlin, chicago):
        with tenant_scope(org):
            periods = OrgScheduleRun.objects.values_list("period", flat=True)
            assert list(periods) == ["2026-01-05"]
    # and the next local day again, once
    for at in every(utc(2026, 1, 6, 5, 50), utc(2026, 1, 6, 13, 10), dt.timedelta(minutes=5)):
        tick(at)
    assert runs(berlin, "daily") == [utc(2026, 1, 5, 6, 0), utc(2026, 1, 6, 6, 0)]
    assert runs(chicago, "daily") == [utc(2026, 1, 5, 13, 0), utc(2026, 1, 6, 13, 0)]


def test_a_late_tick_still_runs_the_job_once_within_the_grace_period(
    chicago, berlin, schedules, tick
):
    schedules("daily", at="07:00")
    # the worker was down at 07:00 everywhere; it comes back at 09:30 Berlin time
    assert tick(utc(2026, 1, 5, 8, 30)) == 1
    assert runs(berlin, "daily") == [utc(2026, 1, 5, 8, 30)]
    # 6 hours after 07:00 Chicago time is too late: that day is skipped, not run at night
    assert tick(utc(2026, 1, 5, 19, 0)) == 0
    assert runs(chicago, "daily") == []


def test_a_late_evening_job_missed_before_midnight_runs_after_it(chicago, schedules, tick):
    schedules("daily", at="23:00")
    # 23:00 Chicago = 05:00 UTC the next day; the worker comes back at 00:30 local
    assert tick(utc(2026, 1, 6, 6, 30)) == 1
    assert runs(chicago, "daily") == [utc(2026, 1, 6, 6, 30)]
    with tenant_scope(chicago):
        assert list(OrgScheduleRun.objects.values_list("period", flat=True)) == ["2026-01-05"]
    assert tick(utc(2026, 1, 7, 5, 0)) == 1  # and the next evening on time
    assert tick(utc(2026, 1, 7, 6, 30)) == 0


def test_it_runs_the_weekly_job_on_monday_morning_local_time(chicago, berlin, schedules, tick):
    schedules("weekly", at="07:00", weekday=0)
    # Saturday 3 to Tuesday 13 January 2026, a tick every hour
    for at in every(utc(2026, 1, 3), utc(2026, 1, 13), dt.timedelta(hours=1)):
        tick(at)
    assert runs(berlin, "weekly") == [utc(2026, 1, 5, 6, 0), utc(2026, 1, 12, 6, 0)]
    assert runs(chicago, "weekly") == [utc(2026, 1, 5, 13, 0), utc(2026, 1, 12, 13, 0)]
    for moment in runs(berlin, "weekly"):
        assert moment.astimezone(BERLIN).strftime("%a %H:%M") == "Mon 07:00"
    for moment in runs(chicago, "weekly"):
        assert moment.astimezone(CHICAGO).strftime("%a %H:%M") == "Mon 07:00"


def test_it_runs_the_monthly_job_on_the_first_of_the_month_local_time(
    chicago, berlin, schedules, tick
):
    schedules("monthly", at="00:30")
    # 00:30 on 1 February in Berlin is still 31 January in UTC; in Chicago it is 06:30 UTC
    for at in every(utc(2026, 1, 30), utc(2026, 2, 3), dt.timedelta(minutes=30)):
        tick(at)
    assert runs(berlin, "monthly") == [utc(2026, 1, 31, 23, 30)]
    assert runs(chicago, "monthly") == [utc(2026, 2, 1, 6, 30)]
    with tenant_scope(berlin):
        assert list(OrgScheduleRun.objects.values_list("period", flat=True)) == ["2026-02"]


def test_it_keeps_seven_oclock_local_across_the_spring_dst_change(chicago, berlin, schedules, tick):
    schedules("daily", at="07:00")
    # Chicago moves to UTC-5 on Sunday 8 March 2026; Berlin stays UTC+1 until 29 March
    for at in every(utc(2026, 3, 7), utc(2026, 3, 10), dt.timedelta(minutes=15)):
        tick(at)
    assert runs(chicago, "daily") == [
        utc(2026, 3, 7, 13, 0),
        utc(2026, 3, 8, 12, 0),
        utc(2026, 3, 9, 12, 0),
    ]
    assert runs(berlin, "daily") == [
        utc(2026, 3, 7, 6, 0),
        utc(2026, 3, 8, 6, 0),
        utc(2026, 3, 9, 6, 0),
    ]


def test_a_time_skipped_by_dst_runs_at_the_first_tick_after_it(chicago, schedules, tick):
    schedules("daily", at="02:30")
    # 8 March 2026 in Chicago: 01:59 CST is followed by 03:00 CDT (08:00 UTC)
    for at in every(utc(2026, 3, 8, 6), utc(2026, 3, 8, 10), dt.timedelta(minutes=5)):
        tick(at)
    assert runs(chicago, "daily") == [utc(2026, 3, 8, 8, 0)]


def test_a_time_repeated_by_dst_runs_once(chicago, schedules, tick):
    schedules("daily", at="01:30")
    # 1 November 2026 in Chicago: 01:30 CDT (06:30 UTC), then 01:30 CST again (07:30 UTC)
    for at in every(utc(2026, 11, 1, 5), utc(2026, 11, 1, 9), dt.timedelta(minutes=5)):
        tick(at)
    assert runs(chicago, "daily") == [utc(2026, 11, 1, 6, 30)]


def test_a_broken_organization_does_not_stop_the_others(chicago, berlin, schedules, tick):
    schedules("daily", at="07:00")
    type(chicago).objects.filter(pk=chicago.pk).update(time_zone="Not/AZone")
    assert tick(utc(2026, 1, 5, 6, 0)) == 1
    assert runs(berlin, "daily") == [utc(2026, 1, 5, 6, 0)]


def test_an_inactive_organization_gets_no_scheduled_jobs(chicago, berlin, schedules, tick):
    schedules("daily", at="07:00")
    type(berlin).objects.filter(pk=berlin.pk).update(is_active=False)
    assert tick(utc(2026, 1, 5, 6, 0)) == 0
    assert runs(berlin, "daily") == []
