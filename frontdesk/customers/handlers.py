"""Event handlers of the customers app: keep the stored segment current (SPEC 4.9) on
the events that change it. Registered in ``CustomersConfig.ready()``; idempotent (the
refresh computes the segment from the row, so a redelivery changes nothing)."""

from __future__ import annotations

from frontdesk.customers import events
from frontdesk.customers.segments import customer_segments_refresh
from frontdesk.events.registry import on_event
from frontdesk.organizations.models import Organization

# scheduling's event types, by name (an event is a string on the wire; importing
# scheduling from customers would point the dependency the wrong way)
APPOINTMENT_EVENTS = ("appointment.booked", "appointment.completed", "appointment.cancelled")


def _org(event) -> Organization:
    return Organization.objects.get(pk=event.organization_id)


@on_event(*APPOINTMENT_EVENTS, events.CUSTOMER_CREATED)
def segment_refresh_for_customer(event) -> None:
    customer_id = event.payload.get("customer_id") or (
        event.payload.get("id") if event.type == events.CUSTOMER_CREATED else None
    )
    if customer_id:
        customer_segments_refresh(org=_org(event), customer_ids=[customer_id])


@on_event(events.CUSTOMER_MERGED)
def segment_refresh_after_merge(event) -> None:
    ids = [event.payload.get("survivor_id"), event.payload.get("duplicate_id")]
    customer_segments_refresh(org=_org(event), customer_ids=ids)


@on_event(events.CUSTOMERS_IMPORTED, events.CUSTOMERS_IMPORT_REVERTED)
def segment_refresh_after_import(event) -> None:
    if not event.payload.get("dry_run"):
        customer_segments_refresh(org=_org(event))
