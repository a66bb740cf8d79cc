"""The messages section of the customer 360 (``GET /customers/{id}/overview``)."""

from __future__ import annotations

from frontdesk.messaging.models import Message

RECENT = 5


def messages_for_overview(customer) -> dict:
    recent = Message.objects.filter(customer=customer).order_by("-created_at", "-id")[:RECENT]
    return {
        "recent": [
            {
                "id": m.pk,
                "channel": m.channel,
                "status": m.status,
                "subject": m.subject,
                "body": m.body[:200],
                "blocked_reason": m.blocked_reason,
                "created_at": m.created_at,
                "sent_at": m.sent_at,
            }
            for m in recent
        ]
    }
