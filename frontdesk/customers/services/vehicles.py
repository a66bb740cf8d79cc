"""Writing vehicles and customers' links to them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, ValidationFailed
from frontdesk.core.locks import lock_keys
from frontdesk.core.lookups import get_referenced
from frontdesk.core.services import model_update
from frontdesk.customers import events
from frontdesk.customers.inputs import Errors, clean_link, clean_vehicle
from frontdesk.customers.models import Customer, CustomerVehicle, Vehicle
from frontdesk.customers.services.customers import ensure_editable, lock_customer
from frontdesk.events.services import event_emit
from frontdesk.organizations.models import Organization


def _check_vin(org: Organization, vin: str | None, *, exclude_id=None) -> None:
    """409 pointing at the vehicle that has this VIN already."""
    if not vin:
        return
    lock_keys(f"vehicles:{org.pk}:vin:{vin}")
    existing = Vehicle.objects.filter(vin=vin).exclude(pk=exclude_id).first()
    if existing:
        raise Conflict(
            f"Vehicle {existing} has VIN {vin} already; link that vehicle instead.",
            field="vin",
            existing_vehicle_id=existing.pk,
        )


def vehicle_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Vehicle:
    errors = Errors()
    values = clean_vehicle(data, errors=errors)
    errors.raise_if_any()
    with transaction.atomic():
        _check_vin(org, values.get("vin"))
        vehicle = Vehicle(organization_id=org.pk, **values)
        vehicle.save(force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=vehicle,
            changes={k: (None, v) for k, v in values.items() if k != "plate_key"},
        )
    return vehicle


def vehicle_update(
    *, org: Organization, actor: Actor, vehicle: Vehicle, data: dict[str, Any]
) -> Vehicle:
    errors = Errors()
    values = clean_vehicle(data, errors=errors)
    errors.raise_if_any()
    with transaction.atomic():
        if values.get("vin") and values["vin"] != vehicle.vin:
            _check_vin(org, values["vin"], exclude_id=vehicle.pk)
        vehicle, _ = model_update(instance=vehicle, org=org, actor=actor, data=values)
    return vehicle


def customer_vehicle_add(
    *,
    org: Organization,
    actor: Actor,
    customer: Customer,
    link: dict[str, Any],
    vehicle: dict[str, Any] | None = None,
    vehicle_id=None,
) -> CustomerVehicle:
    """Link a new vehicle (``vehicle``) or an existing one (``vehicle_id``) to a customer
    with the relationship fields in ``link``."""
    ensure_editable(customer)
    if (vehicle is None) == (vehicle_id is None):
        raise ValidationFailed({"vehicle": "Give either vehicle (a new one) or vehicle_id."})
    errors = Errors()
    link_values = clean_link(link, errors=errors)
    if vehicle is not None:
        clean_vehicle(vehicle, errors=errors, field="vehicle")  # all problems in one answer
    errors.raise_if_any()
    with transaction.atomic():
        customer = lock_customer(customer)
        ensure_editable(customer)
        if vehicle_id is not None:
            target = get_referenced(Vehicle, vehicle_id, field="vehicle_id", status=404)
            existing = CustomerVehicle.objects.filter(customer=customer, vehicle=target).first()
            if existing:
                raise Conflict(
                    f"{customer.number} is linked to this vehicle already.",
                    field="vehicle_id",
                    existing_link_id=existing.pk,
                )
        else:
            target = vehicle_create(org=org, actor=actor, data=vehicle)
        row = CustomerVehicle(
            organization_id=org.pk, customer=customer, vehicle=target, **link_values
        )
        row.save(force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=row,
            changes={
                "customer_id": (None, customer.pk),
                "vehicle_id": (None, target.pk),
                **{k: (None, v) for k, v in link_values.items()},
            },
        )
        Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
        event_emit(
            org=org,
            type=events.CUSTOMER_UPDATED,
            actor=actor,
            payload={"id": customer.pk, "number": customer.number, "changed": ["vehicles"]},
        )
    return row


def customer_vehicle_update(
    *, org: Organization, actor: Actor, link: CustomerVehicle, data: dict[str, Any]
) -> CustomerVehicle:
    """Change a link's relationship fields (e.g. ``status: sold``)."""
    ensure_editable(link.customer)
    errors = Errors()
    values = clean_link(data, errors=errors)
    errors.raise_if_any()
    with transaction.atomic():
        link, changes = model_update(instance=link, org=org, actor=actor, data=values)
        if changes:
            event_emit(
                org=org,
                type=events.CUSTOMER_UPDATED,
                actor=actor,
                payload={
                    "id": link.customer_id,
                    "number": link.customer.number,
                    "changed": ["vehicles"],
                },
            )
    return link
