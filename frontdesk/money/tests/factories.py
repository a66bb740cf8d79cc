"""Catalog items, invoices, payments and credit notes for tests, made through the
services (so numbers, ledger postings, audit and events are what production writes)."""

from __future__ import annotations

import itertools
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.money import services
from frontdesk.money.models import Invoice, Payment, Service
from frontdesk.scheduling.tests.factories import customer_with_vehicle

_serial = itertools.count(1)


def system(org) -> Actor:
    return Actor.system(org_id=org.pk, label="tests")


def make_service(org, **data: Any) -> Service:
    n = next(_serial)
    data.setdefault("code", f"SVC-{n}")
    data.setdefault("name", f"Service {n}")
    data.setdefault("price", 5000)
    with tenant_scope(org):
        return services.service_create(org=org, actor=system(org), data=data)


def make_invoice(
    org, *, customer=None, lines: list[dict] | None = None, issue: bool = True, **extra: Any
) -> Invoice:
    """An invoice (issued unless ``issue=False``) of ``lines`` (default one taxable
    line of 100.00)."""
    if customer is None:
        customer, _ = customer_with_vehicle(org)
    lines = lines or [{"description": "Diagnostics", "quantity": 1, "unit_price": 10000}]
    with tenant_scope(org):
        invoice = services.invoice_create(
            org=org, actor=system(org), customer_id=customer.pk, lines=lines, **extra
        )
        if issue:
            invoice = services.invoice_issue(org=org, actor=system(org), invoice=invoice)
    return invoice


def make_payment(org, *, invoice=None, customer=None, amount: int, method="card") -> Payment:
    with tenant_scope(org):
        return services.payment_create(
            org=org,
            actor=system(org),
            invoice_id=invoice and invoice.pk,
            customer_id=customer and customer.pk,
            amount=amount,
            method=method,
        )


def make_credit(org, *, customer, amount: int, kind="adjustment", invoice=None, reason="test"):
    with tenant_scope(org):
        return services.credit_note_create(
            org=org,
            actor=system(org),
            customer=customer,
            amount=amount,
            kind=kind,
            reason=reason,
            invoice=invoice,
        )
