"""The calls section of the customer 360 (``GET /customers/{id}/overview``): the last
calls and whether a missed one still waits for a follow-up — one query compiled once
(``core.prepared``): the waiting flag rides on each row (a customer without calls has
none waiting)."""

from __future__ import annotations

from django.db.models import Exists

from frontdesk.core.prepared import Prepared
from frontdesk.telephony.models import Call

RECENT = 5
CALL_VALUES = ("id", "direction", "status", "started_at", "duration_s", "missed", "handled_at")


def _waiting(customer):
    return Exists(
        Call.objects.filter(customer_id=customer, missed=True, handled_at__isnull=True).order_by()
    )


_recent_calls = Prepared(
    lambda p: (
        Call.objects.filter(customer_id=p.customer)
        .order_by("-started_at", "-id")
        .values(*CALL_VALUES, waiting=_waiting(p.customer))[:RECENT]
    ),
    customer="id",
)


def calls_for_overview(customer) -> dict:
    rows = _recent_calls(customer=customer.pk)
    return {
        "waiting_follow_up": bool(rows and rows[0]["waiting"]),
        "recent": [{name: row[name] for name in CALL_VALUES} for row in rows],
    }
