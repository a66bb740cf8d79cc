"""Plans, services and memberships for tests, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.memberships import services
from frontdesk.memberships.models import CustomerMembership, MembershipPlan
from frontdesk.money.models import Service
from frontdesk.money.tests import factories as money_factories

_serial = itertools.count(1)


def system(org) -> Actor:
    return Actor.system(org_id=org.pk, label="tests")


def make_service(org, **data: Any) -> Service:
    """A catalog service, through money's ``service_create``."""
    return money_factories.make_service(org, **data)


def make_plan(org, *, included: list[tuple[Service, int]] = (), **data: Any) -> MembershipPlan:
    data.setdefault("name", f"Plan {next(_serial)}")
    data.setdefault("discount_percent", 10)
    data.setdefault("duration_days", 365)
    data["included_services"] = [{"service_id": s.pk, "price": p} for s, p in included]
    with tenant_scope(org):
        return services.plan_create(org=org, actor=system(org), data=data)


def assign(
    org, customer, plan, starts_on: dt.date | None = None, actor: Actor | None = None
) -> CustomerMembership:
    with tenant_scope(org):
        return services.membership_assign(
            org=org, actor=actor or system(org), customer=customer, plan=plan, starts_on=starts_on
        )
