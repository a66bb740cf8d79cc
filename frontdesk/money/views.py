"""Pages: invoices (list, builder with each line's membership breakdown, issue, void,
take payment), payments, the customer's ledger statement (printable), receivables, and
the catalog with the tax rate. Forms validate, services write; a DomainError from a
service is shown as a message next to the form."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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
from frontdesk.money.choices import InvoiceStatus, PaymentMethod
from frontdesk.money.models import Service
from frontdesk.money.pricing import tax_rate_bp
from frontdesk.scheduling.times import local_today

BUILDER_ROWS = 6


def minor_units(text: str) -> int | None:
    """``"49.99"`` → 4999; None for anything that is not an amount with at most two
    decimals (never a float on the way)."""
    try:
        value = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


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


def _builder_lines(post) -> tuple[list[dict], list[str]]:
    lines, problems = [], []
    for i in range(BUILDER_ROWS):
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


@page_permission(perm.MANAGE)
def invoice_new_page(request: HttpRequest) -> HttpResponse:
    customers = Customer.objects.filter(merged_into__isnull=True).order_by("display_name")[:300]
    services_list = Service.objects.filter(active=True).order_by("code")
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
        {
            "customers": customers,
            "services": services_list,
            "selected": selected,
            "rows": range(BUILDER_ROWS),
            "post": request.POST,
        },
    )


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
