"""The one pricing engine: quotes and invoices price their lines here and nowhere else.

For each line: ``list_price = quantity × unit_price``. If the customer has membership terms
on the document date (from a registered terms provider — the memberships app registers one,
so money never imports memberships):

- a service the plan includes costs the plan's price for it (0 by default) per unit:
  ``net = quantity × plan_price`` (never more than the list price);
- any other line is discounted by the plan's percentage, in basis points:
  ``membership_discount = list_price × discount_bp / 10000``.

``net = list_price − membership_discount`` and, for a taxable line,
``tax = net × tax_rate_bp / 10000`` with the organization's rate (``settings["tax_rate_bp"]``).
Document totals are the sums of the lines.

Rounding (the one rule, see docs/money.md): every product is computed exactly with
``Decimal`` and rounded to the minor unit **half-up** (0.5 goes away from zero) at the line,
once per amount; totals are sums of already rounded line amounts, so lines always add up to
the document. This is the rule the job lines already use (``scheduling.models.line_total``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

BP = 10_000  # basis points in 100 %


@dataclass(frozen=True)
class MembershipTerms:
    plan_name: str
    discount_bp: int = 0
    included: dict[UUID, int] = field(default_factory=dict)  # service id -> plan unit price


TermsProvider = Callable[..., MembershipTerms | None]
_providers: list[TermsProvider] = []


def register_terms_provider(fn: TermsProvider) -> TermsProvider:
    """Register ``fn(*, customer, on_date) -> MembershipTerms | None`` (idempotent)."""
    if fn not in _providers:
        _providers.append(fn)
    return fn


def unregister_terms_provider(fn: TermsProvider) -> None:
    if fn in _providers:
        _providers.remove(fn)


def membership_terms(*, customer, on_date: dt.date) -> MembershipTerms | None:
    """The first terms a provider finds for ``customer`` on ``on_date``."""
    for provider in list(_providers):
        terms = provider(customer=customer, on_date=on_date)
        if terms is not None:
            return terms
    return None


def round_minor(value: Decimal) -> int:
    """The one rounding rule: to the minor unit, half-up (away from zero)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class LineIn:
    description: str
    quantity: Decimal
    unit_price: int
    taxable: bool = True
    service_id: UUID | None = None


@dataclass(frozen=True)
class PricedLine:
    description: str
    quantity: Decimal
    unit_price: int
    taxable: bool
    service_id: UUID | None
    list_price: int
    membership_discount: int
    membership_note: str
    net: int
    tax: int

    @property
    def total(self) -> int:
        return self.net + self.tax


@dataclass(frozen=True)
class PricedDocument:
    lines: list[PricedLine]
    plan_name: str
    tax_rate_bp: int
    subtotal: int
    discount: int
    net: int
    tax: int
    total: int


def price_line(line: LineIn, *, terms: MembershipTerms | None, tax_rate_bp: int) -> PricedLine:
    quantity = Decimal(line.quantity)
    list_price = round_minor(quantity * line.unit_price)
    discount, note = 0, ""
    if terms is not None:
        if line.service_id is not None and line.service_id in terms.included:
            plan_net = round_minor(quantity * terms.included[line.service_id])
            discount = max(list_price - plan_net, 0)
            note = f"Included in {terms.plan_name}"
        elif terms.discount_bp:
            discount = round_minor(Decimal(list_price) * terms.discount_bp / BP)
            note = f"{terms.plan_name}: {Decimal(terms.discount_bp) / 100:g}% off"
    net = list_price - discount
    tax = round_minor(Decimal(net) * tax_rate_bp / BP) if line.taxable else 0
    return PricedLine(
        description=line.description,
        quantity=quantity,
        unit_price=line.unit_price,
        taxable=line.taxable,
        service_id=line.service_id,
        list_price=list_price,
        membership_discount=discount,
        membership_note=note,
        net=net,
        tax=tax,
    )


def price_document(
    lines: Iterable[LineIn], *, terms: MembershipTerms | None, tax_rate_bp: int
) -> PricedDocument:
    """Price ``lines`` under ``terms`` (or none) at ``tax_rate_bp``: a pure function."""
    priced = [price_line(line, terms=terms, tax_rate_bp=tax_rate_bp) for line in lines]
    subtotal = sum(p.list_price for p in priced)
    discount = sum(p.membership_discount for p in priced)
    tax = sum(p.tax for p in priced)
    return PricedDocument(
        lines=priced,
        plan_name=terms.plan_name if terms else "",
        tax_rate_bp=tax_rate_bp,
        subtotal=subtotal,
        discount=discount,
        net=subtotal - discount,
        tax=tax,
        total=subtotal - discount + tax,
    )


def tax_rate_bp(org) -> int:
    """The organization's sales tax rate in basis points (825 = 8.25 %), 0 when unset."""
    value = (org.settings or {}).get("tax_rate_bp", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def price_for_customer(*, org, customer, on_date: dt.date, lines: Iterable[LineIn]):
    """Price ``lines`` for ``customer`` on ``on_date``: their membership terms that day
    and the organization's tax rate."""
    return price_document(
        lines,
        terms=membership_terms(customer=customer, on_date=on_date),
        tax_rate_bp=tax_rate_bp(org),
    )
