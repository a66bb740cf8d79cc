"""Pages: invoices (list, builder with each line's membership breakdown, editing a
draft's lines, issue, void, take payment), quotes (list by status, accept, decline),
payments, the customer's ledger statement (printable), receivables, and the catalog with
the tax rate. Forms validate, services write; a DomainError from a
service is shown as a message next to the form."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontdesk.core.errors import DomainError
from frontdesk.core.lookups import get_or_404
from frontdesk.core.pages import page_permission
from frontdesk.customers.models import Customer
from frontdesk.money import permissions as perm
from frontdesk.money import selectors, services
from frontdesk.money.choices import InvoiceStatus, PaymentMethod, QuoteStatus
from frontdesk.money.forms import amount_text, minor_units
from frontdesk.money.models import Quote, Service
from frontdesk.money.pricing import tax_rate_bp
from frontdesk.scheduling.times import local_today

BUILDER_ROWS = 6
MAX_BUILDER_ROWS = 200  # as many lines as the API takes


def _errors(request: HttpRequest, exc: DomainError) -> None:
    for error in getattr(exc, "errors", None) or [{"field": "", "message": exc.detail}]:
        field = error.get("field") or ""
        messages.error(request, f"{field}: {error['message']}" if field else error["message"])


# --- invoices ----------------------------------------------------------------------------
@page_permission(perm.VIEW)
def invoice_list_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = selectors.invoice_list(status=status or None).order_by("-created_at")[:200]
    invoices = list(qs)
    due = selectors.invoice_amounts_due(i.pk for i in invoices)
    for invoice in invoices:
        invoice.amount_due = due.get(invoice.pk, 0)
    return render(
        request,
        "money/invoices.html",
        {
            "invoices": invoices,
            "status": status,
            "statuses": InvoiceStatus.choices,
            "can_manage": request.actor.has(perm.MANAGE),
        },
    )


def _builder_lines(post, rows: int = BUILDER_ROWS) -> tuple[list[dict], list[str]]:
    lines, problems = [], []
    for i in range(rows):
        service_id = post.get(f"line-{i}-service", "")
        description = post.get(f"line-{i}-description", "").strip()
        price_text = post.get(f"line-{i}-unit_price", "").strip()
        quantity = post.get(f"line-{i}-quantity", "").strip() or "1"
        if not (service_id or description or price_text):
            continue
        line: dict = {"quantity": quantity}
        if service_id:
            line["service_id"] = service_id
        if description:
            line["description"] = description
        if price_text:
            price = minor_units(price_text)
            if price is None:
                problems.append(f"Line {i + 1}: the price must be an amount such as 49.99.")
                continue
            line["unit_price"] = price
        lines.append(line)
    return lines, problems


def _builder_rows(*, post=None, lines=(), count: int = BUILDER_ROWS) -> list[dict]:
    """The builder's rows as the form shows them: what was posted (after an error), else
    the draft's lines, then empty rows."""
    if post is not None:
        return [
            {
                "i": i,
                "service": post.get(f"line-{i}-service", ""),
                "description": post.get(f"line-{i}-description", ""),
                "quantity": post.get(f"line-{i}-quantity", ""),
                "unit_price": post.get(f"line-{i}-unit_price", ""),
            }
            for i in range(count)
        ]
    rows = [
        {
            "i": i,
            "service": str(line.service_id or ""),
            "description": line.description,
            "quantity": f"{line.quantity.normalize():f}",
            "unit_price": amount_text(line.unit_price),
        }
        for i, line in enumerate(lines)
    ]
    empty = {"service": "", "description": "", "quantity": "", "unit_price": ""}
    return rows + [{"i": i, **empty} for i in range(len(rows), count)]


def _builder_context(**extra) -> dict:
    return {
        "customers": Customer.objects.filter(merged_into__isnull=True).order_by("display_name")[
            :300
        ],
        "services": Service.objects.filter(active=True).order_by("code"),
        **extra,
    }


@page_permission(perm.MANAGE)
def invoice_new_page(request: HttpRequest) -> HttpResponse:
    selected = request.POST.get("customer") or request.GET.get("customer", "")
    if request.method == "POST":
        lines, problems = _builder_lines(request.POST)
        for problem in problems:
            messages.error(request, problem)
        if not problems:
            try:
                invoice = services.invoice_create(
                    org=request.org,
                    actor=request.actor,
                    customer_id=selected or None,
                    lines=lines,
                    notes=request.POST.get("notes", ""),
                )
            except DomainError as exc:
                _errors(request, exc)
            else:
                messages.success(request, "Draft invoice created: check the lines, then issue.")
                return redirect("billing:invoice", pk=invoice.pk)
    return render(
        request,
        "money/invoice_new.html",
        _builder_context(
            selected=selected,
            rows=_builder_rows(post=request.POST if request.method == "POST" else None),
            post=request.POST,
        ),
    )


@page_permission(perm.MANAGE)
def invoice_edit_page(request: HttpRequest, pk) -> HttpResponse:
    """The builder for a draft's lines and notes: saving replaces the lines and prices the
    draft again (``invoice_update``)."""
    invoice = get_or_404(selectors.invoice_qs(), pk)
    if invoice.status != InvoiceStatus.DRAFT:
        state = invoice.get_status_display().lower()
        messages.error(request, f"{invoice} is {state}: only a draft is edited.")
        return redirect("billing:invoice", pk=pk)
    lines = list(invoice.lines.all())
    count = min(max(BUILDER_ROWS, len(lines) + 2), MAX_BUILDER_ROWS)
    status = 200
    if request.method == "POST":
        count = min(max(_int(request.POST.get("rows")), BUILDER_ROWS), MAX_BUILDER_ROWS)
        new_lines, problems = _builder_lines(request.POST, count)
        for problem in problems:
            messages.error(request, problem)
        if not problems:
            try:
                services.invoice_update(
                    org=request.org,
                    actor=request.actor,
                    invoice=invoice,
                    data={"lines": new_lines, "notes": request.POST.get("notes", "")},
                )
            except DomainError as exc:
                _errors(request, exc)
                status = exc.status
            else:
                messages.success(request, "Draft saved and priced again.")
                return redirect("billing:invoice", pk=invoice.pk)
        else:
            status = 422
    post = request.POST if request.method == "POST" else None
    return render(
        request,
        "money/invoice_edit.html",
        _builder_context(
            invoice=invoice,
            rows=_builder_rows(post=post, lines=lines, count=count),
            row_count=count,
            notes=post.get("notes", "") if post is not None else invoice.notes,
        ),
        status=status,
    )


def _int(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


@page_permission(perm.VIEW)
def invoice_page(request: HttpRequest, pk) -> HttpResponse:
    invoice = get_or_404(selectors.invoice_qs(), pk)
    payments = list(selectors.payment_list(invoice_id=invoice.pk).order_by("received_at"))
    notes = list(invoice.credit_notes.order_by("created_at"))
    return render(
        request,
        "money/invoice.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "amount_due": selectors.invoice_amount_due(invoice),
            "payments": payments,
            "credit_notes": notes,
            "methods": PaymentMethod.choices,
            "can_manage": request.actor.has(perm.MANAGE),
            "can_pay": invoice.status in ("issued", "partially_paid"),
            "can_void": invoice.status in ("draft", "issued"),
        },
    )


@require_POST
@page_permission(perm.MANAGE)
def invoice_issue(request: HttpRequest, pk) -> HttpResponse:
    invoice = get_or_404(selectors.invoice_qs(), pk)
    try:
        invoice = services.invoice_issue(org=request.org, actor=request.actor, invoice=invoice)
        messages.success(request, f"Issued {invoice.number}.")
    except DomainError as exc:
        _errors(request, exc)
    return redirect("billing:invoice", pk=pk)


@require_POST
@page_permission(perm.MANAGE)
def invoice_void(request: HttpRequest, pk) -> HttpResponse:
    invoice = get_or_404(selectors.invoice_qs(), pk)
    try:
        services.invoice_void(
            org=request.org,
            actor=request.actor,
            invoice=invoice,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, "Invoice voided.")
    except DomainError as exc:
        _errors(request, exc)
    return redirect("billing:invoice", pk=pk)


@require_POST
@page_permission(perm.MANAGE)
def invoice_pay(request: HttpRequest, pk) -> HttpResponse:
    invoice = get_or_404(selectors.invoice_qs(), pk)
    amount = minor_units(request.POST.get("amount", ""))
    if amount is None:
        messages.error(request, "amount: An amount such as 49.99.")
        return redirect("billing:invoice", pk=pk)
    try:
        payment = services.payment_create(
            org=request.org,
            actor=request.actor,
            invoice_id=invoice.pk,
            amount=amount,
            method=request.POST.get("method", ""),
            reference=request.POST.get("reference", ""),
        )
        messages.success(request, f"Payment {payment.number} recorded.")
    except DomainError as exc:
        _errors(request, exc)
    return redirect("billing:invoice", pk=pk)


# --- quotes ------------------------------------------------------------------------------
@page_permission(perm.VIEW)
def quote_list_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in QuoteStatus.values:
        status = ""
    quotes = selectors.quote_list(status=status or None).prefetch_related(None)
    return render(
        request,
        "money/quotes.html",
        {
            "quotes": quotes.order_by("-created_at")[:200],
            "status": status,
            "statuses": QuoteStatus.choices,
        },
    )


@page_permission(perm.VIEW)
def quote_page(request: HttpRequest, pk) -> HttpResponse:
    quote = get_or_404(selectors.quote_qs().select_related("invoice", "job"), pk)
    return render(
        request,
        "money/quote.html",
        {
            "quote": quote,
            "lines": list(quote.lines.all()),
            "can_manage": request.actor.has(perm.MANAGE),
            "is_open": quote.status == QuoteStatus.DRAFT,
        },
    )


@require_POST
@page_permission(perm.MANAGE)
def quote_accept(request: HttpRequest, pk) -> HttpResponse:
    quote = get_or_404(Quote, pk)
    try:
        quote = services.quote_accept(org=request.org, actor=request.actor, quote=quote)
    except DomainError as exc:
        _errors(request, exc)
        return redirect("billing:quote", pk=pk)
    messages.success(request, f"{quote.number} accepted: check the draft invoice, then issue.")
    return redirect("billing:invoice", pk=quote.invoice_id)


@require_POST
@page_permission(perm.MANAGE)
def quote_decline(request: HttpRequest, pk) -> HttpResponse:
    quote = get_or_404(Quote, pk)
    try:
        quote = services.quote_decline(
            org=request.org,
            actor=request.actor,
            quote=quote,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"{quote.number} declined.")
    return redirect("billing:quote", pk=pk)


# --- payments, statement, receivables ----------------------------------------------------
@page_permission(perm.VIEW)
def payment_list_page(request: HttpRequest) -> HttpResponse:
    payments = selectors.payment_list().order_by("-received_at")[:200]
    return render(request, "money/payments.html", {"payments": payments})


@page_permission(perm.VIEW)
def statement_page(request: HttpRequest, customer_pk) -> HttpResponse:
    customer = get_or_404(Customer, customer_pk)
    page = selectors.customer_statement(
        customer_id=customer.pk, limit=500, cursor=request.GET.get("cursor") or None
    )
    return render(
        request,
        "money/statement.html",
        {
            "customer": customer,
            "page": page,
            "money": page["money"],
            "today": local_today(request.org, timezone.now()),
        },
    )


@page_permission(perm.VIEW)
def receivables_page(request: HttpRequest) -> HttpResponse:
    today = local_today(request.org, timezone.now())
    data = selectors.receivables(org=request.org, today=today, limit=200)
    return render(request, "money/receivables.html", {"data": data})


# --- catalog and tax rate ----------------------------------------------------------------
@page_permission(perm.VIEW)
def catalog_page(request: HttpRequest) -> HttpResponse:
    can_edit = request.actor.has(perm.CATALOG)
    if request.method == "POST":
        if not can_edit:
            messages.error(request, "Your role may not change the catalog.")
            return redirect("billing:rates")
        try:
            if request.POST.get("form") == "tax":
                bp = minor_units(request.POST.get("tax_rate", ""))  # percent → basis points
                services.tax_rate_set(
                    org=request.org,
                    actor=request.actor,
                    tax_rate_bp_value=bp if bp is not None else -1,
                )
                messages.success(request, "Tax rate saved.")
            else:
                price = minor_units(request.POST.get("price", ""))
                services.service_create(
                    org=request.org,
                    actor=request.actor,
                    data={
                        "code": request.POST.get("code", ""),
                        "name": request.POST.get("name", ""),
                        "price": price if price is not None else "",
                        "taxable": request.POST.get("taxable") == "on",
                    },
                )
                messages.success(request, "Service added.")
        except DomainError as exc:
            _errors(request, exc)
        return redirect("billing:rates")
    return render(
        request,
        "money/catalog.html",
        {
            "services": Service.objects.order_by("code"),
            "can_edit": can_edit,
            "tax_rate": Decimal(tax_rate_bp(request.org)) / 100,
        },
    )


@require_POST
@page_permission(perm.CATALOG)
def service_toggle(request: HttpRequest, pk) -> HttpResponse:
    service = get_or_404(Service, pk)
    services.service_update(
        org=request.org, actor=request.actor, service=service, data={"active": not service.active}
    )
    return redirect("billing:rates")
