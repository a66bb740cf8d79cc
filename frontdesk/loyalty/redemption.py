"""Redeeming points against an invoice: the points become a ``loyalty_redemption``
credit note on that invoice (issued by money's ``credit_note_create``, which posts it to
the ledger), and a ``redeem`` entry pointing at both — in one transaction, under the
customer's lock, never below zero."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.core.lookups import get_referenced
from frontdesk.customers.models import Customer
from frontdesk.customers.services.customers import lock_customer
from frontdesk.loyalty.models import PointsEntry
from frontdesk.loyalty.program import LoyaltySettings
from frontdesk.loyalty.services import _check_points, _debit, _writable
from frontdesk.money.choices import OPEN_INVOICE_STATUSES, CreditNoteKind
from frontdesk.money.models import Invoice
from frontdesk.money.services import credit_note_create
from frontdesk.money.services.ledger import invoice_outstanding
from frontdesk.organizations.models import Organization


def points_redeem_invoice(
    *,
    org: Organization,
    actor: Actor,
    customer: Customer,
    invoice_id: Any,
    points: int,
    note: str = "",
) -> PointsEntry:
    """Spend ``points`` as a discount of ``points × point_value`` on an open invoice of
    this customer. 409 if the balance is short or the invoice is not open; 422 if the
    discount would exceed what is still owed on it."""
    _check_points(points)
    invoice = get_referenced(
        Invoice.objects.filter(customer=customer), invoice_id, field="invoice_id"
    )
    amount = points * LoyaltySettings.of(org).point_value
    with transaction.atomic():
        customer = lock_customer(customer)
        _writable(customer)
        invoice = Invoice.objects.get(pk=invoice.pk)
        if invoice.status not in OPEN_INVOICE_STATUSES:
            raise InvalidState(
                f"Invoice {invoice.number or invoice.pk} is {invoice.status}; points apply to "
                "issued, unpaid invoices.",
                field="invoice_id",
            )
        outstanding = invoice_outstanding(invoice.pk)
        if amount > outstanding:
            raise ValidationFailed(
                {"points": f"{points} points are worth {amount}; {outstanding} is owed."}
            )
        reason = f"{points} loyalty points" + (f" — {note.strip()}" if note.strip() else "")
        credit = credit_note_create(
            org=org,
            actor=actor,
            customer=customer,
            amount=amount,
            kind=CreditNoteKind.LOYALTY_REDEMPTION,
            reason=reason,
            invoice=invoice,
        )
        return _debit(
            org=org,
            actor=actor,
            customer=customer,
            points=points,
            reason=f"Invoice {invoice.number}: {reason}",
            invoice_id=invoice.pk,
            credit_note_id=credit.pk,
        )
