"""Exporting customers (CSV and JSON lines), the list's filters applied.

Cells a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) are prefixed with ``'`` (OWASP "CSV injection"). The export is
audited as a personal-data export before the first byte is sent, with the filters and the
row count; rows are streamed in keyset-ordered chunks, never loaded all at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.api import keyset_q
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer, CustomerAddress, CustomerTag
from frontdesk.customers.search import search_customer_ids
from frontdesk.organizations.models import Organization

COLUMNS = [
    "number",
    "first_name",
    "last_name",
    "display_name",
    "type",
    "company",
    "phone",
    "email",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "tags",
    "source",
    "lifecycle_stage",
    "status",
    "created_at",
    "updated_at",
]
CHUNK = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> str:
    """A cell a spreadsheet will show as text, never evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _ids(qs: QuerySet[Customer], q: str | None) -> Iterator[list]:
    """Chunks of customer ids in list order (name, id) or, with ``q``, match order."""
    if q and q.strip():
        cursor = None
        while True:
            ids, cursor = search_customer_ids(qs, q=q, limit=200, cursor=cursor)
            if ids:
                yield ids
            if not cursor:
                return
    after = None
    base = qs.order_by("name_key", "id").values_list("name_key", "id")
    while True:
        page = base
        if after is not None:
            page = page.filter(keyset_q("name_key", after[0], after[1]))
        rows = list(page[:CHUNK])
        if not rows:
            return
        yield [pk for _, pk in rows]
        after = rows[-1]


def export_rows(qs: QuerySet[Customer], q: str | None = None) -> Iterator[dict[str, Any]]:
    for ids in _ids(qs, q):
        customers = {c.pk: c for c in Customer.objects.filter(pk__in=ids).select_related("company")}
        tags: dict = defaultdict(list)
        for cid, tag in (
            CustomerTag.objects.filter(customer_id__in=ids)
            .order_by("tag")
            .values_list("customer_id", "tag")
        ):
            tags[cid].append(tag)
        addresses: dict = {}
        for a in CustomerAddress.objects.filter(customer_id__in=ids).order_by(
            "-primary", "position"
        ):
            addresses.setdefault(a.customer_id, a)
        for pk in ids:
            c = customers.get(pk)
            if c is None:
                continue
            a = addresses.get(pk)
            yield {
                "number": c.number,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "display_name": c.display_name,
                "type": c.type,
                "company": c.company.name if c.company_id else "",
                "phone": c.primary_phone,
                "email": c.primary_email,
                "street": a.street if a else "",
                "city": a.city if a else "",
                "state": a.state if a else "",
                "postal_code": a.postal_code if a else "",
                "country": a.country if a else "",
                "tags": ";".join(tags[pk]),
                "source": c.source,
                "lifecycle_stage": c.lifecycle_stage,
                "status": c.status,
                "created_at": c.created_at.isoformat(),
                "updated_at": c.updated_at.isoformat(),
            }


def _count(qs: QuerySet[Customer], q: str | None) -> int:
    if q and q.strip():
        return sum(len(ids) for ids in _ids(qs, q))
    return qs.count()


def customer_export(
    *,
    org: Organization,
    actor: Actor,
    qs: QuerySet[Customer],
    filters: dict[str, Any],
    q: str | None = None,
    fmt: str = "csv",
) -> Iterator[str]:
    """Audit the export now (rule 9), then return the lines to stream. The generator
    re-enters the organization's scope: it runs after the view has returned."""
    rows = _count(qs, q)
    audit_record(
        org=org,
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="customers.customer",
        metadata={"format": fmt, "filters": {**filters, "q": q}, "rows": rows},
    )

    def lines() -> Iterator[str]:
        with tenant_scope(org):
            if fmt == "json":
                yield "["
                first = True
                for row in export_rows(qs, q):
                    yield ("" if first else ",") + "\n" + json.dumps(row, ensure_ascii=False)
                    first = False
                yield "\n]\n"
                return
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(COLUMNS)
            for n, row in enumerate(export_rows(qs, q), start=1):
                writer.writerow([neutralize(row[c]) for c in COLUMNS])
                if n % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

    return lines()
