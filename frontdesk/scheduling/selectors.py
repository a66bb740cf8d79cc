"""Reads of the scheduling domain: availability, the calendar, lists, declined work.

Availability and the calendar are hot paths (bench/scheduling_availability.py): each is
one indexed range query over ``(organization, starts_at)`` — an appointment overlapping
a day starts at most ``MAX_DURATION`` before it — plus the bays and advisors, and the
rest is arithmetic in Python on a few hundred rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from frontdesk.core.errors import ValidationFailed
from frontdesk.core.lookups import get_or_404, get_referenced
from frontdesk.organizations.models import Membership, Organization
from frontdesk.scheduling.choices import (
    ACTIVE_STATUSES,
    OPEN_JOB_STATUSES,
    PENDING_FOLLOW_UPS,
    AppointmentStatus,
    RecommendationStatus,
)
from frontdesk.scheduling.models import Appointment, Bay, Closure, Job, Recommendation, line_total
from frontdesk.scheduling.times import (
    MAX_DURATION,
    SchedulingSettings,
    day_bounds,
    hours_of,
    local_today,
    org_zone,
    wall_to_utc,
)

MAX_CALENDAR_DAYS = 31


# --- resources ---------------------------------------------------------------------------
def bay_list(*, active: bool | None = None) -> QuerySet[Bay]:
    qs = Bay.objects.all()
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("position", "name", "id")


def advisor_list() -> QuerySet[Membership]:
    return (
        Membership.objects.filter(is_advisor=True, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email", "id")
    )


def advisor_name(membership: Membership) -> str:
    return membership.user.full_name or membership.user.email


def closure_on(day: dt.date) -> Closure | None:
    """The closure covering local ``day``, if any."""
    return Closure.objects.filter(start_date__lte=day, end_date__gte=day).first()


def closure_list(*, upcoming_from: dt.date | None = None) -> QuerySet[Closure]:
    qs = Closure.objects.all()
    if upcoming_from is not None:
        qs = qs.filter(end_date__gte=upcoming_from)
    return qs.order_by("start_date", "id")


# --- availability ------------------------------------------------------------------------
def _id_text(name: str) -> Cast:
    """A UUID column read as text: the hot paths skip building uuid.UUID objects only to
    print them again (SQLite keeps 32 hex digits, PostgreSQL answers the canonical form)."""
    return Cast(name, output_field=CharField())


def _canonical(value: str | None) -> str | None:
    if value is None or len(value) == 36:
        return value
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _overlaps(intervals: list[tuple[dt.datetime, dt.datetime]], s, e) -> bool:
    return any(a < e and s < b for a, b in intervals)


def availability(
    *,
    org: Organization,
    day: dt.date,
    duration_min: int | None = None,
    bay_id=None,
    advisor_id=None,
    now: dt.datetime | None = None,
    not_before: dt.datetime | None = None,
) -> dict[str, Any]:
    """The free slots of local ``day``: start times on the organization's slot grid within
    its business hours, not past (nor before ``not_before``), not on a closure day, where
    a bay and an advisor are free for ``duration_min`` with the buffer kept on both sides.
    Each slot lists the free bays and advisors (only ``bay_id`` / ``advisor_id`` when
    given). An organization without bays (or advisors) does not need one free."""
    settings = SchedulingSettings.of(org)
    zone = org_zone(org)
    now = now or timezone.now()
    duration = dt.timedelta(minutes=duration_min or settings.default_duration_minutes)
    buffer = dt.timedelta(minutes=settings.buffer_minutes)
    step = dt.timedelta(minutes=settings.slot_minutes)
    result: dict[str, Any] = {
        "date": day,
        "time_zone": org.time_zone,
        "duration_min": int(duration.total_seconds() // 60),
        "closed": None,
        "slots": [],
    }
    if bay_id is not None:
        bay = get_referenced(Bay, bay_id, field="bay_id", status=404)
        if not bay.active:
            raise ValidationFailed({"bay_id": f"{bay.name} is not in use."})
        bays = [str(bay.pk)]
    else:
        bays = [
            _canonical(b)
            for b in Bay.objects.filter(active=True)
            .order_by("position", "name", "id")
            .values_list(_id_text("id"), flat=True)
        ]
    if advisor_id is not None:
        advisor = get_referenced(Membership, advisor_id, field="advisor_id", status=404)
        if not (advisor.is_advisor and advisor.is_active):
            raise ValidationFailed({"advisor_id": "This staff member is not a bookable advisor."})
        advisors = [str(advisor.pk)]
    else:
        advisors = [
            _canonical(a)
            for a in Membership.objects.filter(is_advisor=True, is_active=True)
            .order_by("created_at", "id")
            .values_list(_id_text("id"), flat=True)
        ]
    closure = closure_on(day)
    if closure is not None:
        result["closed"] = closure.reason
        return result
    spans = hours_of(org, day)
    if not spans:
        result["closed"] = "Not a business day."
        return result
    begins, ends = day_bounds(day, zone)
    rows = Appointment.objects.filter(
        status__in=ACTIVE_STATUSES,
        starts_at__gte=begins - MAX_DURATION - buffer,
        starts_at__lt=ends + buffer,
        ends_at__gt=begins - buffer,
    ).values_list(_id_text("bay_id"), _id_text("advisor_id"), "starts_at", "ends_at")
    busy_bays: dict[Any, list] = defaultdict(list)
    busy_advisors: dict[Any, list] = defaultdict(list)
    for bay, advisor, start, end in rows:
        if bay is not None:
            busy_bays[_canonical(bay)].append((start, end))
        if advisor is not None:
            busy_advisors[_canonical(advisor)].append((start, end))
    earliest = max(now, not_before or now)
    slots = result["slots"]
    for opens, closes in spans:
        closing = dt.datetime.combine(day, closes)
        wall = dt.datetime.combine(day, opens)
        while wall < closing:
            start = wall_to_utc(day, wall.time(), zone)
            wall += step
            if start is None or start < earliest:
                continue
            end = start + duration
            if end.astimezone(zone).replace(tzinfo=None) > closing:
                continue
            s, e = start - buffer, end + buffer
            free_bays = [b for b in bays if not _overlaps(busy_bays.get(b, ()), s, e)]
            if bays and not free_bays:
                continue
            free_advisors = [a for a in advisors if not _overlaps(busy_advisors.get(a, ()), s, e)]
            if advisors and not free_advisors:
                continue
            slots.append(
                {
                    "starts_at": start.astimezone(zone),
                    "ends_at": end.astimezone(zone),
                    "bay_ids": free_bays,
                    "advisor_ids": free_advisors,
                }
            )
    return result


def free_resources(
    *, org: Organization, starts_at: dt.datetime, ends_at: dt.datetime
) -> tuple[list, list, bool, bool]:
    """(free bay ids, free advisor ids, the organization has bays, has advisors) for one
    time, with the buffer kept; for placing an online request."""
    buffer = dt.timedelta(minutes=SchedulingSettings.of(org).buffer_minutes)
    bays = list(
        Bay.objects.filter(active=True)
        .order_by("position", "name", "id")
        .values_list("pk", flat=True)
    )
    advisors = list(
        Membership.objects.filter(is_advisor=True, is_active=True)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    taken = Appointment.objects.filter(
        status__in=ACTIVE_STATUSES,
        starts_at__lt=ends_at + buffer,
        ends_at__gt=starts_at - buffer,
    ).values_list("bay_id", "advisor_id")
    taken_bays = {b for b, _ in taken if b}
    taken_advisors = {a for _, a in taken if a}
    return (
        [b for b in bays if b not in taken_bays],
        [a for a in advisors if a not in taken_advisors],
        bool(bays),
        bool(advisors),
    )


# --- the calendar ------------------------------------------------------------------------
def _vehicle_label(year, make, model, plate) -> str:
    label = " ".join(str(p) for p in (year, make, model) if p)
    if plate:
        label = f"{label} ({plate})" if label else plate
    return label


def calendar(
    *,
    org: Organization,
    start: dt.date,
    end: dt.date,
    by: str = "day",
    include_cancelled: bool = False,
) -> dict[str, Any]:
    """The appointments of local days ``start``–``end`` (inclusive, at most 31) in
    columns: one per day, per bay or per advisor (plus "unassigned")."""
    if end < start:
        raise ValidationFailed({"to": "On or after from."})
    if (end - start).days >= MAX_CALENDAR_DAYS:
        raise ValidationFailed({"to": f"At most {MAX_CALENDAR_DAYS} days at once."})
    if by not in ("day", "bay", "advisor"):
        raise ValidationFailed({"by": "day, bay or advisor."})
    zone = org_zone(org)
    begins, _ = day_bounds(start, zone)
    _, ends = day_bounds(end, zone)
    qs = Appointment.objects.filter(
        starts_at__gte=begins - MAX_DURATION, starts_at__lt=ends, ends_at__gt=begins
    )
    if not include_cancelled:
        qs = qs.exclude(status=AppointmentStatus.CANCELLED)
    rows = qs.order_by("starts_at", "id").values_list(
        _id_text("id"),
        "number",
        "status",
        "source",
        "starts_at",
        "ends_at",
        _id_text("bay_id"),
        _id_text("advisor_id"),
        _id_text("customer_id"),
        "customer__display_name",
        "customer__number",
        _id_text("vehicle_id"),
        "vehicle__year",
        "vehicle__make",
        "vehicle__model",
        "vehicle__plate",
        "requested_services",
    )
    items = []
    for (
        pk,
        number,
        status,
        source,
        starts_at,
        ends_at,
        bay_id,
        advisor_id,
        customer_id,
        customer_name,
        customer_number,
        vehicle_id,
        year,
        make,
        model,
        plate,
        services,
    ) in rows:
        local_start = starts_at.astimezone(zone)
        items.append(
            {
                "id": _canonical(pk),
                "number": number,
                "status": status,
                "source": source,
                "starts_at": local_start.isoformat(),
                "ends_at": ends_at.astimezone(zone).isoformat(),
                "day": local_start.date().isoformat(),
                "bay_id": _canonical(bay_id),
                "advisor_id": _canonical(advisor_id),
                "customer": {
                    "id": _canonical(customer_id),
                    "number": customer_number,
                    "display_name": customer_name,
                },
                "vehicle": (
                    {
                        "id": _canonical(vehicle_id),
                        "label": _vehicle_label(year, make, model, plate),
                    }
                    if vehicle_id
                    else None
                ),
                "requested_services": services or [],
            }
        )
    columns: list[dict[str, Any]] = []
    if by == "day":
        day = start
        index = {}
        while day <= end:
            index[day.isoformat()] = len(columns)
            columns.append(
                {"key": day.isoformat(), "label": f"{day:%a %b %-d}", "appointments": []}
            )
            day += dt.timedelta(days=1)
        for item in items:
            if item["day"] in index:
                columns[index[item["day"]]]["appointments"].append(item)
    else:
        field = "bay_id" if by == "bay" else "advisor_id"
        used = {item[field] for item in items if item[field]}
        if by == "bay":
            resources = [
                (str(b.pk), b.name)
                for b in Bay.objects.filter(Q(active=True) | Q(pk__in=used)).order_by(
                    "position", "name", "id"
                )
            ]
        else:
            resources = [
                (str(m.pk), advisor_name(m))
                for m in Membership.objects.filter(
                    Q(is_advisor=True, is_active=True) | Q(pk__in=used)
                )
                .select_related("user")
                .order_by("user__full_name", "user__email", "id")
            ]
        index = {}
        for key, label in resources:
            index[key] = len(columns)
            columns.append({"key": key, "label": label, "appointments": []})
        unassigned = [item for item in items if not item[field]]
        for item in items:
            if item[field] in index:
                columns[index[item[field]]]["appointments"].append(item)
        if unassigned:
            columns.append({"key": None, "label": "Unassigned", "appointments": unassigned})
    for item in items:
        del item["day"]
    return {
        "from": start,
        "to": end,
        "by": by,
        "time_zone": org.time_zone,
        "columns": columns,
    }


# --- lists -------------------------------------------------------------------------------
APPOINTMENT_ORDERS = {"starts_at": "starts_at", "created_at": "created_at", "number": "number"}
JOB_ORDERS = {"created_at": "created_at", "number": "number"}
DECLINED_ORDERS = {"due_date": "due_date", "created_at": "created_at"}


def appointment_qs() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("customer", "vehicle", "bay", "advisor__user", "job")


def appointment_list(*, org: Organization, filters: dict[str, Any]) -> QuerySet[Appointment]:
    qs = appointment_qs()
    zone = org_zone(org)
    if filters.get("from_date"):
        qs = qs.filter(starts_at__gte=day_bounds(filters["from_date"], zone)[0])
    if filters.get("to_date"):
        qs = qs.filter(starts_at__lt=day_bounds(filters["to_date"], zone)[1])
    if filters.get("status"):
        statuses = [s.strip() for s in filters["status"].split(",") if s.strip()]
        wrong = set(statuses) - set(AppointmentStatus.values)
        if wrong:
            raise ValidationFailed(
                {"status": f"One or more of: {', '.join(AppointmentStatus.values)}."}
            )
        qs = qs.filter(status__in=statuses)
    for name in ("customer_id", "vehicle_id", "bay_id", "advisor_id"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    return qs


def appointments_of_day(*, org: Organization, day: dt.date) -> list[Appointment]:
    begins, ends = day_bounds(day, org_zone(org))
    return list(
        appointment_qs()
        .filter(starts_at__gte=begins, starts_at__lt=ends)
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by("starts_at", "id")
    )


def job_qs() -> QuerySet[Job]:
    return Job.objects.select_related("customer", "vehicle", "advisor__user", "appointment")


def job_list(*, filters: dict[str, Any]) -> QuerySet[Job]:
    qs = job_qs().prefetch_related("lines")
    if filters.get("status"):
        statuses = [s.strip() for s in filters["status"].split(",") if s.strip()]
        if statuses == ["open_or_in_progress"]:
            statuses = list(OPEN_JOB_STATUSES)
        qs = qs.filter(status__in=statuses)
    for name in ("customer_id", "vehicle_id"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    return qs


def job_get(*, id) -> Job:
    return get_or_404(job_qs().prefetch_related("lines", "recommendations"), id)


def recommendation_qs() -> QuerySet[Recommendation]:
    return Recommendation.objects.select_related("customer", "vehicle", "job", "appointment")


def declined_work_list(
    *,
    org: Organization,
    customer_id=None,
    overdue: bool | None = None,
    follow_up_status: str | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Recommendation]:
    """Declined recommendations: the upsell pipeline. ``overdue`` — still to chase (open
    or contacted) and due before today in the organization's time zone. Without a
    customer or status filter only the ones still to chase are listed."""
    qs = recommendation_qs().filter(status=RecommendationStatus.DECLINED)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if follow_up_status:
        statuses = [s.strip() for s in follow_up_status.split(",") if s.strip()]
        qs = qs.filter(follow_up_status__in=statuses)
    elif customer_id is None:
        qs = qs.filter(follow_up_status__in=PENDING_FOLLOW_UPS)
    if overdue is not None:
        today = local_today(org, now or timezone.now())
        late = Q(follow_up_status__in=PENDING_FOLLOW_UPS, due_date__lt=today)
        qs = qs.filter(late) if overdue else qs.exclude(late)
    return qs


def job_totals(lines: list[dict[str, Any]]) -> dict[Any, int]:
    """``{job_id: Job.total}`` from rows of ``job_id``, ``quantity`` and ``unit_price``."""
    totals: dict[Any, int] = defaultdict(int)
    for line in lines:
        totals[line["job_id"]] += line_total(line["quantity"], line["unit_price"])
    return totals
