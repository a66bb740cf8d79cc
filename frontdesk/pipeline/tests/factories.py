"""Leads, opportunities and interactions for tests, made through the services (so numbers,
audit and events are what production writes)."""

from __future__ import annotations

import itertools
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.pipeline import services
from frontdesk.pipeline.models import Interaction, Lead, Opportunity

_serial = itertools.count(1)


def system(org) -> Actor:
    return Actor.system(org_id=org.pk, label="tests")


def complete_customer(org, **data: Any):
    """A contact a lead can be converted with: name, phone and address."""
    n = next(_serial)
    data.setdefault("first_name", "Dana")
    data.setdefault("last_name", f"Convertible{n}")
    data.setdefault("phones", [{"number": f"+1512555{n % 10000:04d}"}])
    data.setdefault(
        "addresses",
        [{"street": f"{n} Main St", "city": "Austin", "state": "TX", "postal_code": "78701"}],
    )
    return make_customer(org, **data)


def make_lead(org, **data: Any) -> Lead:
    data.setdefault("title", f"Brake job inquiry {next(_serial)}")
    data.setdefault("source", "phone_call")
    if "customer" not in data and "contact" not in data:
        data["customer"] = make_customer(org)
    with tenant_scope(org):
        return services.lead_create(org=org, actor=system(org), **data)


def make_opportunity(org, **data: Any) -> Opportunity:
    """An opportunity converted from a lead with a complete contact."""
    customer = data.pop("customer", None) or complete_customer(org)
    lead = make_lead(org, customer=customer, estimated_value=data.pop("amount", 45000))
    with tenant_scope(org):
        return services.lead_convert(org=org, actor=system(org), lead=lead, **data)


def log(org, **data: Any) -> Interaction:
    data.setdefault("type", "phone_call")
    with tenant_scope(org):
        return services.interaction_log(org=org, actor=system(org), **data)
