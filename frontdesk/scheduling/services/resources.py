"""Bays, closures and the scheduling settings: the calendar's configuration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, ValidationFailed
from frontdesk.core.services import model_create, model_update
from frontdesk.customers.normalize import clean_text
from frontdesk.organizations.models import Organization
from frontdesk.scheduling.choices import ACTIVE_STATUSES, BayKind
from frontdesk.scheduling.models import Appointment, Bay, Closure
from frontdesk.scheduling.times import SchedulingSettings, day_bounds, org_zone

MAX_CLOSURE_DAYS = 366


def _name(value: Any, field: str = "name", max_length: int = 80) -> str:
    try:
        text = clean_text(value, max_length=max_length)
    except ValueError as exc:
        raise ValidationFailed({field: str(exc)})
    if not text:
        raise ValidationFailed({field: "May not be empty."})
    return text


def _position(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 999:
        raise ValidationFailed({"position": "A whole number from 0 to 999."})
    return value


def _unique_name(name: str, exclude_id=None) -> None:
    if Bay.objects.filter(name__iexact=name).exclude(pk=exclude_id).exists():
        raise Conflict(f"There is a bay named {name!r} already.", field="name")


def bay_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Bay:
    name = _name(data.get("name"))
    kind = data.get("kind", BayKind.BAY)
    if kind not in BayKind.values:
        raise ValidationFailed({"kind": f"One of: {', '.join(BayKind.values)}."})
    with transaction.atomic():
        _unique_name(name)
        return model_create(
            model=Bay,
            org=org,
            actor=actor,
            name=name,
            kind=kind,
            active=bool(data.get("active", True)),
            position=_position(data.get("position", 0)),
        )


def bay_update(*, org: Organization, actor: Actor, bay: Bay, data: dict[str, Any]) -> Bay:
    """Rename, change the kind or order, or take a bay out of use (``active: false``).
    Appointments keep their bay; a bay out of use takes no new bookings."""
    values: dict[str, Any] = {}
    unknown = set(data) - {"name", "kind", "active", "position"}
    if unknown:
        raise ValidationFailed({name: "Not editable." for name in sorted(unknown)})
    if "name" in data:
        values["name"] = _name(data["name"])
    if "kind" in data:
        if data["kind"] not in BayKind.values:
            raise ValidationFailed({"kind": f"One of: {', '.join(BayKind.values)}."})
        values["kind"] = data["kind"]
    if "active" in data:
        values["active"] = bool(data["active"])
    if "position" in data:
        values["position"] = _position(data["position"])
    with transaction.atomic():
        if "name" in values:
            _unique_name(values["name"], exclude_id=bay.pk)
        bay, _ = model_update(instance=bay, org=org, actor=actor, data=values)
    return bay


def _closure_values(data: dict[str, Any], current: Closure | None = None) -> dict[str, Any]:
    if current is None:
        start = data.get("start_date")
        end = data.get("end_date") or start
    else:
        start = data.get("start_date") or current.start_date
        end = data.get("end_date") or current.end_date
    if start is None:
        raise ValidationFailed({"start_date": "Required."})
    if end < start:
        raise ValidationFailed({"end_date": "On or after start_date."})
    if (end - start).days >= MAX_CLOSURE_DAYS:
        raise ValidationFailed({"end_date": "A closure spans at most a year."})
    values = {"start_date": start, "end_date": end}
    if "reason" in data or current is None:
        values["reason"] = _name(data.get("reason"), "reason", 200)
    return values


def _booked_on(org: Organization, start: dt.date, end: dt.date) -> int:
    zone = org_zone(org)
    begins, _ = day_bounds(start, zone)
    _, ends = day_bounds(end, zone)
    return Appointment.objects.filter(
        status__in=ACTIVE_STATUSES, starts_at__gte=begins, starts_at__lt=ends
    ).count()


def closure_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Closure:
    """Close whole days (``start_date`` to ``end_date`` inclusive, local dates). Active
    appointments already booked on them stay; the answer counts them
    (``Closure.booked``) so they can be moved."""
    values = _closure_values(data)
    closure = model_create(model=Closure, org=org, actor=actor, **values)
    closure.booked = _booked_on(org, closure.start_date, closure.end_date)
    return closure


def closure_update(
    *, org: Organization, actor: Actor, closure: Closure, data: dict[str, Any]
) -> Closure:
    values = _closure_values(data, closure)
    closure, _ = model_update(instance=closure, org=org, actor=actor, data=values)
    closure.booked = _booked_on(org, closure.start_date, closure.end_date)
    return closure


def closure_delete(*, org: Organization, actor: Actor, closure: Closure) -> None:
    """Reopen the days (a closure is configuration, not history: it may go)."""
    with transaction.atomic():
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.DELETE,
            obj=closure,
            changes={
                "start_date": (closure.start_date, None),
                "end_date": (closure.end_date, None),
                "reason": (closure.reason, None),
            },
        )
        closure.delete()


def scheduling_settings_update(
    *, org: Organization, actor: Actor, data: dict[str, Any]
) -> SchedulingSettings:
    """Change some of the scheduling settings (kept in ``Organization.settings``)."""
    values = SchedulingSettings.validate(data)
    with transaction.atomic():
        org.refresh_from_db(fields=["settings"])
        settings = dict(org.settings or {})
        current = dict(settings.get("scheduling") or {})
        merged = {**current, **values}
        if merged != current:
            settings["scheduling"] = merged
            model_update(instance=org, org=org, actor=actor, data={"settings": settings})
    return SchedulingSettings.of(org)
