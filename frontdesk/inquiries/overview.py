"""The inquiries section of the customer 360 (``GET /customers/{id}/overview``): plain
rows, one query compiled once (``core.prepared``)."""

from __future__ import annotations

from frontdesk.core.prepared import Prepared
from frontdesk.inquiries.models import Inquiry

RECENT = 5

_recent = Prepared(
    lambda p: (
        Inquiry.objects.filter(customer_id=p.customer)
        .order_by("-created_at", "-id")
        .values("id", "number", "status", "message", "created_at")[:RECENT]
    ),
    customer="id",
)


def inquiries_for_overview(customer) -> dict:
    rows = _recent(customer=customer.pk)
    for row in rows:
        row["message"] = row["message"][:200]
    return {"recent": rows}
