"""The inquiries section of the customer 360 (``GET /customers/{id}/overview``)."""

from __future__ import annotations

from frontdesk.inquiries.models import Inquiry

RECENT = 5


def inquiries_for_overview(customer) -> dict:
    recent = Inquiry.objects.filter(customer=customer).order_by("-created_at", "-id")[:RECENT]
    return {
        "recent": [
            {
                "id": i.pk,
                "number": i.number,
                "status": i.status,
                "message": i.message[:200],
                "created_at": i.created_at,
            }
            for i in recent
        ]
    }
