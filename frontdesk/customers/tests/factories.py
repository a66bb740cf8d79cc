"""Customers, companies and vehicles for tests, made through the services (so search
keys, audit and events are what production would write)."""

from __future__ import annotations

import itertools
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import services
from frontdesk.customers.models import Company, Customer, CustomerVehicle, Vehicle
from frontdesk.customers.normalize import vin_check_digit

_serial = itertools.count(1)


def system(org) -> Actor:
    return Actor.system(org_id=org.pk, label="tests")


def make_vin(serial: int | None = None, *, wmi: str = "1HG", vds: str = "CM826") -> str:
    """A valid North-American VIN (check digit computed)."""
    serial = next(_serial) if serial is None else serial
    body = f"{wmi}{vds}0A{'A'}{serial:06d}"  # position 9 placeholder '0', year 'A', plant 'A'
    vin = body[:8] + vin_check_digit(body) + body[9:]
    return vin


def make_customer(org, *, allow_duplicate: bool = False, **data: Any) -> Customer:
    data.setdefault("first_name", "Test")
    data.setdefault("last_name", f"Customer{next(_serial)}")
    with tenant_scope(org):
        return services.customer_create(
            org=org, actor=system(org), data=data, allow_duplicate=allow_duplicate
        )


def make_company(org, **data: Any) -> Company:
    data.setdefault("name", f"Company {next(_serial)}")
    with tenant_scope(org):
        return services.company_create(org=org, actor=system(org), data=data)


def make_vehicle(org, **data: Any) -> Vehicle:
    data.setdefault("vin", make_vin())
    data.setdefault("make", "Honda")
    data.setdefault("model", "Accord")
    data.setdefault("year", 2019)
    with tenant_scope(org):
        return services.vehicle_create(org=org, actor=system(org), data=data)


def link_vehicle(org, customer: Customer, vehicle: Vehicle, **link: Any) -> CustomerVehicle:
    with tenant_scope(org):
        return services.customer_vehicle_add(
            org=org, actor=system(org), customer=customer, vehicle_id=vehicle.pk, link=link
        )
