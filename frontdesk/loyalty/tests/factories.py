"""Rewards and points for tests, made through the services (so audit, events and
constraints are what production writes)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.loyalty import services
from frontdesk.loyalty.models import PointsEntry, Reward
from frontdesk.loyalty.selectors import points_balance

_serial = itertools.count(1)


def system(org) -> Actor:
    return Actor.system(org_id=org.pk, label="tests")


def make_reward(org, **data: Any) -> Reward:
    data.setdefault("name", f"Reward {next(_serial)}")
    data.setdefault("points_cost", 100)
    with tenant_scope(org):
        return services.reward_create(org=org, actor=system(org), data=data)


def add_points(org, customer, points: int = 100, reason: str = "Welcome bonus") -> PointsEntry:
    with tenant_scope(org):
        return services.points_add(
            org=org, actor=system(org), customer=customer, points=points, reason=reason
        )


def earn(org, customer, amount: int = 10_000, invoice_id=None) -> PointsEntry | None:
    """Points for a paid invoice of ``amount`` cents (an invoice id made up when none)."""
    with tenant_scope(org):
        return services.points_earn_for_invoice(
            org=org,
            customer=customer,
            invoice_id=invoice_id or uuid.uuid4(),
            amount=amount,
            currency=org.currency,
            reference="INV-TEST",
        )


def balance(org, customer) -> int:
    with tenant_scope(org):
        return points_balance(customer=customer)
