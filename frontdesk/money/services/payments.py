"""Payments: Dr cash (cash, check) or clearing (card, transfer, other), Cr receivable for
what is applied to invoices, Cr customer credit for the rest (an overpayment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import ValidationFailed
from frontdesk.core.lookups import get_referenced
from frontdesk.core.refnums import reference_next
from frontdesk.customers.models import Customer
from frontdesk.events.services import event_emit
from frontdesk.money import events
from frontdesk.money.choices import (
    OPEN_INVOICE_STATUSES,
    Account,
    DocumentType,
    PaymentMethod,
)
from frontdesk.money.models import Invoice, Payment
from frontdesk.money.services.catalog import check_currency, money_amount, text
from frontdesk.money.services.invoices import (
    customer_ref,
    invoice_settle,
    open_invoice_locked,
)
from frontdesk.money.services.ledger import Posting, invoices_outstanding, journal_post, lock_rows
from frontdesk.scheduling.times import local_today

# clocks differ a little between the till and the server
FUTURE_TOLERANCE = dt.timedelta(minutes=5)

CASH_METHODS = (PaymentMethod.CASH, PaymentMethod.CHECK)


def cash_account(method: str) -> str:
    return Account.CASH if method in CASH_METHODS else Account.CLEARING


def payment_create(
    *,
    org,
    actor: Actor,
    customer_id=None,
    invoice_id=None,
    amount: Any,
    method: Any,
    reference: str = "",
    received_at: dt.datetime | None = None,
    currency: str | None = None,
) -> Payment:
    """Record money received. With an invoice it applies to that invoice (409 if void or
    a draft); without one, to the customer's open invoices, oldest first. What exceeds
    what is owed becomes customer credit."""
    amount = money_amount(amount, "amount", positive=True)
    check_currency(org, currency)
    if method not in PaymentMethod.values:
        raise ValidationFailed({"method": f"One of: {', '.join(PaymentMethod.values)}."})
    reference = text(reference, "reference", 100)
    invoice = None
    if invoice_id:
        invoice = get_referenced(
            Invoice.objects.select_related("customer"), invoice_id, field="invoice_id", status=404
        )
        if customer_id and str(customer_id) != str(invoice.customer_id):
            raise ValidationFailed({"invoice_id": "This invoice is another customer's."})
        customer = invoice.customer
    elif customer_id:
        customer = customer_ref(customer_id)
    else:
        raise ValidationFailed({"customer_id": "Choose a customer or an invoice."})
    received_at = received_at or timezone.now()
    if timezone.is_naive(received_at):
        raise ValidationFailed({"received_at": "A time with its offset."})
    if received_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationFailed({"received_at": "A payment cannot be received in the future."})
    with transaction.atomic():
        lock_rows(Customer.objects.filter(pk=customer.pk)).get()
        if invoice is not None:
            targets = [open_invoice_locked(invoice)]
        else:
            targets = list(
                lock_rows(
                    Invoice.objects.filter(customer=customer, status__in=OPEN_INVOICE_STATUSES)
                ).order_by("issued_on", "created_at", "id")
            )
        remaining = amount
        postings = [Posting(cash_account(method), debit=amount, customer_id=customer.pk)]
        touched = []  # (invoice, what it owes after this payment)
        owing = invoices_outstanding(target.pk for target in targets)
        for target in targets:
            if remaining <= 0:
                break
            owed = owing[target.pk]
            if owed <= 0:
                continue
            part = min(owed, remaining)
            postings.append(
                Posting(
                    Account.RECEIVABLE,
                    credit=part,
                    customer_id=customer.pk,
                    invoice_id=target.pk,
                )
            )
            remaining -= part
            touched.append((target, owed - part))
        if remaining:
            postings.append(
                Posting(Account.CUSTOMER_CREDIT, credit=remaining, customer_id=customer.pk)
            )
        # the number last: every payment of the organization waits on its sequence row
        # from here until the request commits
        number = reference_next(org=org, kind="payment")
        payment = Payment(
            organization_id=org.pk,
            number=number,
            customer=customer,
            invoice=invoice,
            amount=amount,
            applied=amount - remaining,
            method=method,
            reference=reference,
            received_at=received_at,
        )
        payment.save(force_insert=True)
        journal_post(
            org=org,
            entry_date=local_today(org, received_at),
            document_type=DocumentType.PAYMENT,
            document_id=payment.pk,
            reference=number,
            description=f"Payment {number} ({payment.get_method_display().lower()})"
            + (f" for {invoice.number}" if invoice else ""),
            postings=postings,
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=payment,
            changes={
                "customer_id": (None, customer.pk),
                "invoice_id": (None, invoice and invoice.pk),
                "amount": (None, amount),
                "applied": (None, payment.applied),
                "method": (None, method),
            },
        )
        event_emit(
            org=org,
            type=events.PAYMENT_RECEIVED,
            actor=actor,
            payload={
                "id": payment.pk,
                "number": number,
                "customer_id": customer.pk,
                "invoice_id": invoice and invoice.pk,
                "amount": amount,
                "applied": payment.applied,
                "method": method,
                "received_at": received_at,
            },
        )
        for target, outstanding in touched:
            invoice_settle(org=org, actor=actor, invoice=target, outstanding=outstanding)
    return payment
