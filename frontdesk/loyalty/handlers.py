"""Event handlers of loyalty (registered by importing this module in
``LoyaltyConfig.ready()``): points earned when an invoice is paid, reversed when a credit
note or refund is issued against it. Both are idempotent by invoice / credit note (unique
constraints), so a redelivered event changes nothing."""

from __future__ import annotations

from django.db.models import Sum
from django.db.models.functions import Coalesce

from frontdesk.customers.models import Customer
from frontdesk.events.registry import on_event
from frontdesk.loyalty import services
from frontdesk.money import events as money_events
from frontdesk.money.choices import CreditNoteKind
from frontdesk.money.models import CreditNote, Invoice
from frontdesk.organizations.models import Organization


def _org(event) -> Organization:
    return Organization.objects.get(pk=event.organization_id)


def earning_base(invoice: Invoice) -> int:
    """What an invoice earns points on: its total less what was paid with points
    (points do not earn points)."""
    paid_with_points = CreditNote.objects.filter(
        invoice=invoice, kind=CreditNoteKind.LOYALTY_REDEMPTION
    ).aggregate(total=Coalesce(Sum("amount"), 0))["total"]
    return max(invoice.total - paid_with_points, 0)


@on_event(money_events.INVOICE_PAID)
def invoice_paid_earn_points(event) -> None:
    invoice = Invoice.objects.filter(pk=event.payload.get("id")).first()
    if invoice is None:
        return
    org = _org(event)
    customer = Customer.objects.get(pk=invoice.customer_id)
    services.points_earn_for_invoice(
        org=org,
        customer=customer,
        invoice_id=invoice.pk,
        amount=earning_base(invoice),
        currency=org.currency,
        reference=invoice.number,
    )


@on_event(money_events.CREDIT_NOTE_ISSUED)
def credit_note_reverse_points(event) -> None:
    note = CreditNote.objects.select_related("invoice").filter(pk=event.payload.get("id")).first()
    if note is None or note.invoice is None or note.kind == CreditNoteKind.LOYALTY_REDEMPTION:
        return
    services.points_reverse_for_credit(
        org=_org(event),
        invoice_id=note.invoice_id,
        credit_note_id=note.pk,
        amount=note.amount,
        invoice_total=earning_base(note.invoice),
        reference=note.number,
    )
