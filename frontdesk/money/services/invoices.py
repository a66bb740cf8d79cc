"""Quotes and invoices: priced by the one pricing engine, issued to the ledger, voided by
a reversing entry. draft → issued → partially_paid → paid | void."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.core.lookups import get_referenced
from frontdesk.core.refnums import reference_next
from frontdesk.core.services import model_update
from frontdesk.customers.models import Customer, CustomerVehicle, Vehicle
from frontdesk.events.services import event_emit
from frontdesk.money import events
from frontdesk.money.choices import (
    OPEN_INVOICE_STATUSES,
    Account,
    DocumentType,
    InvoiceStatus,
    QuoteStatus,
)
from frontdesk.money.models import Invoice, InvoiceLine, JournalEntry, Quote, QuoteLine, Service
from frontdesk.money.pricing import LineIn, PricedDocument, price_for_customer
from frontdesk.money.services.catalog import MAX_AMOUNT, text
from frontdesk.money.services.ledger import (
    Posting,
    invoice_outstanding,
    journal_post,
    journal_reverse,
    lock_rows,
)
from frontdesk.scheduling.models import Job
from frontdesk.scheduling.services import job_create, job_update
from frontdesk.scheduling.times import local_today

MAX_QUANTITY = Decimal("9999999.99")
S = InvoiceStatus


def org_today(org) -> dt.date:
    return local_today(org, timezone.now())


def customer_ref(customer_id) -> Customer:
    customer = get_referenced(Customer, customer_id, field="customer_id", status=404)
    if customer.merged_into_id:
        raise ValidationFailed({"customer_id": f"{customer.number} was merged."})
    return customer


def vehicle_ref(vehicle_id, customer: Customer) -> Vehicle | None:
    if not vehicle_id:
        return None
    vehicle = get_referenced(Vehicle, vehicle_id, field="vehicle_id", status=404)
    if not CustomerVehicle.objects.filter(customer=customer, vehicle=vehicle).exists():
        raise ValidationFailed({"vehicle_id": f"This vehicle is not {customer.number}'s."})
    return vehicle


def _quantity(value: Any, field: str) -> Decimal:
    if isinstance(value, bool):
        raise ValidationFailed({field: "A number such as 1 or 1.5."})
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: "A number such as 1 or 1.5."})
    if (
        not quantity.is_finite()
        or quantity <= 0
        or quantity > MAX_QUANTITY
        or quantity != quantity.quantize(Decimal("0.01"))
    ):
        raise ValidationFailed({field: "More than 0, at most two decimals."})
    return quantity


def clean_lines(raw: list[dict[str, Any]]) -> list[LineIn]:
    """Free lines: ``{service_id?, description?, quantity, unit_price?, taxable?}``; a
    service fills in what is left out (its name, list price and taxability)."""
    if not raw:
        raise ValidationFailed({"lines": "At least one line."})
    out = []
    for i, data in enumerate(raw):
        field = f"lines[{i}]"
        unknown = set(data) - {"service_id", "description", "quantity", "unit_price", "taxable"}
        if unknown:
            raise ValidationFailed({f"{field}.{n}": "Unknown field." for n in sorted(unknown)})
        service = None
        if data.get("service_id"):
            service = get_referenced(Service, data["service_id"], field=f"{field}.service_id")
        description = data.get("description") or (service.name if service else "")
        price = data.get("unit_price")
        if price is None:
            price = service.price if service else None
        if isinstance(price, bool) or not isinstance(price, int) or not 0 <= price <= MAX_AMOUNT:
            raise ValidationFailed(
                {f"{field}.unit_price": "A whole amount in minor units (cents), 0 or more."}
            )
        taxable = data.get("taxable")
        if taxable is None:
            taxable = service.taxable if service else True
        out.append(
            LineIn(
                description=text(description, f"{field}.description", 300, required=True),
                quantity=_quantity(data.get("quantity", 1), f"{field}.quantity"),
                unit_price=price,
                taxable=bool(taxable),
                service_id=service.pk if service else None,
            )
        )
    return out


def _line_rows(model, parent_field: str, parent, priced: PricedDocument, org) -> list:
    return [
        model(
            organization_id=org.pk,
            position=i,
            service_id=line.service_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            list_price=line.list_price,
            membership_discount=line.membership_discount,
            membership_note=line.membership_note,
            net=line.net,
            taxable=line.taxable,
            tax=line.tax,
            **{parent_field: parent},
        )
        for i, line in enumerate(priced.lines)
    ]


def _totals(priced: PricedDocument) -> dict[str, Any]:
    return {
        "membership_plan": priced.plan_name,
        "subtotal": priced.subtotal,
        "discount": priced.discount,
        "net": priced.net,
        "tax": priced.tax,
        "total": priced.total,
    }


# --- invoices --------------------------------------------------------------------------
def invoice_create(
    *,
    org,
    actor: Actor,
    customer_id=None,
    job_id=None,
    vehicle_id=None,
    lines: list[dict[str, Any]] | None = None,
    invoice_date: dt.date | None = None,
    due_on: dt.date | None = None,
    notes: str = "",
) -> Invoice:
    """A draft invoice from a job (its customer, vehicle and lines) or from free lines,
    priced for the customer on ``invoice_date`` (today by default)."""
    job = None
    if job_id:
        job = get_referenced(Job, job_id, field="job_id", status=404)
        if job.status == "cancelled":
            raise InvalidState(f"{job.number} is cancelled.")
        if Invoice.objects.filter(job=job).exclude(status=S.VOID).exists():
            raise InvalidState(f"{job.number} already has an invoice.")
        customer = job.customer
        if customer_id and str(customer_id) != str(customer.pk):
            raise ValidationFailed({"customer_id": f"{job.number} is another customer's job."})
        vehicle = job.vehicle if not vehicle_id else vehicle_ref(vehicle_id, customer)
        raw = lines or [
            {"description": jl.description, "quantity": jl.quantity, "unit_price": jl.unit_price}
            for jl in job.lines.all()
        ]
    else:
        if not customer_id:
            raise ValidationFailed({"customer_id": "Choose a customer (or a job)."})
        customer = customer_ref(customer_id)
        vehicle = vehicle_ref(vehicle_id, customer)
        raw = lines or []
    cleaned = clean_lines(raw)
    notes = text(notes, "notes", 5000)
    invoice_date = invoice_date or org_today(org)
    priced = price_for_customer(org=org, customer=customer, on_date=invoice_date, lines=cleaned)
    with transaction.atomic():
        invoice = Invoice(
            organization_id=org.pk,
            customer=customer,
            job=job,
            vehicle=vehicle,
            invoice_date=invoice_date,
            due_on=due_on,
            notes=notes,
            **_totals(priced),
        )
        invoice.save(force_insert=True)
        InvoiceLine.objects.bulk_create(_line_rows(InvoiceLine, "invoice", invoice, priced, org))
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=invoice,
            changes={
                "customer_id": (None, customer.pk),
                "job_id": (None, job and job.pk),
                "total": (None, invoice.total),
                "lines": (None, [line.description for line in priced.lines]),
            },
        )
    return invoice


def _lock_invoice(invoice: Invoice) -> Invoice:
    return lock_rows(Invoice.objects.filter(pk=invoice.pk)).get()


# what ``invoice_update`` may change on a draft (the customer and the job stay: void the
# draft and make another for someone else)
INVOICE_EDITABLE = frozenset({"vehicle_id", "lines", "invoice_date", "due_on", "notes"})


def _stored_lines(invoice: Invoice) -> list[dict[str, Any]]:
    return [
        {
            "service_id": line.service_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "taxable": line.taxable,
        }
        for line in invoice.lines.order_by("position", "id")
    ]


def _priced_key(line: InvoiceLine) -> tuple:
    """What a priced line says (not its id): equal keys need no rewrite."""
    return (
        line.service_id,
        line.description,
        Decimal(line.quantity),
        line.unit_price,
        line.list_price,
        line.membership_discount,
        line.membership_note,
        line.net,
        line.taxable,
        line.tax,
    )


def _lines_audit(rows: list[dict[str, Any]]) -> list[str]:
    return [f"{row['quantity']} × {row['description']} @ {row['unit_price']}" for row in rows]


def invoice_update(*, org, actor: Actor, invoice: Invoice, data: dict[str, Any]) -> Invoice:
    """Change a draft invoice: ``lines`` (the same input as :func:`invoice_create`; they
    replace the draft's lines), ``vehicle_id``, ``invoice_date``, ``due_on``, ``notes``.
    When the lines or the date change, the whole draft is priced again by the pricing
    engine with the customer's membership on ``invoice_date``. Only a draft changes (409
    once issued, paid or void); bad input is 422 and changes nothing. Audited with the
    fields before and after."""
    unknown = set(data) - INVOICE_EDITABLE
    if unknown:
        raise ValidationFailed({name: "Not editable." for name in sorted(unknown)})
    for name in ("lines", "invoice_date", "notes"):
        if name in data and data[name] is None:
            raise ValidationFailed({name: "May not be null."})
    with transaction.atomic():
        invoice = _lock_invoice(invoice)
        if invoice.status != S.DRAFT:
            raise InvalidState(
                f"{invoice} is {invoice.get_status_display().lower()}: only a draft is edited.",
                current_status=invoice.status,
            )
        fields: dict[str, Any] = {}
        if "vehicle_id" in data:
            vehicle = vehicle_ref(data["vehicle_id"], invoice.customer)
            fields["vehicle_id"] = vehicle.pk if vehicle else None
        if "notes" in data:
            fields["notes"] = text(data["notes"], "notes", 5000)
        if "due_on" in data:
            fields["due_on"] = data["due_on"]
        if "invoice_date" in data:
            fields["invoice_date"] = data["invoice_date"]
        before_lines = _stored_lines(invoice)
        if "lines" in data or "invoice_date" in data:
            cleaned = clean_lines(data.get("lines", before_lines))
            priced = price_for_customer(
                org=org,
                customer=invoice.customer,
                on_date=fields.get("invoice_date", invoice.invoice_date),
                lines=cleaned,
            )
            fields.update(_totals(priced))
            rows = _line_rows(InvoiceLine, "invoice", invoice, priced, org)
            stored = list(invoice.lines.order_by("position", "id"))
            if [_priced_key(x) for x in rows] != [_priced_key(x) for x in stored]:
                InvoiceLine.objects.filter(invoice=invoice).delete()
                InvoiceLine.objects.bulk_create(rows)
        invoice, _ = model_update(instance=invoice, org=org, actor=actor, data=fields)
        after_lines = _lines_audit(_stored_lines(invoice))
        if after_lines != _lines_audit(before_lines):
            audit_record(
                org=org,
                actor=actor,
                action=AuditAction.UPDATE,
                obj=invoice,
                changes={"lines": (_lines_audit(before_lines), after_lines)},
            )
    return invoice


def invoice_issue(
    *, org, actor: Actor, invoice: Invoice, issued_on: dt.date | None = None
) -> Invoice:
    """Give the invoice its number and post it: Dr receivable (total), Cr revenue (net),
    Cr tax. Only a draft can be issued (409 otherwise). ``issued_on`` (default today) is
    for imports and the demo; the API always issues today."""
    with transaction.atomic():
        invoice = _lock_invoice(invoice)
        if invoice.status != S.DRAFT:
            raise InvalidState(
                f"{invoice} is {invoice.get_status_display().lower()}: only a draft is issued.",
                current_status=invoice.status,
            )
        issued_on = issued_on or org_today(org)
        invoice.number = reference_next(org=org, kind=f"INV-{issued_on.year}")
        invoice.status = S.ISSUED if invoice.total > 0 else S.PAID
        invoice.issued_on = issued_on
        if invoice.status == S.PAID:
            invoice.paid_at = timezone.now()
        invoice.save(update_fields=["number", "status", "issued_on", "paid_at", "updated_at"])
        if invoice.total:
            _post_invoice(org=org, invoice=invoice)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=invoice,
            changes={"status": (S.DRAFT, invoice.status), "number": ("", invoice.number)},
        )
        event_emit(
            org=org,
            type=events.INVOICE_ISSUED,
            actor=actor,
            payload={
                "id": invoice.pk,
                "number": invoice.number,
                "customer_id": invoice.customer_id,
                "job_id": invoice.job_id,
                "vehicle_id": invoice.vehicle_id,
                "total": invoice.total,
                "issued_on": issued_on,
            },
        )
        if invoice.status == S.PAID:
            emit_paid(org=org, actor=actor, invoice=invoice)
        if invoice.job_id and invoice.job.status == "completed":
            job_update(org=org, actor=actor, job=invoice.job, data={"status": "invoiced"})
    return invoice


def _post_invoice(*, org, invoice: Invoice) -> JournalEntry:
    return journal_post(
        org=org,
        entry_date=invoice.issued_on,
        document_type=DocumentType.INVOICE,
        document_id=invoice.pk,
        reference=invoice.number,
        description=f"Invoice {invoice.number}",
        postings=[
            Posting(
                Account.RECEIVABLE,
                debit=invoice.total,
                customer_id=invoice.customer_id,
                invoice_id=invoice.pk,
            ),
            Posting(Account.REVENUE, credit=invoice.net, customer_id=invoice.customer_id),
            Posting(Account.TAX, credit=invoice.tax, customer_id=invoice.customer_id),
        ],
    )


def emit_paid(*, org, actor: Actor, invoice: Invoice) -> None:
    event_emit(
        org=org,
        type=events.INVOICE_PAID,
        actor=actor,
        payload={
            "id": invoice.pk,
            "number": invoice.number,
            "customer_id": invoice.customer_id,
            "total": invoice.total,
            "paid_at": invoice.paid_at,
        },
    )


def invoice_settle(
    *, org, actor: Actor, invoice: Invoice, outstanding: int | None = None
) -> Invoice:
    """Recompute the state of an issued invoice from the ledger after a payment or a
    credit (call inside that transaction, with the invoice locked): outstanding 0 → paid
    (``invoice.paid`` once, the first time), less than the total → partially_paid.
    ``outstanding``: what the ledger owes on it now, where the caller has just worked it
    out under the same lock (saves summing the invoice's lines again)."""
    if outstanding is None:
        outstanding = invoice_outstanding(invoice.pk)
    before = invoice.status
    if outstanding <= 0:
        status = S.PAID
    elif outstanding < invoice.total:
        status = S.PARTIALLY_PAID
    else:
        status = S.ISSUED
    if status == before:
        return invoice
    invoice.status = status
    first_paid = status == S.PAID and invoice.paid_at is None
    if first_paid:
        invoice.paid_at = timezone.now()
    invoice.save(update_fields=["status", "paid_at", "updated_at"])
    audit_record(
        org=org,
        actor=actor,
        action=AuditAction.UPDATE,
        obj=invoice,
        changes={"status": (before, status)},
    )
    if first_paid:
        emit_paid(org=org, actor=actor, invoice=invoice)
    return invoice


def invoice_void(*, org, actor: Actor, invoice: Invoice, reason: str = "") -> Invoice:
    """Void a draft (nothing was posted) or an issued invoice with nothing paid or
    credited on it (posts the reversing entry). Anything else is 409: credit it instead."""
    reason = text(reason, "reason", 300)
    with transaction.atomic():
        invoice = _lock_invoice(invoice)
        before = invoice.status
        if before not in (S.DRAFT, S.ISSUED) or (
            before == S.ISSUED and invoice_outstanding(invoice.pk) != invoice.total
        ):
            raise InvalidState(
                f"{invoice} is {invoice.get_status_display().lower()}: only a draft or an"
                " unpaid issued invoice can be voided; issue a credit note instead.",
                current_status=before,
            )
        today = org_today(org)
        if before == S.ISSUED:
            original = JournalEntry.objects.filter(
                document_type=DocumentType.INVOICE, document_id=invoice.pk, reverses__isnull=True
            ).first()
            if original is not None:
                journal_reverse(
                    org=org,
                    entry=original,
                    entry_date=today,
                    description=f"Void of invoice {invoice.number}"
                    + (f": {reason}" if reason else ""),
                )
        invoice.status = S.VOID
        invoice.voided_at = timezone.now()
        invoice.save(update_fields=["status", "voided_at", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=invoice,
            changes={"status": (before, S.VOID)},
            metadata={"reason": reason},
        )
        event_emit(
            org=org,
            type=events.INVOICE_VOIDED,
            actor=actor,
            payload={
                "id": invoice.pk,
                "number": invoice.number,
                "customer_id": invoice.customer_id,
                "total": invoice.total,
            },
        )
    return invoice


def open_invoice_locked(invoice: Invoice) -> Invoice:
    """The invoice, locked, if payments and credits may apply to it (409 otherwise)."""
    invoice = _lock_invoice(invoice)
    if invoice.status not in OPEN_INVOICE_STATUSES and invoice.status != S.PAID:
        raise InvalidState(
            f"{invoice} is {invoice.get_status_display().lower()}: nothing can be applied to it.",
            current_status=invoice.status,
        )
    return invoice


# --- quotes ----------------------------------------------------------------------------
def quote_create(
    *,
    org,
    actor: Actor,
    customer_id,
    vehicle_id=None,
    lines: list[dict[str, Any]],
    quote_date: dt.date | None = None,
    valid_until: dt.date | None = None,
    notes: str = "",
) -> Quote:
    """An estimate for a customer, priced like an invoice (membership included)."""
    customer = customer_ref(customer_id)
    vehicle = vehicle_ref(vehicle_id, customer)
    cleaned = clean_lines(lines)
    notes = text(notes, "notes", 5000)
    quote_date = quote_date or org_today(org)
    if valid_until and valid_until < quote_date:
        raise ValidationFailed({"valid_until": "On or after the quote date."})
    priced = price_for_customer(org=org, customer=customer, on_date=quote_date, lines=cleaned)
    with transaction.atomic():
        quote = Quote(
            organization_id=org.pk,
            number=reference_next(org=org, kind="quote"),
            customer=customer,
            vehicle=vehicle,
            quote_date=quote_date,
            valid_until=valid_until,
            notes=notes,
            **_totals(priced),
        )
        quote.save(force_insert=True)
        QuoteLine.objects.bulk_create(_line_rows(QuoteLine, "quote", quote, priced, org))
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=quote,
            changes={"customer_id": (None, customer.pk), "total": (None, quote.total)},
        )
    return quote


def quote_accept(*, org, actor: Actor, quote: Quote, into: str = "invoice") -> Quote:
    """Accept a draft quote into a draft invoice with its lines (repriced on today's date:
    a membership may have changed since), or into a job with its lines at list price (the
    job's invoice is priced when it is made). 409 if already accepted or declined."""
    if into not in ("invoice", "job"):
        raise ValidationFailed({"into": "invoice or job."})
    with transaction.atomic():
        quote = lock_rows(Quote.objects.filter(pk=quote.pk)).get()
        if quote.status != QuoteStatus.DRAFT:
            raise InvalidState(f"{quote.number} is {quote.status}.", current_status=quote.status)
        lines = list(quote.lines.all())
        if into == "job":
            quote.job = job_create(
                org=org,
                actor=actor,
                customer_id=quote.customer_id,
                vehicle_id=quote.vehicle_id,
                concern=f"Quote {quote.number}" + (f": {quote.notes}" if quote.notes else ""),
                lines=[
                    {
                        "description": line.description,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                    }
                    for line in lines
                ],
            )
        else:
            quote.invoice = invoice_create(
                org=org,
                actor=actor,
                customer_id=quote.customer_id,
                vehicle_id=quote.vehicle_id,
                lines=[
                    {
                        "service_id": line.service_id,
                        "description": line.description,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "taxable": line.taxable,
                    }
                    for line in lines
                ],
                notes=quote.notes,
            )
        quote.status = QuoteStatus.ACCEPTED
        quote.accepted_at = timezone.now()
        quote.save(update_fields=["status", "invoice", "job", "accepted_at", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=quote,
            changes={"status": (QuoteStatus.DRAFT, QuoteStatus.ACCEPTED)},
            metadata={"invoice_id": quote.invoice_id, "job_id": quote.job_id},
        )
    return quote


def quote_decline(*, org, actor: Actor, quote: Quote, reason: str = "") -> Quote:
    """The customer said no: an open (draft) quote becomes declined, with the reason if
    one is given. 409 if it was accepted or declined already; a declined quote cannot be
    accepted."""
    reason = text(reason, "reason", 300)
    with transaction.atomic():
        quote = lock_rows(Quote.objects.filter(pk=quote.pk)).get()
        if quote.status != QuoteStatus.DRAFT:
            raise InvalidState(
                f"{quote.number} is {quote.status}: only an open quote is declined.",
                current_status=quote.status,
            )
        quote, _ = model_update(
            instance=quote,
            org=org,
            actor=actor,
            data={
                "status": QuoteStatus.DECLINED,
                "declined_at": timezone.now(),
                "decline_reason": reason,
            },
        )
    return quote
