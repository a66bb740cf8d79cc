"""Bays, appointments and jobs for tests, made through the services (so audit, events
and numbers are what production writes). Times are relative to now: the suite runs on
any date, so "the next business day at 10:00" is computed, not written down."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import link_vehicle, make_customer, make_vehicle
from frontdesk.organizations.models import Membership, Organization
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, Bay, Job, Recommendation
from frontdesk.scheduling.selectors import closure_on
from frontdesk.scheduling.times import hours_of, org_zone, wall_to_utc

_serial = itertools.count(1)


def system(org) -> Actor:
    return Actor.system(org_id=org.pk, label="tests")


def business_day(org: Organization, *, after: int = 1, now: dt.datetime | None = None) -> dt.date:
    """The first local day at least ``after`` days from today with business hours and
    no closure."""
    now = now or timezone.now()
    day = now.astimezone(org_zone(org)).date() + dt.timedelta(days=after)
    with tenant_scope(org):
        while not hours_of(org, day) or closure_on(day):
            day += dt.timedelta(days=1)
    return day


def at(org: Organization, day: dt.date, hhmm: str) -> dt.datetime:
    """Local ``hhmm`` on ``day`` as an aware UTC datetime."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    value = wall_to_utc(day, dt.time(hour, minute), org_zone(org))
    assert value is not None, f"{day} {hhmm} does not exist in {org.time_zone}"
    return value


def local_iso(org: Organization, day: dt.date, hhmm: str) -> str:
    """``2030-01-02T10:00`` — a wall-clock time as the API reads it (no offset)."""
    return f"{day.isoformat()}T{hhmm}"


def make_bay(org: Organization, **data: Any) -> Bay:
    data.setdefault("name", f"Bay {next(_serial)}")
    with tenant_scope(org):
        return services.bay_create(org=org, actor=system(org), data=data)


def make_advisor(membership: Membership) -> Membership:
    with tenant_scope(membership.organization):
        membership.is_advisor = True
        membership.save(update_fields=["is_advisor", "updated_at"])
    return membership


def customer_with_vehicle(org: Organization, **data: Any):
    customer = make_customer(org, **data)
    vehicle = make_vehicle(org)
    link_vehicle(org, customer, vehicle)
    return customer, vehicle


def book(
    org: Organization,
    *,
    customer=None,
    vehicle=None,
    day: dt.date | None = None,
    start: str = "10:00",
    minutes: int = 60,
    bay: Bay | None = None,
    advisor: Membership | None = None,
    status: str = "draft",
    **extra: Any,
) -> Appointment:
    if customer is None:
        customer, vehicle = customer_with_vehicle(org)
    day = day or business_day(org)
    with tenant_scope(org):
        return services.appointment_book(
            org=org,
            actor=system(org),
            customer_id=customer.pk,
            vehicle_id=vehicle.pk if vehicle else None,
            starts_at=at(org, day, start),
            duration_min=minutes,
            bay_id=bay.pk if bay else None,
            advisor_id=advisor.pk if advisor else None,
            status=status,
            **extra,
        )


def make_job(org: Organization, *, appointment: Appointment | None = None, **data: Any) -> Job:
    with tenant_scope(org):
        if appointment is not None:
            job, _ = services.appointment_convert_to_job(
                org=org, actor=system(org), appointment=appointment
            )
            return job
        if "customer_id" not in data:
            customer, vehicle = customer_with_vehicle(org)
            data.update(customer_id=customer.pk, vehicle_id=vehicle.pk)
        return services.job_create(org=org, actor=system(org), **data)


def make_recommendation(
    org: Organization, job: Job, *, decide: str | None = None, **data: Any
) -> Recommendation:
    data.setdefault("description", f"Recommended work {next(_serial)}")
    data.setdefault("estimated_price", 4500)
    with tenant_scope(org):
        rec = services.recommendation_create(org=org, actor=system(org), job=job, data=data)
        if decide:
            rec = services.recommendation_decide(
                org=org, actor=system(org), recommendation=rec, decision=decide
            )
    return rec
