"""Reads of loyalty. Balances are ``SUM(points)`` over the customer's entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from frontdesk.customers.models import Customer
from frontdesk.loyalty.choices import EntryKind
from frontdesk.loyalty.models import PointsEntry, Reward
from frontdesk.loyalty.program import LoyaltySettings

LIFETIME_KINDS = (EntryKind.EARN, EntryKind.ADD, EntryKind.REVERSE)


def points_totals(*, customer: Customer | Any) -> dict[str, int]:
    """``balance`` (what can be spent) and ``lifetime`` (what counts for the tier) in one
    aggregate query."""
    totals = PointsEntry.objects.filter(customer=customer).aggregate(
        balance=Coalesce(Sum("points"), 0),
        lifetime=Coalesce(Sum("points", filter=Q(kind__in=LIFETIME_KINDS)), 0),
    )
    return {"balance": int(totals["balance"]), "lifetime": max(int(totals["lifetime"]), 0)}


def points_balance(*, customer: Customer | Any) -> int:
    return points_totals(customer=customer)["balance"]


def entry_qs() -> QuerySet[PointsEntry]:
    return PointsEntry.objects.select_related("reward")


def entry_list(*, customer: Customer, kind: str | None = None) -> QuerySet[PointsEntry]:
    qs = entry_qs().filter(customer=customer)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def loyalty_summary(*, org, customer: Customer, history: int = 20) -> dict[str, Any]:
    """Balance, tier, the next tier and the newest ``history`` entries."""
    program = LoyaltySettings.of(org)
    totals = points_totals(customer=customer)
    next_tier, needed = program.next_tier(totals["lifetime"])
    return {
        "customer_id": customer.pk,
        "customer_number": customer.number,
        "balance": totals["balance"],
        "lifetime_points": totals["lifetime"],
        "tier": program.tier_of(totals["lifetime"]),
        "next_tier": next_tier,
        "points_to_next_tier": needed,
        "point_value": program.point_value,
        "history": list(entry_list(customer=customer)[:history]) if history else [],
    }


def reward_list(*, active: bool | None = None, q: str | None = None) -> QuerySet[Reward]:
    qs = Reward.objects.all()
    if active is not None:
        qs = qs.filter(active=active)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def expirable_points(*, customer: Customer, cutoff: dt.datetime) -> int:
    """Points to expire at ``cutoff`` (first in, first out): whatever was credited before
    ``cutoff`` and has not since been spent, reversed or expired."""
    totals = PointsEntry.objects.filter(customer=customer).aggregate(
        old=Coalesce(Sum("points", filter=Q(points__gt=0, created_at__lt=cutoff)), 0),
        spent=Coalesce(Sum("points", filter=Q(points__lt=0)), 0),
    )
    return max(int(totals["old"]) + int(totals["spent"]), 0)
