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
from django.utils import timezone

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


def quote_list(*, status: str | None = None, customer_id=None):
    qs = quote_qs()
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


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


# the accounts ``customer_money`` reads (the customer's cash and tax lines are not needed)
MONEY_ACCOUNTS = (*CUSTOMER_ACCOUNTS, Account.REVENUE)


def customer_money(*, customer_id) -> CustomerMoney:
    """The customer's figures, all from the ledger, in one query (an index-only scan of
    ``journalline_customer_idx`` on PostgreSQL: it carries debit and credit)."""
    rows = (
        JournalLine.objects.filter(customer_id=customer_id, account__in=MONEY_ACCOUNTS)
        .values("account")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
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


STATEMENT_FIELDS = (
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
)


def _statement_key(row: dict[str, Any]) -> tuple:
    return (row["entry_date"], row["created_at"], row["id"])


def _after(date: dt.date, created: dt.datetime, pk) -> Q:
    """Lines after the position (date, created_at, id), bounded on the date so the index
    range starts at ``date``."""
    return Q(entry_date__gte=date) & (
        Q(entry_date__gt=date)
        | Q(entry_date=date, created_at__gt=created)
        | Q(entry_date=date, created_at=created, pk__gt=pk)
    )


def _through(date: dt.date, created: dt.datetime, pk) -> Q:
    """Lines up to the position (date, created_at, id), the line there included: the
    cursor names the last line of the page before."""
    return Q(entry_date__lte=date) & (
        Q(entry_date__lt=date)
        | Q(entry_date=date, created_at__lt=created)
        | Q(entry_date=date, created_at=created, pk__lte=pk)
    )


def _statement_position(cursor: str) -> tuple[dt.date, dt.datetime, Any]:
    # three parts; a four-part cursor (which carried the running balance, before it was
    # summed from the ledger) is still understood and its balance ignored
    try:
        parts = decode_cursor(cursor, size=3)
    except ValidationFailed:
        parts = decode_cursor(cursor, size=4)[:3]
    date_s, created_s, pk_s = parts
    try:
        date = dt.date.fromisoformat(date_s)
        created = dt.datetime.fromisoformat(created_s)
        pk = JournalLine._meta.pk.to_python(pk_s)
    except (TypeError, ValueError, Exception) as exc:  # noqa: BLE001
        raise ValidationFailed({"cursor": "Not a cursor this list gave out."}) from exc
    if timezone.is_naive(created):
        raise ValidationFailed({"cursor": "Not a cursor this list gave out."})
    return date, created, pk


def customer_statement(
    *, customer_id, limit: int = 100, cursor: str | None = None
) -> dict[str, Any]:
    """The customer's receivable and credit lines, oldest first, each with the running
    balance (what they owe after it; negative = in credit), and the customer's figures
    (``money``: the closing balance, balance due, credit, lifetime value). Keyset pages
    by (date, created_at, id): a page is one index range scan of the partial index
    ``journalline_statement_idx`` (those two accounts only, in statement order), and the
    opening balance of a later page is one SUM over the lines up to the cursor (an
    index-only scan of ``journalline_customer_idx`` on PostgreSQL). The balance is
    always the ledger's, never the client's."""
    qs = JournalLine.objects.filter(customer_id=customer_id, account__in=CUSTOMER_ACCOUNTS)
    balance = 0
    if cursor:
        position = _statement_position(cursor)
        opening = (
            qs.filter(_through(*position)).order_by().aggregate(d=Sum("debit"), c=Sum("credit"))
        )
        balance = (opening["d"] or 0) - (opening["c"] or 0)
        qs = qs.filter(_after(*position))
    rows = list(
        qs.order_by("entry_date", "created_at", "id").values(*STATEMENT_FIELDS)[: limit + 1]
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
        next_cursor = encode_cursor(*_statement_key(rows[-1]))
    money = customer_money(customer_id=customer_id)
    return {"items": items, "next_cursor": next_cursor, "money": money}


# --- receivables -------------------------------------------------------------------------
AGING_BUCKETS = ("current", "days_31_60", "days_61_90", "over_90")


def receivables(*, org, today: dt.date, limit: int = 100) -> dict[str, Any]:
    """Who owes what, aged by invoice issue date: 0–30, 31–60, 61–90, 90+ days. One
    set-based query over the organization's receivable lines (an index-only scan of
    ``journalline_receivable_idx`` on PostgreSQL, in (customer, invoice) order): summed
    per invoice, then per customer; the totals over every customer owing are window
    sums in the same query, so only the ``limit`` largest rows leave the database."""
    inner = (
        JournalLine.objects.filter(account=Account.RECEIVABLE, invoice__isnull=False)
        .values("customer_id", "invoice_id")
        .annotate(issued=Min("entry_date"), owed=Sum("debit") - Sum("credit"))
        .order_by()
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    d30, d60, d90 = (today - dt.timedelta(days=n) for n in (30, 60, 90))
    sql = f"""
        SELECT per_customer.*,
               SUM(per_customer.aged_0_30) OVER (),
               SUM(per_customer.aged_31_60) OVER (),
               SUM(per_customer.aged_61_90) OVER (),
               SUM(per_customer.aged_90_plus) OVER (),
               SUM(per_customer.total) OVER (),
               COUNT(*) OVER ()
        FROM (
            SELECT per_invoice.customer_id,
                   SUM(CASE WHEN per_invoice.issued >= %s THEN per_invoice.owed ELSE 0 END)
                       AS aged_0_30,
                   SUM(CASE WHEN per_invoice.issued < %s AND per_invoice.issued >= %s
                            THEN per_invoice.owed ELSE 0 END) AS aged_31_60,
                   SUM(CASE WHEN per_invoice.issued < %s AND per_invoice.issued >= %s
                            THEN per_invoice.owed ELSE 0 END) AS aged_61_90,
                   SUM(CASE WHEN per_invoice.issued < %s THEN per_invoice.owed ELSE 0 END)
                       AS aged_90_plus,
                   SUM(per_invoice.owed) AS total,
                   COUNT(*) AS open_invoices
            FROM ({inner_sql}) per_invoice
            WHERE per_invoice.owed > 0
            GROUP BY per_invoice.customer_id
        ) per_customer
        ORDER BY per_customer.total DESC, per_customer.customer_id
        LIMIT %s
    """  # noqa: S608 - the inner query is the ORM's, every value a parameter
    params = (d30, d30, d60, d60, d90, d90, *inner_params, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = (*AGING_BUCKETS, "total")
    totals = dict.fromkeys(AGING_BUCKETS, 0) | {"total": 0, "customers": 0}
    if rows:
        *sums, count = rows[0][7:]
        totals = dict(zip(names, map(int, sums), strict=True)) | {"customers": count}
    items = [
        {
            "customer_id": uuid.UUID(str(customer_id)),
            **dict(zip(names, map(int, amounts), strict=True)),
            "open_invoices": invoices,
        }
        for customer_id, *amounts, invoices in (row[:7] for row in rows)
    ]
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
