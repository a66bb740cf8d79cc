"""``/api/crm`` catalog, quotes, invoices, payments, credit notes, the customer ledger,
purchase history and receivables: thin endpoints over selectors and services. Path ids
are looked up in the caller's organization (404 otherwise) before anything else."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate
from frontdesk.core.errors import ValidationFailed
from frontdesk.core.lookups import get_or_404, get_referenced
from frontdesk.customers.models import Customer
from frontdesk.money import permissions as perm
from frontdesk.money import selectors, services
from frontdesk.money.choices import QuoteStatus
from frontdesk.money.models import Invoice, Quote, Service
from frontdesk.money.pricing import tax_rate_bp
from frontdesk.money.schemas import (
    CreditNoteIn,
    CreditNoteOut,
    InvoiceIn,
    InvoiceListItem,
    InvoiceOut,
    InvoicePatch,
    PaymentIn,
    PaymentOut,
    PurchaseHistoryOut,
    QuoteDeclineIn,
    QuoteIn,
    QuoteOut,
    ReceivablesOut,
    ServiceIn,
    ServiceOut,
    ServicePatch,
    StatementOut,
    TaxRateIn,
    TaxRateOut,
    VoidIn,
)
from frontdesk.money.services.catalog import check_currency
from frontdesk.scheduling.times import local_today

router = Router(tags=["money"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)


def _invoice(invoice_id) -> Invoice:
    return get_or_404(selectors.invoice_qs(), invoice_id)


def _customer(customer_id) -> Customer:
    return get_or_404(Customer, customer_id)


def _lines(payload) -> list[dict]:
    return [{k: v for k, v in line.model_dump().items() if v is not None} for line in payload.lines]


# --- catalog -----------------------------------------------------------------------------
@router.get("/services", auth=api_permission(perm.VIEW), response={200: Page[ServiceOut], **READ})
def service_list(
    request: HttpRequest, params: Query[ListParams], active: bool | None = None, q: str = ""
):
    """The service catalog (code, name, list price in minor units, taxable)."""
    return paginate(
        selectors.service_list(active=active, q=q),
        params=params,
        orders={"code": "code", "name": "name", "price": "price"},
        default="code",
    )


@router.post("/services", auth=api_permission(perm.CATALOG), response={201: ServiceOut, **WRITE})
def service_create(request: HttpRequest, payload: ServiceIn):
    """Add a catalog item; 409 if the code is taken."""
    data = payload.model_dump()
    check_currency(request.org, data.pop("currency"))
    return Status(201, services.service_create(org=request.org, actor=request.auth, data=data))


@router.patch(
    "/services/{service_id}", auth=api_permission(perm.CATALOG), response={200: ServiceOut, **WRITE}
)
def service_patch(request: HttpRequest, service_id: UUID, payload: ServicePatch):
    """Change a catalog item (documents already priced keep their prices)."""
    service = get_or_404(Service, service_id)
    data = payload.model_dump(exclude_unset=True)
    check_currency(request.org, data.pop("currency", None))
    return services.service_update(
        org=request.org,
        actor=request.auth,
        service=service,
        data={k: v for k, v in data.items() if v is not None},
    )


@router.get("/tax-rate", auth=api_permission(perm.VIEW), response={200: TaxRateOut, **READ})
def tax_rate_get(request: HttpRequest):
    """The organization's sales tax rate in basis points (825 = 8.25 %)."""
    return {"tax_rate_bp": tax_rate_bp(request.org)}


@router.put("/tax-rate", auth=api_permission(perm.CATALOG), response={200: TaxRateOut, **WRITE})
def tax_rate_put(request: HttpRequest, payload: TaxRateIn):
    """Set the sales tax rate; documents already priced keep their tax."""
    value = services.tax_rate_set(
        org=request.org, actor=request.auth, tax_rate_bp_value=payload.tax_rate_bp
    )
    return {"tax_rate_bp": value}


# --- invoices ----------------------------------------------------------------------------
@router.get(
    "/invoices", auth=api_permission(perm.VIEW), response={200: Page[InvoiceListItem], **READ}
)
def invoice_list(
    request: HttpRequest,
    params: Query[ListParams],
    status: str | None = None,
    customer_id: UUID | None = None,
):
    """Invoices, newest first; filter by ``status`` and ``customer_id``."""
    return paginate(
        selectors.invoice_list(status=status, customer_id=customer_id).prefetch_related(None),
        params=params,
        orders={"created_at": "created_at", "total": "total"},
        default="-created_at",
    )


@router.post("/invoices", auth=api_permission(perm.MANAGE), response={201: InvoiceOut, **WRITE})
def invoice_create(request: HttpRequest, payload: InvoiceIn):
    """A draft invoice: from a job (``job_id``: its customer, vehicle and lines) or from
    free ``lines`` for ``customer_id``. Lines are priced by the pricing engine with the
    customer's membership on ``invoice_date``."""
    check_currency(request.org, payload.currency)
    invoice = services.invoice_create(
        org=request.org,
        actor=request.auth,
        customer_id=payload.customer_id,
        job_id=payload.job_id,
        vehicle_id=payload.vehicle_id,
        lines=_lines(payload),
        invoice_date=payload.invoice_date,
        due_on=payload.due_on,
        notes=payload.notes,
    )
    return Status(201, _invoice(invoice.pk))


@router.get(
    "/invoices/{invoice_id}", auth=api_permission(perm.VIEW), response={200: InvoiceOut, **READ}
)
def invoice_get(request: HttpRequest, invoice_id: UUID):
    """One invoice with its priced lines and the amount still due (from the ledger)."""
    return _invoice(invoice_id)


@router.patch(
    "/invoices/{invoice_id}", auth=api_permission(perm.MANAGE), response={200: InvoiceOut, **WRITE}
)
def invoice_patch(request: HttpRequest, invoice_id: UUID, payload: InvoicePatch):
    """Change a draft invoice: ``lines`` (the same line input as creating one) replace
    all of its lines; ``vehicle_id``, ``invoice_date``, ``due_on`` and ``notes`` change
    when given. New lines or a new date price the whole draft again with the customer's
    membership on ``invoice_date``. The customer and the job stay (void the draft and
    make another). 409 once the invoice is issued, paid or void."""
    invoice = _invoice(invoice_id)
    data = payload.model_dump(exclude_unset=True)
    check_currency(request.org, data.pop("currency", None))
    if data.get("lines") is not None:
        data["lines"] = _lines(payload)
    invoice = services.invoice_update(
        org=request.org, actor=request.auth, invoice=invoice, data=data
    )
    return _invoice(invoice.pk)


@router.post(
    "/invoices/{invoice_id}/issue",
    auth=api_permission(perm.MANAGE),
    response={200: InvoiceOut, **WRITE},
)
def invoice_issue(request: HttpRequest, invoice_id: UUID):
    """Issue a draft: it gets its number (INV-YYYY-NNNN) and posts Dr receivable,
    Cr revenue, Cr tax. 409 unless it is a draft."""
    invoice = services.invoice_issue(
        org=request.org, actor=request.auth, invoice=_invoice(invoice_id)
    )
    return _invoice(invoice.pk)


@router.post(
    "/invoices/{invoice_id}/void",
    auth=api_permission(perm.MANAGE),
    response={200: InvoiceOut, **WRITE},
)
def invoice_void(request: HttpRequest, invoice_id: UUID, payload: VoidIn):
    """Void a draft, or an issued invoice nothing was paid or credited on (posts the
    reversing entry). 409 otherwise: credit it instead."""
    invoice = services.invoice_void(
        org=request.org, actor=request.auth, invoice=_invoice(invoice_id), reason=payload.reason
    )
    return _invoice(invoice.pk)


# --- quotes ------------------------------------------------------------------------------
@router.get("/quotes", auth=api_permission(perm.VIEW), response={200: Page[QuoteOut], **READ})
def quote_list(
    request: HttpRequest,
    params: Query[ListParams],
    customer_id: UUID | None = None,
    status: QuoteStatus | None = None,
):
    """Quotes, newest first; filter by ``customer_id`` and ``status`` (``draft`` = open,
    ``accepted``, ``declined``)."""
    return paginate(
        selectors.quote_list(customer_id=customer_id, status=status),
        params=params,
        orders={"created_at": "created_at"},
        default="-created_at",
    )


@router.post("/quotes", auth=api_permission(perm.MANAGE), response={201: QuoteOut, **WRITE})
def quote_create(request: HttpRequest, payload: QuoteIn):
    """An estimate priced like an invoice (membership included)."""
    quote = services.quote_create(
        org=request.org,
        actor=request.auth,
        customer_id=payload.customer_id,
        vehicle_id=payload.vehicle_id,
        lines=_lines(payload),
        quote_date=payload.quote_date,
        valid_until=payload.valid_until,
        notes=payload.notes,
    )
    return Status(201, get_or_404(selectors.quote_qs(), quote.pk))


@router.post(
    "/quotes/{quote_id}/accept",
    auth=api_permission(perm.MANAGE),
    response={201: QuoteOut, **WRITE},
)
def quote_accept(request: HttpRequest, quote_id: UUID, into: Literal["invoice", "job"] = "invoice"):
    """Accept a draft quote ``?into=invoice`` (the default: a draft invoice, its id in
    ``invoice_id``) or ``?into=job`` (a job with the quote's lines, ``job_id``). 409 if
    the quote was accepted or declined already."""
    quote = get_or_404(Quote, quote_id)
    quote = services.quote_accept(org=request.org, actor=request.auth, quote=quote, into=into)
    return Status(201, get_or_404(selectors.quote_qs(), quote.pk))


@router.post(
    "/quotes/{quote_id}/decline",
    auth=api_permission(perm.MANAGE),
    response={200: QuoteOut, **WRITE},
)
def quote_decline(request: HttpRequest, quote_id: UUID, payload: QuoteDeclineIn):
    """The customer declined an open (draft) quote, with an optional ``reason``. 409 if
    the quote was accepted or declined already; a declined quote cannot be accepted."""
    quote = get_or_404(Quote, quote_id)
    services.quote_decline(org=request.org, actor=request.auth, quote=quote, reason=payload.reason)
    return get_or_404(selectors.quote_qs(), quote.pk)


# --- payments and credit notes -----------------------------------------------------------
@router.get("/payments", auth=api_permission(perm.VIEW), response={200: Page[PaymentOut], **READ})
def payment_list(
    request: HttpRequest,
    params: Query[ListParams],
    customer_id: UUID | None = None,
    invoice_id: UUID | None = None,
):
    """Payments, newest first."""
    return paginate(
        selectors.payment_list(customer_id=customer_id, invoice_id=invoice_id),
        params=params,
        orders={"received_at": "received_at"},
        default="-received_at",
    )


@router.post("/payments", auth=api_permission(perm.MANAGE), response={201: PaymentOut, **WRITE})
def payment_create(request: HttpRequest, payload: PaymentIn):
    """Record a payment (send an ``Idempotency-Key``: a retry then changes nothing and
    answers the first response). Applied to ``invoice_id``, or to the customer's open
    invoices oldest first; the rest becomes customer credit. 409 for a void or draft
    invoice; 422 for a float, string, zero or negative amount or another currency."""
    payment = services.payment_create(org=request.org, actor=request.auth, **payload.model_dump())
    return Status(201, payment)


@router.post(
    "/credit-notes", auth=api_permission(perm.MANAGE), response={201: CreditNoteOut, **WRITE}
)
def credit_note_create(request: HttpRequest, payload: CreditNoteIn):
    """Credit a customer: against ``invoice_id`` (reduces what is owed on it) or on
    account (customer credit). ``kind: refund`` pays money back (what was paid on the
    invoice, or the customer's credit). Honours ``Idempotency-Key``."""
    check_currency(request.org, payload.currency)
    invoice = (
        get_referenced(Invoice, payload.invoice_id, field="invoice_id", status=404)
        if payload.invoice_id
        else None
    )
    if invoice is not None:
        customer = invoice.customer
    elif payload.customer_id:
        customer = get_referenced(Customer, payload.customer_id, field="customer_id", status=404)
    else:
        raise ValidationFailed({"customer_id": "Choose a customer or an invoice."})
    if payload.customer_id and str(payload.customer_id) != str(customer.pk):
        raise ValidationFailed({"invoice_id": "This invoice is another customer's."})
    note = services.credit_note_create(
        org=request.org,
        actor=request.auth,
        customer=customer,
        amount=payload.amount,
        kind=payload.kind,
        reason=payload.reason,
        invoice=invoice,
    )
    return Status(201, note)


# --- the customer's money ----------------------------------------------------------------
@router.get(
    "/customers/{customer_id}/ledger",
    auth=api_permission(perm.VIEW),
    response={200: StatementOut, **READ},
)
def customer_ledger(
    request: HttpRequest, customer_id: UUID, limit: int = 100, cursor: str | None = None
):
    """The customer's statement, oldest first: date, document reference number,
    description, debit, credit and running balance (keyset pages: ``?cursor=``). The
    balance due, credit and lifetime value come from the same ledger."""
    customer = _customer(customer_id)
    limit = max(1, min(limit, 500))
    page = selectors.customer_statement(customer_id=customer.pk, limit=limit, cursor=cursor)
    money = page["money"]
    return {
        "customer": customer,
        "currency": request.org.currency,
        "balance_due": money.balance_due,
        "credit": money.credit,
        "balance": money.balance,
        "lifetime_value": money.lifetime_value,
        "items": page["items"],
        "next_cursor": page["next_cursor"],
    }


@router.get(
    "/customers/{customer_id}/purchase-history",
    auth=api_permission(perm.VIEW),
    response={200: PurchaseHistoryOut, **READ},
)
def customer_purchase_history(request: HttpRequest, customer_id: UUID):
    """Every invoice and not-yet-invoiced job of the customer, newest first: vehicle,
    services, status, total and amount due."""
    customer = _customer(customer_id)
    return {"items": selectors.purchase_history(customer_id=customer.pk)}


@router.get("/receivables", auth=api_permission(perm.VIEW), response={200: ReceivablesOut, **READ})
def receivables(request: HttpRequest, limit: int = 100):
    """Who owes what, aged by invoice date (0–30, 31–60, 61–90, 90+ days), largest
    first, with totals over every customer; computed from the ledger."""
    today = local_today(request.org, timezone.now())
    data = selectors.receivables(org=request.org, today=today, limit=max(1, min(limit, 1000)))
    return {**data, "currency": request.org.currency}
