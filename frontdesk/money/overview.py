"""What money adds to other domains' pages: customer 360 sections (balance due and
lifetime value from the ledger, recent invoices, purchase history), the vehicle history
section (its invoices) and the merge relations (documents and ledger lines move to the
survivor; no amount changes, so every total is the same after the merge). Registered
from ``MoneyConfig.ready()``.

The 360's sections read plain rows with queries compiled once (``core.prepared``): the
balance one query; the recent invoices and the purchase history share one for the
newest invoices (what is due on each is a subquery), then the history reads their lines,
the jobs and their lines (a job's total is the sum of its lines'). Each answers exactly
what ``selectors.customer_money`` / ``selectors.purchase_history`` answer (tests)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from frontdesk.core.prepared import Prepared
from frontdesk.customers import history, merge, overview
from frontdesk.customers.models import Customer, Vehicle
from frontdesk.money import permissions as perm
from frontdesk.money import selectors
from frontdesk.money.choices import Account
from frontdesk.money.models import CreditNote, Invoice, InvoiceLine, JournalLine, Payment, Quote
from frontdesk.scheduling.models import Job, JobLine
from frontdesk.scheduling.selectors import job_totals

RECENT = 5
HISTORY = 50
PURCHASES = 10


def _invoice_row(invoice: Invoice, due: dict) -> dict[str, Any]:
    return {
        "id": invoice.pk,
        "number": invoice.number or "Draft",
        "status": invoice.status,
        "issued_on": invoice.issued_on,
        "total": invoice.total,
        "amount_due": due.get(invoice.pk, 0),
        "vehicle_id": invoice.vehicle_id,
    }


def _amount_due():
    """What is still owed on the outer invoice (``selectors.invoice_amounts_due``)."""
    owed = (
        JournalLine.objects.filter(invoice_id=OuterRef("pk"), account=Account.RECEIVABLE)
        .order_by()
        .values("invoice_id")
        .annotate(v=Sum("debit") - Sum("credit"))
        .values("v")
    )
    return Coalesce(Subquery(owed), 0)


_money_rows = Prepared(
    lambda p: (
        JournalLine.objects.filter(customer_id=p.customer, account__in=selectors.MONEY_ACCOUNTS)
        .values("account")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    ),
    customer="id",
)


def customer_balance(customer: Customer) -> dict[str, Any]:
    by = {row["account"]: row["d"] - row["c"] for row in _money_rows(customer=customer.pk)}
    receivable = by.get(Account.RECEIVABLE, 0)
    credit = -by.get(Account.CUSTOMER_CREDIT, 0)
    return {
        "balance_due": receivable,
        "credit": credit,
        "balance": receivable - credit,
        "lifetime_value": -by.get(Account.REVENUE, 0),
        "currency": customer.organization.currency,
    }


def customer_recent_invoices(customer: Customer) -> list[dict[str, Any]]:
    """The newest five of the purchase history's invoices (one query for both)."""
    return [
        {
            "id": row["id"],
            "number": row["number"] or "Draft",
            "status": row["status"],
            "issued_on": row["issued_on"],
            "total": row["total"],
            "amount_due": row["amount_due"],
            "vehicle_id": row["vehicle_id"],
        }
        for row in _invoices(customer)[:RECENT]
    ]


# --- purchase history: selectors.purchase_history(limit=10) in four compiled queries ------
VEHICLE_COLUMNS = ("vehicle_id", "vehicle__year", "vehicle__make", "vehicle__model")
VEHICLE_COLUMNS += ("vehicle__vin", "vehicle__plate")


def _newest_invoices(customer):
    return Invoice.objects.filter(customer_id=customer).order_by("-created_at", "-id")


def _newest_jobs(customer):
    # twice the limit: up to ``PURCHASES`` of them may be left out as invoiced
    return Job.objects.filter(customer_id=customer).order_by("-created_at", "-id")


_purchase_invoices = Prepared(
    lambda p: _newest_invoices(p.customer).values(
        "id",
        "number",
        "issued_on",
        "invoice_date",
        "created_at",
        "status",
        "total",
        "job_id",
        "job__number",
        *VEHICLE_COLUMNS,
        amount_due=_amount_due(),
    )[:PURCHASES],
    customer="id",
)
_purchase_invoice_lines = Prepared(
    lambda p: (
        InvoiceLine.objects.filter(
            invoice_id__in=Subquery(_newest_invoices(p.customer).values("id")[:PURCHASES])
        )
        .order_by("invoice_id", "position", "id")
        .values("invoice_id", "description")
    ),
    customer="id",
)
_purchase_jobs = Prepared(
    lambda p: _newest_jobs(p.customer).values(
        "id", "number", "created_at", "status", *VEHICLE_COLUMNS
    )[: 2 * PURCHASES],
    customer="id",
)
_purchase_job_lines = Prepared(
    lambda p: (
        JobLine.objects.filter(
            job_id__in=Subquery(_newest_jobs(p.customer).values("id")[: 2 * PURCHASES])
        )
        .order_by("job_id", "position", "created_at", "id")
        .values("job_id", "description", "quantity", "unit_price")
    ),
    customer="id",
)


def _vehicle_label(row: dict[str, Any]) -> str:
    if row["vehicle_id"] is None:
        return ""
    return Vehicle.label(
        row["vehicle__year"],
        row["vehicle__make"],
        row["vehicle__model"],
        row["vehicle__vin"],
        row["vehicle__plate"],
    )


def _descriptions(rows: list[dict[str, Any]], key: str) -> dict[Any, list[str]]:
    out: dict[Any, list[str]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row["description"])
    return out


def _invoices(customer: Customer) -> list[dict[str, Any]]:
    return overview.shared(
        customer, "money.invoices", lambda: _purchase_invoices(customer=customer.pk)
    )


def customer_purchase_history(customer: Customer) -> list[dict[str, Any]]:
    """``selectors.purchase_history(customer_id=…, limit=10)`` from plain rows."""
    invoices = _invoices(customer)
    invoiced_jobs = {i["job_id"] for i in invoices if i["job_id"] and i["status"] != "void"}
    jobs = [j for j in _purchase_jobs(customer=customer.pk) if j["id"] not in invoiced_jobs]
    jobs = jobs[:PURCHASES]
    invoice_lines = (
        _descriptions(_purchase_invoice_lines(customer=customer.pk), "invoice_id")
        if invoices
        else {}
    )
    lines = _purchase_job_lines(customer=customer.pk) if jobs else []
    job_lines, job_total = _descriptions(lines, "job_id"), job_totals(lines)
    items = [
        {
            "kind": "invoice",
            "id": i["id"],
            "number": i["number"] or "Draft",
            "date": i["issued_on"] or i["invoice_date"],
            "created_at": i["created_at"],
            "status": i["status"],
            "vehicle": _vehicle_label(i),
            "job_number": i["job__number"] if i["job_id"] else "",
            "services": invoice_lines.get(i["id"], []),
            "total": i["total"],
            "amount_due": i["amount_due"],
        }
        for i in invoices
    ] + [
        {
            "kind": "job",
            "id": j["id"],
            "number": j["number"],
            "date": j["created_at"].date(),
            "created_at": j["created_at"],
            "status": j["status"],
            "vehicle": _vehicle_label(j),
            "job_number": j["number"],
            "services": job_lines.get(j["id"], []),
            "total": job_total.get(j["id"], 0),
            "amount_due": 0,
        }
        for j in jobs
    ]
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return items[:PURCHASES]


def vehicle_invoices(vehicle: Vehicle) -> list[dict[str, Any]]:
    invoices = list(Invoice.objects.filter(vehicle=vehicle).order_by("-created_at")[:HISTORY])
    due = selectors.invoice_amounts_due(i.pk for i in invoices)
    return [_invoice_row(i, due) for i in invoices]


def _move_journal_lines(survivor: Customer, duplicate: Customer) -> int:
    return JournalLine.objects.reassign_customer(
        from_customer_id=duplicate.pk, to_customer_id=survivor.pk
    )


def register() -> None:
    overview.register_section("balance", customer_balance, permission=perm.VIEW)
    overview.register_section("recent_invoices", customer_recent_invoices, permission=perm.VIEW)
    overview.register_section("purchase_history", customer_purchase_history, permission=perm.VIEW)
    history.register_section("invoices", vehicle_invoices, permission=perm.VIEW)
    merge.register_relation(Invoice, "customer", name="invoices")
    merge.register_relation(Quote, "customer", name="quotes")
    merge.register_relation(Payment, "customer", name="payments")
    merge.register_relation(CreditNote, "customer", name="credit_notes")
    merge.register_relation(JournalLine, "customer", name="ledger_lines", mover=_move_journal_lines)
