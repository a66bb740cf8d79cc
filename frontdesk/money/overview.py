"""What money adds to other domains' pages: customer 360 sections (balance due and
lifetime value from the ledger, recent invoices, purchase history), the vehicle history
section (its invoices) and the merge relations (documents and ledger lines move to the
survivor; no amount changes, so every total is the same after the merge). Registered
from ``MoneyConfig.ready()``."""

from __future__ import annotations

from typing import Any

from frontdesk.customers import history, merge, overview
from frontdesk.customers.models import Customer, Vehicle
from frontdesk.money import permissions as perm
from frontdesk.money import selectors
from frontdesk.money.models import CreditNote, Invoice, JournalLine, Payment, Quote

RECENT = 5
HISTORY = 50


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


def customer_balance(customer: Customer) -> dict[str, Any]:
    money = selectors.customer_money(customer_id=customer.pk)
    return {
        "balance_due": money.balance_due,
        "credit": money.credit,
        "balance": money.balance,
        "lifetime_value": money.lifetime_value,
        "currency": customer.organization.currency,
    }


def customer_recent_invoices(customer: Customer) -> list[dict[str, Any]]:
    invoices = list(Invoice.objects.filter(customer=customer).order_by("-created_at")[:RECENT])
    due = selectors.invoice_amounts_due(i.pk for i in invoices)
    return [_invoice_row(i, due) for i in invoices]


def customer_purchase_history(customer: Customer) -> list[dict[str, Any]]:
    return selectors.purchase_history(customer_id=customer.pk, limit=10)


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
