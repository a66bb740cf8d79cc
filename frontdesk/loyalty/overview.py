"""What loyalty adds to other domains' pages: the customer 360 section (balance, tier,
recent entries) and the merge relation. Registered from ``LoyaltyConfig.ready()``."""

from __future__ import annotations

from typing import Any

from frontdesk.customers import merge, overview
from frontdesk.customers.models import Customer
from frontdesk.loyalty import permissions as perm
from frontdesk.loyalty.models import PointsEntry
from frontdesk.loyalty.selectors import loyalty_summary
from frontdesk.loyalty.services import points_merge

RECENT = 5


def customer_loyalty(customer: Customer) -> dict[str, Any]:
    """Two queries: the totals and the newest entries."""
    summary = loyalty_summary(org=customer.organization, customer=customer, history=RECENT)
    return {
        "balance": summary["balance"],
        "tier": summary["tier"],
        "lifetime_points": summary["lifetime_points"],
        "next_tier": summary["next_tier"],
        "points_to_next_tier": summary["points_to_next_tier"],
        "recent": [
            {
                "kind": e.kind,
                "points": e.points,
                "reason": e.reason,
                "created_at": e.created_at,
            }
            for e in summary["history"]
        ],
    }


def register() -> None:
    overview.register_section("loyalty", customer_loyalty, permission=perm.VIEW)
    merge.register_relation(PointsEntry, "customer", name="points_entries", mover=points_merge)
