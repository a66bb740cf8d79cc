"""What loyalty adds to other domains' pages: the customer 360 section (balance, tier,
recent entries) and the merge relation. Registered from ``LoyaltyConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, Subquery, Sum
from django.db.models.functions import Coalesce

from frontdesk.core.prepared import Prepared
from frontdesk.customers import merge, overview
from frontdesk.customers.models import Customer
from frontdesk.loyalty import permissions as perm
from frontdesk.loyalty.models import PointsEntry
from frontdesk.loyalty.program import LoyaltySettings
from frontdesk.loyalty.selectors import LIFETIME_KINDS
from frontdesk.loyalty.services import points_merge

RECENT = 5


def _total(customer, condition: Q | None = None):
    """The sum of the customer's points (matching ``condition``), as a subquery."""
    entries = PointsEntry.objects.filter(customer_id=customer)
    if condition is not None:
        entries = entries.filter(condition)
    summed = entries.order_by().values("customer_id").annotate(s=Sum("points")).values("s")
    return Coalesce(Subquery(summed), 0)


# the newest entries, each carrying the totals (``selectors.points_totals``): a customer
# without entries has 0 and 0
_recent_entries = Prepared(
    lambda p: (
        PointsEntry.objects.filter(customer_id=p.customer)
        .annotate(
            balance=_total(p.customer),
            lifetime=_total(p.customer, Q(kind__in=LIFETIME_KINDS)),
        )
        .values("kind", "points", "reason", "created_at", "balance", "lifetime")[:RECENT]
    ),
    customer="id",
)


def customer_loyalty(customer: Customer) -> dict[str, Any]:
    """``selectors.loyalty_summary`` in one query: the newest entries with the totals."""
    program = LoyaltySettings.of(customer.organization)
    rows = _recent_entries(customer=customer.pk)
    balance = int(rows[0]["balance"]) if rows else 0
    lifetime = max(int(rows[0]["lifetime"]), 0) if rows else 0
    next_tier, needed = program.next_tier(lifetime)
    return {
        "balance": balance,
        "tier": program.tier_of(lifetime),
        "lifetime_points": lifetime,
        "next_tier": next_tier,
        "points_to_next_tier": needed,
        "recent": [
            {
                "kind": e["kind"],
                "points": e["points"],
                "reason": e["reason"],
                "created_at": e["created_at"],
            }
            for e in rows
        ],
    }


def register() -> None:
    overview.register_section("loyalty", customer_loyalty, permission=perm.VIEW)
    merge.register_relation(PointsEntry, "customer", name="points_entries", mover=points_merge)
