"""Human reference numbers (``C-1042``, ``INV-2026-0042``), sequential per organization.

``reference_next`` must run inside the transaction that creates the record: if that
transaction rolls back, so does the increment, so the sequence has no gaps. Concurrent
callers serialize on the sequence row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
runs write transactions one at a time with ``transaction_mode=IMMEDIATE``).
"""

from django.db import transaction
from django.db.models import F

from frontdesk.core.models import Sequence
from frontdesk.core.tenancy import tenant_scope

PREFIXES = {
    "customer": "C",
    "lead": "L",
    "opportunity": "O",
    "job": "J",
    "payment": "PAY",
    "quote": "Q",
    "credit_note": "CN",
    "appointment": "A",
}


def reference_next(*, org, kind: str, width: int = 4) -> str:
    """Return the next formatted number for ``kind`` (a key of PREFIXES, or a literal
    prefix such as ``INV-2026``) in ``org``, whatever organization scope is active."""
    prefix = PREFIXES.get(kind, kind)
    with tenant_scope(org), transaction.atomic():
        Sequence.objects.bulk_create(
            [Sequence(organization_id=org.pk, kind=prefix, last_value=0)],
            ignore_conflicts=True,
        )
        qs = Sequence.objects.filter(organization_id=org.pk, kind=prefix)
        qs.update(last_value=F("last_value") + 1)
        value = qs.values_list("last_value", flat=True).get()
    return f"{prefix}-{value:0{width}d}"


def reference_block(*, org, kind: str, count: int, width: int = 4) -> list[str]:
    """Reserve ``count`` consecutive numbers for ``kind`` in one sequence update (bulk
    imports); same transaction rules as :func:`reference_next`."""
    if count <= 0:
        return []
    prefix = PREFIXES.get(kind, kind)
    with tenant_scope(org), transaction.atomic():
        Sequence.objects.bulk_create(
            [Sequence(organization_id=org.pk, kind=prefix, last_value=0)],
            ignore_conflicts=True,
        )
        qs = Sequence.objects.filter(organization_id=org.pk, kind=prefix)
        qs.update(last_value=F("last_value") + count)
        last = qs.values_list("last_value", flat=True).get()
    return [f"{prefix}-{value:0{width}d}" for value in range(last - count + 1, last + 1)]


def reference_format(kind: str, value: int, width: int = 4) -> str:
    return f"{PREFIXES.get(kind, kind)}-{value:0{width}d}"
