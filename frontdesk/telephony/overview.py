"""The calls section of the customer 360 (``GET /customers/{id}/overview``): the last
calls and whether a missed one still waits for a follow-up."""

from __future__ import annotations

from frontdesk.telephony.models import Call

RECENT = 5


def calls_for_overview(customer) -> dict:
    recent = list(Call.objects.filter(customer=customer).order_by("-started_at", "-id")[:RECENT])
    return {
        "waiting_follow_up": Call.objects.filter(
            customer=customer, missed=True, handled_at__isnull=True
        ).exists(),
        "recent": [
            {
                "id": c.pk,
                "direction": c.direction,
                "status": c.status,
                "started_at": c.started_at,
                "duration_s": c.duration_s,
                "missed": c.missed,
                "handled_at": c.handled_at,
            }
            for c in recent
        ],
    }
