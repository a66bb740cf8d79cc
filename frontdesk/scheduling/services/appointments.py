"""Booking, moving and closing appointments; converting one into a job.

No double booking (SPEC rule 8): inside the write transaction a service takes a lock per
bay and advisor it is about to occupy (PostgreSQL advisory locks; SQLite write
transactions are immediate, so they run one at a time), then looks for an active
appointment overlapping the new time on that bay or advisor and answers 409 naming it.
A second request for the same slot waits for the first to commit and then sees it. On
PostgreSQL the exclusion constraints of migration 0002 back this up; their violation is
answered with the same 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, InvalidState, ValidationFailed
from frontdesk.core.locks import lock_keys
from frontdesk.core.lookups import get_referenced
from frontdesk.core.refnums import reference_next
from frontdesk.customers.models import Customer, CustomerVehicle, Vehicle
from frontdesk.customers.normalize import clean_text
from frontdesk.customers.services import customer_visit_record
from frontdesk.events.services import event_emit
from frontdesk.organizations.models import Membership, Organization
from frontdesk.scheduling import events
from frontdesk.scheduling.choices import (
    ACTIVE_STATUSES,
    AppointmentSource,
    AppointmentStatus,
    FollowUpStatus,
    JobLineKind,
    RecommendationStatus,
)
from frontdesk.scheduling.models import Appointment, Bay, Job, JobLine, Recommendation
from frontdesk.scheduling.selectors import closure_on
from frontdesk.scheduling.times import (
    SchedulingSettings,
    check_bookable,
    org_zone,
    resolve_time,
)

MAX_SERVICES = 20
NOTES_MAX = 5000
UNSET: Any = object()


# --- input -------------------------------------------------------------------------------
def clean_services(value: Iterable[str] | None) -> list[str]:
    items = list(value or [])
    if len(items) > MAX_SERVICES:
        raise ValidationFailed({"requested_services": f"At most {MAX_SERVICES} services."})
    out = []
    for i, item in enumerate(items):
        try:
            text = clean_text(item, max_length=200)
        except ValueError as exc:
            raise ValidationFailed({f"requested_services[{i}]": str(exc)})
        if text:
            out.append(text)
    return out


def clean_notes(value: str | None, field: str = "notes") -> str:
    try:
        return clean_text(value, max_length=NOTES_MAX, multiline=True)
    except ValueError as exc:
        raise ValidationFailed({field: str(exc)})


def _customer(customer_id) -> Customer:
    customer = get_referenced(Customer, customer_id, field="customer_id", status=404)
    if customer.merged_into_id or customer.status == "archived":
        raise ValidationFailed({"customer_id": f"{customer.number} is archived or merged."})
    return customer


def _vehicle(vehicle_id, customer: Customer) -> Vehicle:
    vehicle = get_referenced(Vehicle, vehicle_id, field="vehicle_id", status=404)
    if not CustomerVehicle.objects.filter(customer=customer, vehicle=vehicle).exists():
        raise ValidationFailed({"vehicle_id": f"This vehicle is not {customer.number}'s."})
    return vehicle


def _advisor(advisor_id) -> Membership:
    advisor = get_referenced(
        Membership.objects.select_related("user"), advisor_id, field="advisor_id", status=404
    )
    if not (advisor.is_advisor and advisor.is_active):
        raise ValidationFailed({"advisor_id": "This staff member is not a bookable advisor."})
    return advisor


def _bay(bay_id) -> Bay:
    bay = get_referenced(Bay, bay_id, field="bay_id", status=404)
    if not bay.active:
        raise ValidationFailed({"bay_id": f"{bay.name} is not in use."})
    return bay


def _times(
    org: Organization,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    duration_min: int | None,
    *,
    default: dt.timedelta,
) -> tuple[dt.datetime, dt.datetime]:
    zone = org_zone(org)
    start = resolve_time(starts_at, zone, field="starts_at")
    if ends_at is not None:
        end = resolve_time(ends_at, zone, field="ends_at")
    elif duration_min is not None:
        if not 1 <= duration_min <= 24 * 60:
            raise ValidationFailed({"duration_min": "From 1 to 1440 minutes."})
        end = start + dt.timedelta(minutes=duration_min)
    else:
        end = start + default
    return start, end


# --- the double-booking guard -------------------------------------------------------------
def _label(value: dt.datetime, org: Organization) -> str:
    return value.astimezone(org_zone(org)).strftime("%Y-%m-%d %H:%M")


def find_conflict(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    bay_id=None,
    advisor_id=None,
    exclude_id=None,
) -> tuple[Appointment, str] | None:
    """The first active appointment overlapping [starts_at, ends_at) on this bay or
    advisor, and which of the two it holds; None when both are free. Half-open ranges:
    one ending at 10:00 and one starting at 10:00 do not overlap."""
    holds = Q()
    if bay_id:
        holds |= Q(bay_id=bay_id)
    if advisor_id:
        holds |= Q(advisor_id=advisor_id)
    if not holds:
        return None
    found = (
        Appointment.objects.filter(
            holds, status__in=ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .exclude(pk=exclude_id)
        .select_related("bay", "advisor__user")
        .order_by("starts_at", "id")
        .first()
    )
    if found is None:
        return None
    return found, "bay" if bay_id and found.bay_id == bay_id else "advisor"


def _raise_conflict(org: Organization, found: Appointment, resource: str) -> None:
    if resource == "bay":
        who = found.bay.name if found.bay else "The bay"
    else:
        user = found.advisor.user if found.advisor else None
        who = (user.full_name or user.email) if user else "The advisor"
    raise Conflict(
        f"{who} is booked from {_label(found.starts_at, org)} to "
        f"{found.ends_at.astimezone(org_zone(org)):%H:%M} ({found.number}).",
        conflict={
            "id": found.pk,
            "number": found.number,
            "resource": resource,
            "starts_at": found.starts_at.astimezone(org_zone(org)),
            "ends_at": found.ends_at.astimezone(org_zone(org)),
        },
    )


def _guard(
    org: Organization,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    bay_id,
    advisor_id,
    exclude_id=None,
) -> None:
    """Inside the write transaction: serialize on the resources, then 409 on overlap."""
    keys = [f"scheduling:{org.pk}:bay:{bay_id}"] if bay_id else []
    keys += [f"scheduling:{org.pk}:advisor:{advisor_id}"] if advisor_id else []
    lock_keys(*keys)
    found = find_conflict(
        starts_at=starts_at,
        ends_at=ends_at,
        bay_id=bay_id,
        advisor_id=advisor_id,
        exclude_id=exclude_id,
    )
    if found:
        _raise_conflict(org, *found)


def _save_guarded(org: Organization, appointment: Appointment, **save: Any) -> None:
    """Save; an exclusion-constraint violation (PostgreSQL) becomes the same 409."""
    try:
        with transaction.atomic():
            appointment.save(**save)
    except IntegrityError as exc:
        if "appointment_no_" not in str(exc):
            raise
        found = find_conflict(
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            bay_id=appointment.bay_id,
            advisor_id=appointment.advisor_id,
            exclude_id=appointment.pk,
        )
        if found:
            _raise_conflict(org, *found)
        raise Conflict("The bay or advisor is booked at this time.")


def lock_appointment(appointment: Appointment) -> Appointment:
    qs = Appointment.objects.filter(pk=appointment.pk)
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    return qs.select_related("customer", "bay", "advisor__user", "vehicle").get()


def payload(appointment: Appointment, **extra: Any) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "number": appointment.number,
        "customer_id": appointment.customer_id,
        "vehicle_id": appointment.vehicle_id,
        "bay_id": appointment.bay_id,
        "advisor_id": appointment.advisor_id,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "status": appointment.status,
        "source": appointment.source,
        **extra,
    }


# --- booking -----------------------------------------------------------------------------
def appointment_book(
    *,
    org: Organization,
    actor: Actor,
    customer_id,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    duration_min: int | None = None,
    vehicle_id=None,
    advisor_id=None,
    bay_id=None,
    requested_services: Iterable[str] = (),
    notes: str = "",
    status: str = AppointmentStatus.DRAFT,
    source: str = AppointmentSource.STAFF,
    recommendation: Recommendation | None = None,
) -> Appointment:
    """Book an appointment (draft, or confirmed at once). 404 for a customer, vehicle,
    bay or advisor not of this organization; 422 for bad times (past, outside hours, a
    closure, end before start) or a vehicle of another customer; 409 naming the
    appointment that holds the bay or advisor."""
    if status not in ACTIVE_STATUSES:
        raise ValidationFailed({"status": "A new appointment is draft or confirmed."})
    customer = _customer(customer_id)
    vehicle = _vehicle(vehicle_id, customer) if vehicle_id else None
    advisor = _advisor(advisor_id) if advisor_id else None
    bay = _bay(bay_id) if bay_id else None
    services = clean_services(requested_services)
    notes = clean_notes(notes)
    settings = SchedulingSettings.of(org)
    start, end = _times(
        org,
        starts_at,
        ends_at,
        duration_min,
        default=dt.timedelta(minutes=settings.default_duration_minutes),
    )
    now = timezone.now()
    check_bookable(org, start, end, now=now, closure_on=closure_on)
    if org.uses_vehicles and vehicle is None and source == AppointmentSource.STAFF:
        raise ValidationFailed({"vehicle_id": "Choose the customer's vehicle."})
    with transaction.atomic():
        _guard(org, starts_at=start, ends_at=end, bay_id=bay and bay.pk, advisor_id=advisor_id)
        appointment = Appointment(
            organization_id=org.pk,
            number=reference_next(org=org, kind="appointment"),
            customer=customer,
            vehicle=vehicle,
            advisor=advisor,
            bay=bay,
            starts_at=start,
            ends_at=end,
            requested_services=services,
            notes=notes,
            status=status,
            source=source,
            confirmed_at=now if status == AppointmentStatus.CONFIRMED else None,
        )
        _save_guarded(org, appointment, force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=appointment,
            changes={
                k: (None, v)
                for k, v in payload(appointment, requested_services=services).items()
                if k != "id"
            },
            metadata={"recommendation_id": str(recommendation.pk)} if recommendation else None,
        )
        event_emit(
            org=org, type=events.APPOINTMENT_BOOKED, actor=actor, payload=payload(appointment)
        )
        if status == AppointmentStatus.CONFIRMED:
            event_emit(
                org=org,
                type=events.APPOINTMENT_CONFIRMED,
                actor=actor,
                payload=payload(appointment),
            )
    return appointment


# --- changing ----------------------------------------------------------------------------
def _ensure_active(appointment: Appointment) -> None:
    if not appointment.is_active:
        raise InvalidState(
            f"{appointment.number} is {appointment.get_status_display().lower()}; only draft"
            " and confirmed appointments change."
        )


def appointment_update(
    *, org: Organization, actor: Actor, appointment: Appointment, data: dict[str, Any]
) -> Appointment:
    """Change an active appointment: reschedule (``starts_at``, ``ends_at`` or
    ``duration_min``), move it to another bay or advisor (``None`` frees it), change the
    vehicle, services or notes. A new time is checked like a booking; a taken slot is
    409 and the appointment keeps its old time."""
    unknown = set(data) - {
        "starts_at",
        "ends_at",
        "duration_min",
        "bay_id",
        "advisor_id",
        "vehicle_id",
        "requested_services",
        "notes",
    }
    if unknown:
        raise ValidationFailed({name: "Not editable." for name in sorted(unknown)})
    _ensure_active(appointment)
    changes: dict[str, Any] = {}
    if "vehicle_id" in data:
        if data["vehicle_id"] is None and org.uses_vehicles:
            raise ValidationFailed({"vehicle_id": "Choose the customer's vehicle."})
        vehicle = _vehicle(data["vehicle_id"], appointment.customer) if data["vehicle_id"] else None
        changes["vehicle"] = vehicle
    if "bay_id" in data:
        changes["bay"] = _bay(data["bay_id"]) if data["bay_id"] else None
    if "advisor_id" in data:
        changes["advisor"] = _advisor(data["advisor_id"]) if data["advisor_id"] else None
    if "requested_services" in data:
        changes["requested_services"] = clean_services(data["requested_services"])
    if "notes" in data:
        changes["notes"] = clean_notes(data["notes"])
    moving = {"starts_at", "ends_at", "duration_min"} & set(data)
    if moving:
        duration = appointment.ends_at - appointment.starts_at
        start, end = _times(
            org,
            data.get("starts_at") or appointment.starts_at,
            data.get("ends_at"),
            data.get("duration_min"),
            default=duration,
        )
        changes["starts_at"], changes["ends_at"] = start, end
    with transaction.atomic():
        appointment = lock_appointment(appointment)
        _ensure_active(appointment)
        before = {name: getattr(appointment, name) for name in changes}
        changed = {k: v for k, v in changes.items() if before[k] != v}
        if not changed:
            return appointment
        previous = {
            "starts_at": appointment.starts_at,
            "ends_at": appointment.ends_at,
            "bay_id": appointment.bay_id,
            "advisor_id": appointment.advisor_id,
        }
        for name, value in changed.items():
            setattr(appointment, name, value)
        rescheduled = bool({"starts_at", "ends_at", "bay", "advisor"} & set(changed))
        if {"starts_at", "ends_at"} & set(changed):
            check_bookable(
                org,
                appointment.starts_at,
                appointment.ends_at,
                now=timezone.now(),
                closure_on=closure_on,
            )
            if "starts_at" in changed:
                appointment.reminder_queued_at = None  # a new time gets its own reminder
                changed.setdefault("reminder_queued_at", None)
        if rescheduled:
            _guard(
                org,
                starts_at=appointment.starts_at,
                ends_at=appointment.ends_at,
                bay_id=appointment.bay_id,
                advisor_id=appointment.advisor_id,
                exclude_id=appointment.pk,
            )
        _save_guarded(org, appointment, update_fields=[*changed, "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=appointment,
            changes={
                ("bay_id" if k == "bay" else "advisor_id" if k == "advisor" else k): (
                    getattr(before.get(k), "pk", before.get(k)),
                    getattr(v, "pk", v),
                )
                for k, v in changed.items()
                if k != "reminder_queued_at"
            },
        )
        if rescheduled:
            event_emit(
                org=org,
                type=events.APPOINTMENT_RESCHEDULED,
                actor=actor,
                payload=payload(appointment, previous=previous),
            )
    return appointment


# --- the state machine -------------------------------------------------------------------
S = AppointmentStatus
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # action: (from, to, event)
    "confirm": ((S.DRAFT,), S.CONFIRMED, events.APPOINTMENT_CONFIRMED),
    "complete": ((S.CONFIRMED,), S.COMPLETED, events.APPOINTMENT_COMPLETED),
    "cancel": ((S.DRAFT, S.CONFIRMED), S.CANCELLED, events.APPOINTMENT_CANCELLED),
    "no_show": ((S.CONFIRMED,), S.NO_SHOW, events.APPOINTMENT_NO_SHOW),
}


DONE = {
    "confirm": "confirmed",
    "complete": "completed",
    "cancel": "cancelled",
    "no_show": "marked a no-show",
}


def _follow_ups_after(appointment: Appointment, status: str) -> None:
    """Declined work booked into this appointment: done when it was completed, open
    again when it was cancelled or missed."""
    target = FollowUpStatus.DONE if status == S.COMPLETED else FollowUpStatus.OPEN
    Recommendation.objects.filter(
        appointment=appointment, follow_up_status=FollowUpStatus.SCHEDULED
    ).update(follow_up_status=target, updated_at=timezone.now())


def appointment_transition(
    *, org: Organization, actor: Actor, appointment: Appointment, action: str, reason: str = ""
) -> Appointment:
    """draft → confirmed → completed | cancelled | no_show; anything else is 409.
    Confirming needs the vehicle where the business uses vehicles (an online request may
    lack it); a no-show is recorded only once the start time has passed."""
    if action not in TRANSITIONS:
        raise ValidationFailed({"action": f"One of: {', '.join(TRANSITIONS)}."})
    sources, target, event_type = TRANSITIONS[action]
    reason = clean_notes(reason, "reason")[:200]
    with transaction.atomic():
        appointment = lock_appointment(appointment)
        if appointment.status not in sources:
            raise InvalidState(
                f"{appointment.number} is {appointment.get_status_display().lower()}: it cannot"
                f" be {DONE[action]}.",
                current_status=appointment.status,
            )
        now = timezone.now()
        if action == "confirm" and org.uses_vehicles and appointment.vehicle_id is None:
            raise ValidationFailed({"vehicle_id": "Add the customer's vehicle before confirming."})
        if action == "no_show" and appointment.starts_at > now:
            raise InvalidState(f"{appointment.number} has not started yet.")
        before = appointment.status
        appointment.status = target
        fields = ["status", "updated_at"]
        if target == S.CONFIRMED:
            appointment.confirmed_at = now
            fields.append("confirmed_at")
        else:
            appointment.closed_at = now
            fields.append("closed_at")
        if target == S.CANCELLED:
            appointment.cancel_reason = reason
            fields.append("cancel_reason")
        appointment.save(update_fields=fields)
        if target == S.COMPLETED:
            customer_visit_record(
                org=org, customer=appointment.customer, visited_at=appointment.starts_at
            )
        if target in (S.COMPLETED, S.CANCELLED, S.NO_SHOW):
            _follow_ups_after(appointment, target)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=appointment,
            changes={"status": (before, target)},
            metadata={"reason": reason} if reason else None,
        )
        extra = {"reason": reason} if target == S.CANCELLED else {}
        event_emit(org=org, type=event_type, actor=actor, payload=payload(appointment, **extra))
    return appointment


# --- into a job --------------------------------------------------------------------------
def appointment_convert_to_job(
    *, org: Organization, actor: Actor, appointment: Appointment
) -> tuple[Job, bool]:
    """Open a job from a confirmed appointment — customer, vehicle, advisor, concern
    (the notes, or the requested services) and one service line per requested service —
    and complete the appointment, in one transaction. Idempotent: the appointment's job,
    if it has one, is returned (created False). A draft, cancelled or no-show appointment
    is 409."""
    with transaction.atomic():
        appointment = lock_appointment(appointment)
        existing = Job.objects.filter(appointment=appointment).first()
        if existing is not None:
            return existing, False
        if appointment.status != S.CONFIRMED:
            raise InvalidState(
                f"{appointment.number} is {appointment.get_status_display().lower()}: only a"
                " confirmed appointment becomes a job.",
                current_status=appointment.status,
            )
        services = list(appointment.requested_services or [])
        concern = appointment.notes or "; ".join(services)
        job = Job(
            organization_id=org.pk,
            number=reference_next(org=org, kind="job"),
            customer_id=appointment.customer_id,
            vehicle_id=appointment.vehicle_id,
            appointment=appointment,
            advisor_id=appointment.advisor_id,
            concern=concern,
        )
        job.save(force_insert=True)
        JobLine.objects.bulk_create(
            JobLine(
                organization_id=org.pk,
                job=job,
                kind=JobLineKind.SERVICE,
                description=service,
                position=i,
            )
            for i, service in enumerate(services)
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=job,
            changes={
                "number": (None, job.number),
                "customer_id": (None, job.customer_id),
                "vehicle_id": (None, job.vehicle_id),
                "appointment_id": (None, appointment.pk),
                "concern": (None, concern),
                "lines": (None, services),
            },
        )
        event_emit(
            org=org,
            type=events.JOB_CREATED,
            actor=actor,
            payload={
                "id": job.pk,
                "number": job.number,
                "customer_id": job.customer_id,
                "vehicle_id": job.vehicle_id,
                "appointment_id": appointment.pk,
            },
        )
        now = timezone.now()
        appointment.status = S.COMPLETED
        appointment.closed_at = now
        appointment.save(update_fields=["status", "closed_at", "updated_at"])
        customer_visit_record(
            org=org, customer=appointment.customer, visited_at=appointment.starts_at
        )
        _follow_ups_after(appointment, S.COMPLETED)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=appointment,
            changes={"status": (S.CONFIRMED, S.COMPLETED)},
            metadata={"job_id": str(job.pk), "job_number": job.number},
        )
        event_emit(
            org=org,
            type=events.APPOINTMENT_COMPLETED,
            actor=actor,
            payload=payload(appointment, job_id=job.pk),
        )
    return job, True


# --- declined work into an appointment ----------------------------------------------------
def recommendation_book(
    *,
    org: Organization,
    actor: Actor,
    recommendation: Recommendation,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    duration_min: int | None = None,
    bay_id=None,
    advisor_id=None,
    notes: str = "",
    status: str = AppointmentStatus.DRAFT,
) -> Appointment:
    """Book declined work straight into an appointment for its customer and vehicle; its
    follow-up becomes ``scheduled``. 409 unless it is declined and not booked already
    (into an appointment still active) nor done or dismissed."""
    with transaction.atomic():
        rows = Recommendation.objects.filter(pk=recommendation.pk)
        if connection.vendor == "postgresql":
            rows = rows.select_for_update(of=("self",))  # one booking at a time
        rec = rows.select_related("appointment").get()
        if rec.status != RecommendationStatus.DECLINED:
            raise InvalidState("Only declined work is booked from the follow-up list.")
        if rec.follow_up_status in (FollowUpStatus.DONE, FollowUpStatus.DISMISSED):
            raise InvalidState(f"This follow-up is {rec.follow_up_status}.")
        if rec.appointment is not None and rec.appointment.is_active:
            raise InvalidState(
                f"Booked already into {rec.appointment.number}.",
                appointment_id=rec.appointment.pk,
            )
        appointment = appointment_book(
            org=org,
            actor=actor,
            customer_id=rec.customer_id,
            vehicle_id=rec.vehicle_id,
            starts_at=starts_at,
            ends_at=ends_at,
            duration_min=duration_min,
            bay_id=bay_id,
            advisor_id=advisor_id,
            requested_services=[rec.description],
            notes=notes or f"Declined earlier: {rec.description}",
            status=status,
            recommendation=rec,
        )
        before = rec.follow_up_status
        rec.appointment = appointment
        rec.follow_up_status = FollowUpStatus.SCHEDULED
        rec.save(update_fields=["appointment", "follow_up_status", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=rec,
            changes={
                "follow_up_status": (before, FollowUpStatus.SCHEDULED),
                "appointment_id": (None, appointment.pk),
            },
        )
    return appointment
