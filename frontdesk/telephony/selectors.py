"""Reading calls and the recovery queue (inside the caller's organization scope)."""

from __future__ import annotations

from django.db.models import QuerySet

from frontdesk.core.lookups import get_or_404
from frontdesk.telephony.models import Call

CALL_ORDERS = {"started_at": "started_at"}


def call_qs() -> QuerySet[Call]:
    return Call.objects.select_related("customer")


def call_list(*, customer_id=None) -> QuerySet[Call]:
    qs = call_qs()
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


def missed_call_list(*, handled: bool = False) -> QuerySet[Call]:
    return call_qs().filter(missed=True, handled_at__isnull=not handled)


def call_get(*, id) -> Call:
    return get_or_404(call_qs(), id)


def missed_call_get(*, id) -> Call:
    return get_or_404(call_qs().filter(missed=True), id)


def missed_calls_open(*, limit: int = 8) -> list[Call]:
    return list(missed_call_list()[:limit])


def missed_calls_open_count() -> int:
    return missed_call_list().count()
