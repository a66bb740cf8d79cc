"""Reads of the money domain: documents, the customer statement, balances and the
receivables report. Every balance here is summed from the ledger, never read from a
stored field."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Min, Prefetch, Q, Sum
from django.db.models.functions import Coalesce

from frontdesk.core.api import decode_cursor, encode_cursor
from frontdesk.core.errors import ValidationFailed
from frontdesk.customers.models import Customer
from frontdesk.money.choices import CUSTOMER_ACCOUNTS, Account
from frontdesk.money.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    JournalLine,
    Payment,
    Quote,
    Service,
)
from frontdesk.scheduling.models import Job


def service_list(*, active: bool | None = None, q: str = ""):
    qs = Service.objects.all()
    if active is not None:
        qs = qs.filter(active=active)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return qs


def invoice_qs():
    return Invoice.objects.select_related("customer", "vehicle", "job").prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.select_related("service"))
    )


def invoice_list(*, status: str | None = None, customer_id=None, vehicle_id=None):
    qs = invoice_qs()
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if vehicle_id:
        qs = qs.filter(vehicle_id=vehicle_id)
    return qs


def quote_qs():
    return Quote.objects.select_related("customer", "vehicle").prefetch_related("lines")


def payment_list(*, customer_id=None, invoice_id=None):
    qs = Payment.objects.select_related("customer", "invoice")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if invoice_id:
        qs = qs.filter(invoice_id=invoice_id)
    return qs


def credit_note_list(*, customer_id=None):
    qs = CreditNote.objects.select_related("customer", "invoice")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


def _net(qs) -> int:
    return qs.aggregate(v=Coalesce(Sum("debit"), 0) - Coalesce(Sum("credit"), 0))["v"]


def invoice_amount_due(invoice: Invoice) -> int:
    """What is still owed on an invoice, from the ledger (0 for drafts and voids)."""
    return _net(JournalLine.objects.filter(invoice_id=invoice.pk, account=Account.RECEIVABLE))


def invoice_amounts_due(invoice_ids) -> dict[Any, int]:
    """``{invoice_id: amount due}`` for many invoices in one query."""
    rows = (
        JournalLine.objects.filter(invoice_id__in=list(invoice_ids), account=Account.RECEIVABLE)
        .values("invoice_id")
        .annotate(v=Sum("debit") - Sum("credit"))
    )
    return {row["invoice_id"]: row["v"] for row in rows}


@dataclass(frozen=True)
class CustomerMoney:
    balance_due: int  # receivable: what the customer owes on invoices
    credit: int  # customer credit available (overpayments, credits on account)
    balance: int  # balance_due − credit: the statement's closing balance
    lifetime_value: int  # net revenue from the customer (ex tax, after credits)


def customer_money(*, customer_id) -> CustomerMoney:
    """The customer's figures, all from the ledger, in one query."""
    rows = (
        JournalLine.objects.filter(customer_id=customer_id)
        .values("account")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    )
    by = {row["account"]: row["d"] - row["c"] for row in rows}
    receivable = by.get(Account.RECEIVABLE, 0)
    credit = -by.get(Account.CUSTOMER_CREDIT, 0)
    return CustomerMoney(
        balance_due=receivable,
        credit=credit,
        balance=receivable - credit,
        lifetime_value=-by.get(Account.REVENUE, 0),
    )


# --- the statement -----------------------------------------------------------------------
@dataclass(frozen=True)
class StatementRow:
    id: Any
    date: dt.date
    reference: str
    document_type: str
    document_id: Any
    description: str
    account: str
    debit: int
    credit: int
    balance: int


def customer_statement(
    *, customer_id, limit: int = 100, cursor: str | None = None
) -> dict[str, Any]:
    """The customer's receivable and credit lines, oldest first, each with the running
    balance (what they owe after it; negative = in credit). Keyset pages by
    (date, created_at, id); the cursor carries the running balance, so a page costs one
    index range scan whatever its depth."""
    qs = JournalLine.objects.filter(customer_id=customer_id, account__in=CUSTOMER_ACCOUNTS)
    balance = 0
    if cursor:
        date_s, created_s, pk_s, balance = decode_cursor(cursor, size=4)
        try:
            date = dt.date.fromisoformat(date_s)
            created = dt.datetime.fromisoformat(created_s)
            pk = JournalLine._meta.pk.to_python(pk_s)
        except (TypeError, ValueError, Exception) as exc:  # noqa: BLE001
            raise ValidationFailed({"cursor": "Not a cursor this list gave out."}) from exc
        if not isinstance(balance, int):
            raise ValidationFailed({"cursor": "Not a cursor this list gave out."})
        qs = qs.filter(
            Q(entry_date__gt=date)
            | Q(entry_date=date, created_at__gt=created)
            | Q(entry_date=date, created_at=created, pk__gt=pk),
            entry_date__gte=date,
        )
    rows = list(
        qs.order_by("entry_date", "created_at", "id").values(
            "id",
            "entry_date",
            "created_at",
            "account",
            "debit",
            "credit",
            "entry__reference",
            "entry__document_type",
            "entry__document_id",
            "entry__description",
        )[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for row in rows:
        balance += row["debit"] - row["credit"]
        items.append(
            StatementRow(
                id=row["id"],
                date=row["entry_date"],
                reference=row["entry__reference"],
                document_type=row["entry__document_type"],
                document_id=row["entry__document_id"],
                description=row["entry__description"],
                account=row["account"],
                debit=row["debit"],
                credit=row["credit"],
                balance=balance,
            )
        )
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(last["entry_date"], last["created_at"], last["id"], balance)
    return {"items": items, "next_cursor": next_cursor}


# --- receivables -------------------------------------------------------------------------
AGING_BUCKETS = ("current", "days_31_60", "days_61_90", "over_90")


def receivables(*, org, today: dt.date, limit: int = 100) -> dict[str, Any]:
    """Who owes what, aged by invoice issue date: 0–30, 31–60, 61–90, 90+ days. One
    set-based query: the receivable lines summed per invoice, then per customer."""
    inner = (
        JournalLine.objects.filter(account=Account.RECEIVABLE, invoice__isnull=False)
        .values("customer_id", "invoice_id")
        .annotate(issued=Min("entry_date"), owed=Sum("debit") - Sum("credit"))
        .order_by()
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    d30, d60, d90 = (today - dt.timedelta(days=n) for n in (30, 60, 90))
    sql = f"""
        SELECT per_invoice.customer_id,
               SUM(CASE WHEN per_invoice.issued >= %s THEN per_invoice.owed ELSE 0 END),
               SUM(CASE WHEN per_invoice.issued < %s AND per_invoice.issued >= %s
                        THEN per_invoice.owed ELSE 0 END),
               SUM(CASE WHEN per_invoice.issued < %s AND per_invoice.issued >= %s
                        THEN per_invoice.owed ELSE 0 END),
               SUM(CASE WHEN per_invoice.issued < %s THEN per_invoice.owed ELSE 0 END),
               SUM(per_invoice.owed),
               COUNT(*)
        FROM ({inner_sql}) per_invoice
        WHERE per_invoice.owed > 0
        GROUP BY per_invoice.customer_id
        ORDER BY SUM(per_invoice.owed) DESC, per_invoice.customer_id
    """  # noqa: S608 - the inner query is the ORM's, every value a parameter
    params = (d30, d30, d60, d60, d90, d90, *inner_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    totals = dict.fromkeys(AGING_BUCKETS, 0) | {"total": 0, "customers": len(rows)}
    items = []
    for customer_id, *amounts, invoices in rows:
        amounts = [int(a) for a in amounts]
        for name, value in zip((*AGING_BUCKETS, "total"), amounts, strict=True):
            totals[name] += value
        if len(items) < limit:
            items.append(
                {
                    "customer_id": customer_id,
                    **dict(zip((*AGING_BUCKETS, "total"), amounts, strict=True)),
                    "open_invoices": invoices,
                }
            )
    for item in items:
        item["customer_id"] = uuid.UUID(str(item["customer_id"]))
    customers = Customer.objects.in_bulk([item["customer_id"] for item in items])
    for item in items:
        item["customer"] = customers.get(item["customer_id"])
    return {"items": items, "totals": totals, "as_of": today}


# --- purchase history --------------------------------------------------------------------
def purchase_history(*, customer_id, limit: int = 200) -> list[dict[str, Any]]:
    """Every invoice and every job not invoiced yet, newest first: the vehicle, the
    services on it, its status and total."""
    invoices = list(
        Invoice.objects.filter(customer_id=customer_id)
        .select_related("vehicle", "job")
        .prefetch_related("lines")
        .order_by("-created_at")[:limit]
    )
    invoiced_jobs = {i.job_id for i in invoices if i.job_id and i.status != "void"}
    jobs = list(
        Job.objects.filter(customer_id=customer_id)
        .exclude(pk__in=invoiced_jobs)
        .select_related("vehicle")
        .prefetch_related("lines")
        .order_by("-created_at")[:limit]
    )
    due = invoice_amounts_due(i.pk for i in invoices)
    items = [
        {
            "kind": "invoice",
            "id": i.pk,
            "number": i.number or "Draft",
            "date": i.issued_on or i.invoice_date,
            "created_at": i.created_at,
            "status": i.status,
            "vehicle": str(i.vehicle) if i.vehicle else "",
            "job_number": i.job.number if i.job else "",
            "services": [line.description for line in i.lines.all()],
            "total": i.total,
            "amount_due": due.get(i.pk, 0),
        }
        for i in invoices
    ] + [
        {
            "kind": "job",
            "id": j.pk,
            "number": j.number,
            "date": j.created_at.date(),
            "created_at": j.created_at,
            "status": j.status,
            "vehicle": str(j.vehicle) if j.vehicle else "",
            "job_number": j.number,
            "services": [line.description for line in j.lines.all()],
            "total": j.total,
            "amount_due": 0,
        }
        for j in jobs
    ]
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return items[:limit]
