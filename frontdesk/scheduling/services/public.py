"""Online booking requests from the public site (``/api/public/{org_slug}``).

A request names a time the public availability offered. The contact is found or created
through the customers domain (rule 2, revealing nothing about who is on file), the
vehicle described is linked to them, and the request lands as a **draft** holding a
free bay and advisor, so the slot stops being offered at once. ``appointment.booked``
(source ``online``) tells staff. What the visitor typed is kept in the notes, since an
existing customer's record is never changed by an anonymous form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, ValidationFailed
from frontdesk.customers.models import CustomerVehicle
from frontdesk.customers.normalize import clean_text, plate_key
from frontdesk.customers.services import customer_find_or_create, customer_vehicle_add
from frontdesk.organizations.models import Organization
from frontdesk.scheduling.choices import AppointmentSource, AppointmentStatus
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.selectors import free_resources
from frontdesk.scheduling.services.appointments import (
    appointment_book,
    clean_notes,
    clean_services,
)
from frontdesk.scheduling.times import SchedulingSettings, org_zone, resolve_time

ATTEMPTS = 3


def _vehicle_text(vehicle: dict[str, Any]) -> str:
    return " ".join(str(vehicle[k]) for k in ("year", "make", "model", "plate") if vehicle.get(k))


def _vehicle_for(org: Organization, actor: Actor, customer, vehicle: dict[str, Any]):
    """The customer's vehicle with this plate, or a new one linked to them."""
    key = plate_key(vehicle.get("plate"))
    if key:
        link = (
            CustomerVehicle.objects.filter(customer=customer, vehicle__plate_key=key)
            .select_related("vehicle")
            .first()
        )
        if link:
            return link.vehicle
    data = {k: v for k, v in vehicle.items() if v not in (None, "")}
    link = customer_vehicle_add(org=org, actor=actor, customer=customer, link={}, vehicle=data)
    return link.vehicle


def appointment_request(
    *,
    org: Organization,
    actor: Actor,
    first_name: str,
    last_name: str,
    phone: str = "",
    email: str = "",
    starts_at: dt.datetime,
    requested_services: list[str] | None = None,
    notes: str = "",
    vehicle: dict[str, Any] | None = None,
) -> Appointment:
    """A site visitor asks for ``starts_at``: 422 if that is not bookable online (too soon,
    too far ahead, outside hours, closed), 409 if it was taken meanwhile."""
    settings = SchedulingSettings.of(org)
    zone = org_zone(org)
    start = resolve_time(starts_at, zone, field="starts_at")
    end = start + dt.timedelta(minutes=settings.default_duration_minutes)
    now = timezone.now()
    if start < now + dt.timedelta(minutes=settings.online_min_notice_minutes):
        raise ValidationFailed({"starts_at": "Too soon to book online: please call us."})
    if start > now + dt.timedelta(days=settings.online_max_days_ahead):
        raise ValidationFailed(
            {"starts_at": f"Book at most {settings.online_max_days_ahead} days ahead."}
        )
    services = clean_services(requested_services)
    notes = clean_notes(notes)
    if org.uses_vehicles and not (vehicle and (vehicle.get("make") or vehicle.get("plate"))):
        raise ValidationFailed({"vehicle": "Tell us the vehicle (make and model, or plate)."})
    said = [
        f"Online request from {clean_text(first_name, max_length=100)} "
        f"{clean_text(last_name, max_length=100)}".strip()
    ]
    said += [f"Phone: {phone}"] if phone else []
    said += [f"Email: {email}"] if email else []
    said += [f"Vehicle: {_vehicle_text(vehicle)}"] if vehicle else []
    said += [notes] if notes else []
    with transaction.atomic():
        customer, _ = customer_find_or_create(
            org=org,
            actor=actor,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            email=email,
            source="web_form",
        )
        car = _vehicle_for(org, actor, customer, vehicle) if vehicle else None
        for _ in range(ATTEMPTS):
            bays, advisors, has_bays, has_advisors = free_resources(
                org=org, starts_at=start, ends_at=end
            )
            if (has_bays and not bays) or (has_advisors and not advisors):
                break
            try:
                return appointment_book(
                    org=org,
                    actor=actor,
                    customer_id=customer.pk,
                    vehicle_id=car and car.pk,
                    bay_id=bays[0] if bays else None,
                    advisor_id=advisors[0] if advisors else None,
                    starts_at=start,
                    ends_at=end,
                    requested_services=services,
                    notes="\n".join(said),
                    status=AppointmentStatus.DRAFT,
                    source=AppointmentSource.ONLINE,
                )
            except Conflict:
                continue  # taken by a concurrent request between the look and the lock
        raise Conflict("This time is no longer available: please choose another.")
