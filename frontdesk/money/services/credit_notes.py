"""Credit notes: against an invoice or on account; refunds.

Postings (one balanced entry each):

* against an invoice (``adjustment``, ``loyalty_redemption``, …): Dr revenue and Dr tax
  (the amount split in the invoice's tax proportion), Cr receivable on that invoice; at
  most what is still owed on it.
* on account: Dr revenue, Cr customer credit.
* ``refund`` against an invoice (money paid back for a sale): Dr revenue and Dr tax,
  Cr cash; at most what was paid on it less earlier refunds.
* ``refund`` on account (customer credit paid out): Dr customer credit, Cr cash; at most
  the credit available.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.core.refnums import reference_next
from frontdesk.customers.models import Customer
from frontdesk.events.services import event_emit
from frontdesk.money import events
from frontdesk.money.choices import Account, CreditNoteKind, DocumentType, InvoiceStatus
from frontdesk.money.models import CreditNote, Invoice, Payment
from frontdesk.money.pricing import round_minor
from frontdesk.money.services.catalog import money_amount, text
from frontdesk.money.services.invoices import invoice_settle, org_today
from frontdesk.money.services.ledger import (
    Posting,
    customer_credit_available,
    invoice_outstanding,
    journal_post,
    lock_rows,
)


def _split_tax(amount: int, invoice: Invoice) -> tuple[int, int]:
    """(revenue part, tax part) of ``amount`` in the invoice's tax proportion."""
    if not invoice.total or not invoice.tax:
        return amount, 0
    tax = round_minor(Decimal(amount) * invoice.tax / invoice.total)
    return amount - tax, tax


def credit_note_create(
    *,
    org,
    actor: Actor,
    customer,
    amount: Any,
    kind: str,
    reason: str,
    invoice=None,
) -> CreditNote:
    """Issue a credit note of ``amount`` (minor units) to ``customer``, against
    ``invoice`` or on account, and post it to the ledger (see the module docstring).
    422 for a bad amount or one above what may be credited; 409 for a draft or void
    invoice."""
    amount = money_amount(amount, "amount", positive=True)
    if kind not in CreditNoteKind.values:
        raise ValidationFailed({"kind": f"One of: {', '.join(CreditNoteKind.values)}."})
    reason = text(reason, "reason", 300, required=True)
    if invoice is not None and invoice.customer_id != customer.pk:
        raise ValidationFailed({"invoice_id": "This invoice is another customer's."})
    with transaction.atomic():
        lock_rows(Customer.objects.filter(pk=customer.pk)).get()
        postings: list[Posting] = []
        c = customer.pk
        if invoice is not None:
            invoice = lock_rows(Invoice.objects.filter(pk=invoice.pk)).get()
            if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
                raise InvalidState(
                    f"{invoice} is {invoice.get_status_display().lower()}: it cannot be credited.",
                    current_status=invoice.status,
                )
            revenue, tax = _split_tax(amount, invoice)
            postings += [
                Posting(Account.REVENUE, debit=revenue, customer_id=c),
                Posting(Account.TAX, debit=tax, customer_id=c),
            ]
            if kind == CreditNoteKind.REFUND:
                paid = Payment.objects.filter(invoice=invoice).aggregate(s=Sum("applied"))["s"]
                refunded = CreditNote.objects.filter(
                    invoice=invoice, kind=CreditNoteKind.REFUND
                ).aggregate(s=Sum("amount"))["s"]
                limit = (paid or 0) - (refunded or 0)
                if amount > limit:
                    raise ValidationFailed({"amount": f"At most {limit} was paid on {invoice}."})
                postings.append(Posting(Account.CASH, credit=amount, customer_id=c))
            else:
                owed = invoice_outstanding(invoice.pk)
                if amount > owed:
                    raise ValidationFailed({"amount": f"At most {owed} is owed on {invoice}."})
                postings.append(
                    Posting(Account.RECEIVABLE, credit=amount, customer_id=c, invoice_id=invoice.pk)
                )
        elif kind == CreditNoteKind.REFUND:
            available = customer_credit_available(c)
            if amount > available:
                raise ValidationFailed({"amount": f"At most {available} of credit to refund."})
            postings += [
                Posting(Account.CUSTOMER_CREDIT, debit=amount, customer_id=c),
                Posting(Account.CASH, credit=amount, customer_id=c),
            ]
        else:
            postings += [
                Posting(Account.REVENUE, debit=amount, customer_id=c),
                Posting(Account.CUSTOMER_CREDIT, credit=amount, customer_id=c),
            ]
        number = reference_next(org=org, kind="credit_note")
        note = CreditNote(
            organization_id=org.pk,
            number=number,
            customer_id=c,
            invoice=invoice,
            amount=amount,
            kind=kind,
            reason=reason,
            issued_on=org_today(org),
        )
        note.save(force_insert=True)
        journal_post(
            org=org,
            entry_date=note.issued_on,
            document_type=DocumentType.CREDIT_NOTE,
            document_id=note.pk,
            reference=number,
            description=f"{note.get_kind_display()} {number}"
            + (f" on {invoice.number}" if invoice else " on account")
            + f": {reason}",
            postings=postings,
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=note,
            changes={
                "customer_id": (None, c),
                "invoice_id": (None, invoice and invoice.pk),
                "amount": (None, amount),
                "kind": (None, kind),
                "reason": (None, reason),
            },
        )
        event_emit(
            org=org,
            type=events.CREDIT_NOTE_ISSUED,
            actor=actor,
            payload={
                "id": note.pk,
                "number": number,
                "customer_id": c,
                "invoice_id": invoice and invoice.pk,
                "amount": amount,
                "kind": kind,
            },
        )
        if invoice is not None and kind != CreditNoteKind.REFUND:
            invoice_settle(org=org, actor=actor, invoice=invoice)
    return note
