"""What memberships add to other domains' pages: the customer 360 section (current
membership with its expiry, and recent history) and the merge relation."""

from __future__ import annotations

from typing import Any

from frontdesk.core.prepared import Prepared
from frontdesk.customers import merge, overview
from frontdesk.customers.models import Customer
from frontdesk.memberships import permissions as perm
from frontdesk.memberships.models import CustomerMembership
from frontdesk.memberships.services import memberships_merge

RECENT = 5

# ``selectors.membership_history`` as plain rows, compiled once (``core.prepared``)
_history = Prepared(
    lambda p: CustomerMembership.objects.filter(customer_id=p.customer).values(
        "id",
        "plan__name",
        "plan__priority_label",
        "kind",
        "status",
        "starts_on",
        "expires_on",
        "ended_on",
    )[:RECENT],
    customer="id",
)


def customer_membership(customer: Customer) -> dict[str, Any]:
    rows = _history(customer=customer.pk)
    current = next((m for m in rows if m["status"] == "active"), None)
    return {
        "current": {
            "id": current["id"],
            "plan": current["plan__name"],
            "priority": current["plan__priority_label"],
            "kind": current["kind"],
            "starts_on": current["starts_on"],
            "expires_on": current["expires_on"],
        }
        if current
        else None,
        "history": [
            {
                "plan": m["plan__name"],
                "kind": m["kind"],
                "status": m["status"],
                "starts_on": m["starts_on"],
                "until": m["ended_on"] or m["expires_on"],
            }
            for m in rows
        ],
    }


def register() -> None:
    overview.register_section("membership", customer_membership, permission=perm.VIEW)
    merge.register_relation(
        CustomerMembership, "customer", name="memberships", mover=memberships_merge
    )
