"""The jobs facade: ``enqueue()``, ``enqueue_on_commit()`` and per-organization schedules.

Everything goes through these functions, so moving from django-q2 to ``django.tasks``
later touches this module only. Jobs take ids, reload what they need and are idempotent:
delivery is *at least once*.

How django-q2's ORM broker keeps jobs safe (``django_q/brokers/orm.py``): a queued job is
a row in ``django_q_ormq``. A worker claims it by setting the row's ``lock`` to
``now + Q_CLUSTER['retry']`` and deletes the row only once the job has finished (or
failed: ``ack_failures``). A worker killed with ``kill -9`` mid-job leaves the row in place,
and any worker hands it out again once the lock expires. ``retry`` must therefore exceed
``timeout`` (the longest a job may run), or a slow job still running would be handed out
a second time. Two settings guard against the last duplicate source, prefetching: the
cluster's pusher claims jobs before a worker is free, so ``queue_limit`` is kept small.

Per-organization schedules ("daily at 07:00") run at that time in *each organization's*
time zone: a one-minute tick looks at every organization's local clock and queues the
jobs whose time has come, once per local period (``OrgScheduleRun``).
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.tasks import async_task

from frontdesk.core.tenancy import tenant_scope
from frontdesk.jobs.models import OrgScheduleRun

log = logging.getLogger(__name__)
Frequency = Literal["daily", "weekly", "monthly"]


def jobs_are_synchronous() -> bool:
    """True in tests (``FRONTDESK_JOBS_SYNC=1``): jobs run inline instead of being queued.
    Read on every call, so ``override_settings(Q_CLUSTER=...)`` takes effect."""
    return bool(settings.Q_CLUSTER.get("sync"))


def enqueue(func: str, *args, **kwargs) -> str | None:
    """Queue ``func`` (a dotted path) with JSON-able arguments now. Returns the task id.

    Keyword names django-q2 reserves (``hook``, ``group``, ``timeout``, ``sync``, ``save``,
    ``cached``, ``chain``, ``broker``, ``cluster``, ``q_options``, ``task_name``) are not
    passed to the job. Inside a transaction, use :func:`enqueue_on_commit`."""
    return async_task(func, *args, sync=jobs_are_synchronous(), **kwargs)


def _queue_shares_the_transaction(using: str) -> bool:
    """The ORM broker keeps its queue in database ``using``: a job queued inside a
    transaction is committed, or rolled back, together with it."""
    return (
        using == Conf.ORM
        and not Conf.BROKER_CLASS
        and not Conf.IRON_MQ
        and not isinstance(Conf.SQS, dict)
    )


def enqueue_on_commit(func: str, *args, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Queue ``func`` as part of the current transaction: the job exists if and only if the
    transaction commits, and no worker sees it before.

    With the database queue the job row is written in the transaction itself, so no crash
    between commit and enqueue can lose it. In synchronous mode (tests) the job runs once
    the transaction has committed. Outside a transaction the job is queued at once."""
    in_transaction = not transaction.get_autocommit(using=using)
    if in_transaction and not jobs_are_synchronous() and _queue_shares_the_transaction(using):
        enqueue(func, *args, **kwargs)
        return
    transaction.on_commit(lambda: enqueue(func, *args, **kwargs), using=using, robust=True)


# --- per-organization schedules -----------------------------------------------------------


@dataclass(frozen=True)
class OrgSchedule:
    """A job run once per local day, ISO week or month in every organization, at ``at``
    on the organization's wall clock. ``func`` is called with the organization id."""

    name: str
    func: str  # dotted path; called with the organization id (a string)
    frequency: Frequency
    at: dt.time
    weekday: int = 0  # for weekly: Monday = 0
    day: int = 1  # for monthly: day of the month (1-28)
    grace: dt.timedelta = dt.timedelta(hours=6)  # how late a missed run may still start

    def _runs_on(self, day: dt.date) -> bool:
        if self.frequency == "weekly":
            return day.weekday() == self.weekday
        if self.frequency == "monthly":
            return day.day == self.day
        return True

    def _period_of(self, day: dt.date) -> str:
        if self.frequency == "daily":
            return day.isoformat()
        if self.frequency == "weekly":
            year, week, _ = day.isocalendar()
            return f"{year}-W{week:02d}"
        return day.strftime("%Y-%m")

    def period(self, local: dt.datetime) -> str | None:
        """The period key if the schedule is due at ``local`` (an aware datetime in the
        organization's zone), else None.

        Compared on the wall clock: "07:00" is 07:00 local on every day, whatever the UTC
        offset of that day; on a spring-forward day a time inside the gap (02:30) runs at
        the first tick after it, and a repeated hour on a fall-back day runs once (the
        period key is the date). A window that crosses midnight still belongs to the day
        it started on."""
        wall = local.replace(tzinfo=None)
        for day in (wall.date(), wall.date() - dt.timedelta(days=1)):
            if not self._runs_on(day):
                continue
            due = dt.datetime.combine(day, self.at)
            if due <= wall < due + self.grace:
                return self._period_of(day)
        return None


ORG_SCHEDULES: dict[str, OrgSchedule] = {}


def register_org_schedule(
    name: str,
    func: str,
    *,
    frequency: Frequency,
    at: str = "07:00",
    weekday: int = 0,
    day: int = 1,
    grace: dt.timedelta = dt.timedelta(hours=6),
) -> OrgSchedule:
    """Register a per-organization schedule (from an app's ``AppConfig.ready()``)."""
    hour, minute = (int(x) for x in at.split(":"))
    if frequency not in ("daily", "weekly", "monthly"):
        raise ValueError(f"unknown frequency {frequency!r}")
    if not 1 <= day <= 28:
        raise ValueError("a monthly schedule runs on day 1 to 28")
    if not dt.timedelta(minutes=1) <= grace < dt.timedelta(days=1):
        raise ValueError("grace is between one minute and one day")
    schedule = OrgSchedule(
        name=name,
        func=func,
        frequency=frequency,
        at=dt.time(hour, minute),
        weekday=weekday,
        day=day,
        grace=grace,
    )
    ORG_SCHEDULES[name] = schedule
    return schedule


def unregister_org_schedule(name: str) -> None:
    ORG_SCHEDULES.pop(name, None)


def org_schedules_due(*, org, now: dt.datetime | None = None) -> list[tuple[OrgSchedule, str]]:
    local = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(org.time_zone))
    due = []
    for schedule in ORG_SCHEDULES.values():
        period = schedule.period(local)
        if period:
            due.append((schedule, period))
    return due


def org_schedules_tick(*, orgs, now: dt.datetime | None = None) -> list[tuple[str, str, str]]:
    """Queue every due per-organization job once per period. Returns what was queued as
    ``(organization id, schedule name, period)``.

    The run record and the queued job are written in one transaction (see
    :func:`enqueue_on_commit`), so a job is queued exactly once per period even when ticks
    overlap or the worker dies mid-tick. One organization's failure (say, a broken time
    zone) is logged and does not stop the others."""
    queued = []
    for org in orgs:
        try:
            due = org_schedules_due(org=org, now=now)
        except Exception:
            log.exception("cannot compute the schedules of organization %s", org.pk)
            continue
        for schedule, period in due:
            org_id = str(org.pk)
            try:
                with tenant_scope(org), transaction.atomic():
                    if OrgScheduleRun.objects.filter(
                        schedule=schedule.name, period=period
                    ).exists():
                        continue
                    OrgScheduleRun.objects.create(
                        organization=org, schedule=schedule.name, period=period
                    )
                    enqueue_on_commit(schedule.func, org_id)
            except IntegrityError:
                continue  # a concurrent tick recorded this period first
            except Exception:
                log.exception("cannot queue %s for organization %s", schedule.name, org_id)
                continue
            queued.append((org_id, schedule.name, period))
    return queued


# --- cluster-wide schedules ---------------------------------------------------------------

# Created by ``frontdesk migrate`` and ``frontdesk worker`` if missing. django-q2's
# scheduler looks at them about every 30 seconds.
GLOBAL_SCHEDULES = [
    ("frontdesk: per-organization schedules", "frontdesk.jobs.tasks.org_schedules_tick", 1),
    ("frontdesk: event outbox sweep", "frontdesk.events.tasks.events_sweep", 1),
]


def register_global_schedule(name: str, func: str, *, minutes: int = 1) -> None:
    """Add a cluster-wide schedule (from an app's ``AppConfig.ready()``): ``func`` runs
    every ``minutes`` minutes once ``schedules_ensure`` has created it (at migrate and
    worker start). Registering the same name again replaces it."""
    if minutes < 1:
        raise ValueError("a schedule runs at most every minute")
    GLOBAL_SCHEDULES[:] = [s for s in GLOBAL_SCHEDULES if s[0] != name]
    GLOBAL_SCHEDULES.append((name, func, minutes))


def schedules_ensure() -> None:
    """Create or repair the cluster-wide schedules (idempotent; safe to run from several
    workers starting at once: duplicates by name are removed)."""
    with transaction.atomic():
        for name, func, minutes in GLOBAL_SCHEDULES:
            existing = list(Schedule.objects.filter(name=name).order_by("pk"))
            for extra in existing[1:]:
                extra.delete()
            fields = {
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "repeats": -1,
            }
            if not existing:
                Schedule.objects.create(name=name, **fields)
                continue
            schedule = existing[0]
            if any(getattr(schedule, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(schedule, key, value)
                schedule.save()
