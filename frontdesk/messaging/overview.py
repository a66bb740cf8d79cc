"""The messages section of the customer 360 (``GET /customers/{id}/overview``): plain
rows, one query compiled once (``core.prepared``)."""

from __future__ import annotations

from frontdesk.core.prepared import Prepared
from frontdesk.messaging.models import Message

RECENT = 5

_recent = Prepared(
    lambda p: (
        Message.objects.filter(customer_id=p.customer)
        .order_by("-created_at", "-id")
        .values(
            "id", "channel", "status", "subject", "body", "blocked_reason", "created_at", "sent_at"
        )[:RECENT]
    ),
    customer="id",
)


def messages_for_overview(customer) -> dict:
    rows = _recent(customer=customer.pk)
    for row in rows:
        row["body"] = row["body"][:200]
    return {"recent": rows}
