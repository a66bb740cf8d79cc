"""Time rules of the calendar: the organization's zone, business hours, closures, and
what a wall-clock time means on a daylight-saving day.

Appointments are stored in UTC and entered and shown on the organization's wall clock.
An input time is read like this (docs/scheduling.md, "Times"):

* **with an offset** (``2026-11-01T01:30:00-05:00``, or ``Z``) it is that exact instant;
* **without one** (``2026-11-01T01:30:00``) it is the organization's wall-clock time:
  - a time that does not exist there (skipped by a spring-forward change, e.g. 02:30 on
    2026-03-08 in Chicago) is rejected with 422;
  - a time that happens twice (the repeated hour of a fall-back change, e.g. 01:30 on
    2026-11-01 in Chicago) is rejected with 422 naming both readings; send it again with
    the offset of the one you mean. Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, fields
from typing import Any

from frontdesk.core.errors import ValidationFailed
from frontdesk.organizations.models import Organization

UTC = dt.UTC
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# No appointment is longer; the calendar's range queries rely on it (an appointment that
# overlaps a day starts at most this long before the day does).
MAX_DURATION = dt.timedelta(hours=24)


@dataclass(frozen=True)
class SchedulingSettings:
    """The organization's scheduling settings (``Organization.settings["scheduling"]``),
    each with its default. Unknown or invalid stored values fall back to the default."""

    slot_minutes: int = 30  # the grid of offered start times
    buffer_minutes: int = 0  # kept free between appointments on one bay or advisor
    default_duration_minutes: int = 60
    reminder_lead_hours: int = 24  # a confirmed appointment's reminder, before its start
    declined_follow_up_days: int = 30  # due date of declined work, from the day declined
    online_min_notice_minutes: int = 120  # public booking: not sooner than this
    online_max_days_ahead: int = 90  # public booking: not further ahead than this

    LIMITS = {
        "slot_minutes": (5, 240),
        "buffer_minutes": (0, 240),
        "default_duration_minutes": (5, 24 * 60),
        "reminder_lead_hours": (1, 14 * 24),
        "declined_follow_up_days": (1, 3650),
        "online_min_notice_minutes": (0, 14 * 24 * 60),
        "online_max_days_ahead": (1, 730),
    }

    @classmethod
    def of(cls, org: Organization) -> SchedulingSettings:
        stored = (org.settings or {}).get("scheduling") or {}
        values = {}
        for f in fields(cls):
            value = stored.get(f.name) if isinstance(stored, dict) else None
            low, high = cls.LIMITS[f.name]
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                values[f.name] = value
        return cls(**values)

    @classmethod
    def validate(cls, data: dict[str, Any]) -> dict[str, int]:
        errors = {}
        for name, value in data.items():
            if name not in cls.LIMITS:
                errors[name] = "Not a scheduling setting."
                continue
            low, high = cls.LIMITS[name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                errors[name] = f"A whole number from {low} to {high}."
        if errors:
            raise ValidationFailed(errors)
        return data

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def org_zone(org: Organization) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(org.time_zone)


def _fmt(value: dt.datetime) -> str:
    return value.isoformat(timespec="minutes")


def resolve_time(value: dt.datetime, zone: zoneinfo.ZoneInfo, *, field: str) -> dt.datetime:
    """The UTC instant ``value`` means (see the module docstring for the rule)."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    first = value.replace(tzinfo=zone, fold=0)
    second = value.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != value:
        raise ValidationFailed(
            {
                field: f"{value:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks skip"
                " it (daylight saving time). Choose another time."
            }
        )
    earlier, later = (
        value.replace(tzinfo=dt.timezone(first.utcoffset())),
        value.replace(tzinfo=dt.timezone(second.utcoffset())),
    )
    raise ValidationFailed(
        {
            field: f"{value:%Y-%m-%d %H:%M} happens twice in {zone.key} (the clocks go back):"
            f" send {_fmt(earlier)} for the first or {_fmt(later)} for the second."
        }
    )


def wall_to_utc(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """``time`` on ``day`` on the wall clock, as UTC; None if the clocks skip it. A repeated
    time reads as its first occurrence."""
    wall = dt.datetime.combine(day, time)
    aware = wall.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return aware.astimezone(UTC)


def day_bounds(day: dt.date, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which local ``day`` begins and the next one begins."""
    start = dt.datetime.combine(day, dt.time()).replace(tzinfo=zone).astimezone(UTC)
    nxt = day + dt.timedelta(days=1)
    end = dt.datetime.combine(nxt, dt.time()).replace(tzinfo=zone).astimezone(UTC)
    return start, end


def local_today(org: Organization, now: dt.datetime) -> dt.date:
    return now.astimezone(org_zone(org)).date()


def _hhmm(value: str) -> dt.time:
    hour, minute = value.split(":")
    return dt.time(int(hour), int(minute))


def hours_of(org: Organization, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The opening spans of local ``day`` from ``Organization.business_hours``."""
    spans = (org.business_hours or {}).get(WEEKDAYS[day.weekday()]) or []
    out = []
    for span in spans:
        try:
            out.append((_hhmm(span[0]), _hhmm(span[1])))
        except (TypeError, ValueError, IndexError):
            continue
    return sorted(out)


def hours_text(spans: list[tuple[dt.time, dt.time]]) -> str:
    return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in spans) or "closed"


def fits_hours(
    org: Organization, starts_at: dt.datetime, ends_at: dt.datetime
) -> tuple[bool, dt.date]:
    """Whether [starts_at, ends_at) lies within one opening span of its local day,
    compared on the wall clock. Returns (fits, local day)."""
    zone = org_zone(org)
    start = starts_at.astimezone(zone).replace(tzinfo=None)
    end = ends_at.astimezone(zone).replace(tzinfo=None)
    day = start.date()
    for opens, closes in hours_of(org, day):
        if dt.datetime.combine(day, opens) <= start and end <= dt.datetime.combine(day, closes):
            return True, day
    return False, day


def check_bookable(
    org: Organization,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    *,
    now: dt.datetime,
    closure_on,
) -> None:
    """422 unless [starts_at, ends_at) is a bookable time: ends after it starts, lasts at
    most a day, is not in the past, within business hours, not on a closure day.
    ``closure_on(day)`` returns the closure covering a local day, or None."""
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": "Must be after starts_at."})
    if ends_at - starts_at > MAX_DURATION:
        raise ValidationFailed({"ends_at": "An appointment lasts at most 24 hours."})
    if starts_at < now:
        raise ValidationFailed({"starts_at": "This time is in the past."})
    fits, day = fits_hours(org, starts_at, ends_at)
    closure = closure_on(day)
    if closure is not None:
        raise ValidationFailed({"starts_at": f"Closed on {day:%Y-%m-%d}: {closure.reason}."})
    if not fits:
        spans = hours_of(org, day)
        raise ValidationFailed(
            {
                "starts_at": f"Outside business hours ({day:%A} {hours_text(spans)},"
                f" {org.time_zone})."
            }
        )
