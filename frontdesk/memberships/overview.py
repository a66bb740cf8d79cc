"""What memberships add to other domains' pages: the customer 360 section (current
membership with its expiry, and recent history) and the merge relation."""

from __future__ import annotations

from typing import Any

from frontdesk.customers import merge, overview
from frontdesk.customers.models import Customer
from frontdesk.memberships import permissions as perm
from frontdesk.memberships.models import CustomerMembership
from frontdesk.memberships.selectors import membership_history
from frontdesk.memberships.services import memberships_merge

RECENT = 5


def customer_membership(customer: Customer) -> dict[str, Any]:
    rows = list(membership_history(customer=customer)[:RECENT])
    current = next((m for m in rows if m.status == "active"), None)
    return {
        "current": {
            "id": current.pk,
            "plan": current.plan.name,
            "priority": current.plan.priority_label,
            "kind": current.kind,
            "starts_on": current.starts_on,
            "expires_on": current.expires_on,
        }
        if current
        else None,
        "history": [
            {
                "plan": m.plan.name,
                "kind": m.kind,
                "status": m.status,
                "starts_on": m.starts_on,
                "until": m.until,
            }
            for m in rows
        ],
    }


def register() -> None:
    overview.register_section("membership", customer_membership, permission=perm.VIEW)
    merge.register_relation(
        CustomerMembership, "customer", name="memberships", mover=memberships_merge
    )
