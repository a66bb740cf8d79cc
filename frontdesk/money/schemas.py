"""API shapes of the catalog, quotes, invoices, payments, credit notes and the ledger.

Amounts are integers in the organization's minor unit (``StrictInt``: a float or a
string is 422, never coerced); an optional ``currency`` must be the organization's.
Input schemas forbid unknown fields and carry examples (the tenancy crawler builds its
requests from them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt

from frontdesk.customers.schemas import Line, Text
from frontdesk.money import selectors
from frontdesk.money.choices import CreditNoteKind, InvoiceStatus, PaymentMethod, QuoteStatus

FORBID = ConfigDict(extra="forbid")
UUID_EXAMPLE = "6f1c2a9e-4d0b-4c55-9a51-2f0e8b7d3c11"
MAX = 10**12


def _currency(context: Any) -> str:
    request = (context or {}).get("request")
    org = getattr(request, "org", None)
    return org.currency if org is not None else ""


class CustomerRefOut(Schema):
    id: UUID
    number: str = Field(examples=["C-0042"])
    display_name: str = Field(examples=["Maria Garcia"])


# --- catalog -----------------------------------------------------------------------------
class ServiceIn(Schema):
    model_config = FORBID
    code: Line(40) = Field(examples=["OIL-SYN"])
    name: Line(200) = Field(examples=["Synthetic oil change"])
    price: StrictInt = Field(ge=0, le=MAX, examples=[7999], description="minor units")
    taxable: StrictBool = Field(True, examples=[True])
    active: StrictBool = Field(True, examples=[True])
    currency: str | None = Field(None, examples=["USD"], description="the organization's")


class ServicePatch(Schema):
    model_config = FORBID
    code: Line(40) | None = Field(None, examples=["OIL-SYN"])
    name: Line(200) | None = Field(None, examples=["Full synthetic oil change"])
    price: StrictInt | None = Field(None, ge=0, le=MAX, examples=[8499])
    taxable: StrictBool | None = Field(None, examples=[True])
    active: StrictBool | None = Field(None, examples=[False])
    currency: str | None = Field(None, examples=["USD"])


class ServiceOut(Schema):
    id: UUID
    code: str
    name: str
    price: int = Field(description="minor units")
    currency: str = Field(examples=["USD"])
    taxable: bool
    active: bool

    @staticmethod
    def resolve_currency(obj, context) -> str:
        return _currency(context)


class TaxRateIn(Schema):
    model_config = FORBID
    tax_rate_bp: StrictInt = Field(ge=0, le=10_000, examples=[825], description="8.25 % = 825")


class TaxRateOut(Schema):
    tax_rate_bp: int = Field(examples=[825])


# --- documents ---------------------------------------------------------------------------
class LineIn(Schema):
    model_config = FORBID
    service_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    description: Line(300) | None = Field(None, examples=["Brake pads, front"])
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=9, decimal_places=2, examples=["1"])
    unit_price: StrictInt | None = Field(
        None, ge=0, le=MAX, examples=[12999], description="minor units; default the service's"
    )
    taxable: StrictBool | None = Field(None, examples=[True])


class PricedLineOut(Schema):
    id: UUID
    service_id: UUID | None
    description: str
    quantity: Decimal = Field(examples=["1.00"])
    unit_price: int
    list_price: int = Field(description="quantity × unit price")
    membership_discount: int
    membership_note: str = Field(examples=["Included in Gold"])
    net: int
    taxable: bool
    tax: int
    total: int


class InvoiceIn(Schema):
    model_config = FORBID
    customer_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    job_id: UUID | None = Field(None, examples=[UUID_EXAMPLE], description="copy its lines")
    vehicle_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    lines: list[LineIn] = Field(default_factory=list, max_length=200)
    invoice_date: dt.date | None = Field(None, examples=["2026-03-02"])
    due_on: dt.date | None = Field(None, examples=["2026-04-01"])
    notes: Text(5000) = Field("", examples=["Thank you for your business."])
    currency: str | None = Field(None, examples=["USD"])


class InvoicePatch(Schema):
    """The fields of a draft that change; ``lines`` replaces all of its lines."""

    model_config = FORBID
    vehicle_id: UUID | None = Field(None, examples=[UUID_EXAMPLE], description="null: none")
    lines: list[LineIn] | None = Field(
        None, min_length=1, max_length=200, description="replaces the draft's lines"
    )
    invoice_date: dt.date | None = Field(
        None, examples=["2026-03-02"], description="the pricing date (membership terms)"
    )
    due_on: dt.date | None = Field(None, examples=["2026-04-01"], description="null: none")
    notes: Text(5000) | None = Field(None, examples=["Customer supplied the wiper blades."])
    currency: str | None = Field(None, examples=["USD"], description="the organization's")


class VoidIn(Schema):
    model_config = FORBID
    reason: Line(300) = Field("", examples=["Entered twice"])


class InvoiceOut(Schema):
    id: UUID
    number: str = Field(examples=["INV-2026-0042"], description="empty while a draft")
    status: InvoiceStatus
    customer: CustomerRefOut
    job_id: UUID | None
    vehicle_id: UUID | None
    invoice_date: dt.date
    issued_on: dt.date | None
    due_on: dt.date | None
    notes: str
    membership_plan: str = Field(examples=["Gold"])
    lines: list[PricedLineOut]
    subtotal: int
    discount: int
    net: int
    tax: int
    total: int
    amount_due: int = Field(description="from the ledger")
    currency: str = Field(examples=["USD"])
    paid_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_amount_due(obj) -> int:
        return selectors.invoice_amount_due(obj)

    @staticmethod
    def resolve_currency(obj, context) -> str:
        return _currency(context)


class InvoiceListItem(Schema):
    id: UUID
    number: str
    status: str
    customer: CustomerRefOut
    issued_on: dt.date | None
    total: int
    currency: str

    @staticmethod
    def resolve_currency(obj, context) -> str:
        return _currency(context)


class QuoteIn(Schema):
    model_config = FORBID
    customer_id: UUID = Field(examples=[UUID_EXAMPLE])
    vehicle_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    lines: list[LineIn] = Field(min_length=1, max_length=200)
    quote_date: dt.date | None = Field(None, examples=["2026-03-02"])
    valid_until: dt.date | None = Field(None, examples=["2026-04-01"])
    notes: Text(5000) = Field("", examples=["Valid for 30 days."])


class QuoteOut(Schema):
    id: UUID
    number: str = Field(examples=["Q-0042"])
    status: QuoteStatus = Field(examples=["draft"], description="draft (open), accepted, declined")
    customer: CustomerRefOut
    vehicle_id: UUID | None
    quote_date: dt.date
    valid_until: dt.date | None
    notes: str
    membership_plan: str
    lines: list[PricedLineOut]
    subtotal: int
    discount: int
    net: int
    tax: int
    total: int
    invoice_id: UUID | None
    job_id: UUID | None
    accepted_at: dt.datetime | None
    declined_at: dt.datetime | None
    decline_reason: str
    currency: str

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_currency(obj, context) -> str:
        return _currency(context)


class QuoteDeclineIn(Schema):
    model_config = FORBID
    reason: Line(300) = Field("", examples=["Too expensive; will shop around"])


# --- payments and credit notes -----------------------------------------------------------
class PaymentIn(Schema):
    model_config = FORBID
    customer_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    invoice_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    amount: StrictInt = Field(examples=[5000], description="minor units, more than 0")
    currency: str | None = Field(None, examples=["USD"], description="the organization's")
    method: PaymentMethod = Field(examples=["card"])
    reference: Line(100) = Field("", examples=["VISA 4242"])
    received_at: dt.datetime | None = Field(None, examples=["2026-03-02T10:15:00-05:00"])


class PaymentOut(Schema):
    id: UUID
    number: str = Field(examples=["PAY-0099"])
    customer: CustomerRefOut
    invoice_id: UUID | None
    amount: int
    applied: int = Field(description="the part that paid invoices; the rest is credit")
    currency: str
    method: str
    reference: str
    received_at: dt.datetime

    @staticmethod
    def resolve_currency(obj, context) -> str:
        return _currency(context)


class CreditNoteIn(Schema):
    model_config = FORBID
    customer_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    invoice_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    amount: StrictInt = Field(examples=[2500], description="minor units, more than 0")
    currency: str | None = Field(None, examples=["USD"])
    kind: CreditNoteKind = Field(CreditNoteKind.ADJUSTMENT, examples=["adjustment"])
    reason: Line(300) = Field(examples=["Goodwill: waited too long"])


class CreditNoteOut(Schema):
    id: UUID
    number: str = Field(examples=["CN-0007"])
    customer: CustomerRefOut
    invoice_id: UUID | None
    amount: int
    currency: str
    kind: str
    reason: str
    issued_on: dt.date

    @staticmethod
    def resolve_currency(obj, context) -> str:
        return _currency(context)


# --- ledger, history, receivables --------------------------------------------------------
class StatementLineOut(BaseModel):
    """A plain pydantic model, not a ninja ``Schema``: a statement page has hundreds of
    these, and reading a row's attributes natively (no per-field Django getter) halves
    the cost of the response; the JSON is the same."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    date: dt.date
    reference: str = Field(examples=["INV-2026-0042"])
    document_type: str = Field(examples=["invoice"])
    document_id: UUID
    description: str
    account: str = Field(examples=["receivable"])
    debit: int
    credit: int
    balance: int = Field(description="running balance after this line; negative = in credit")


class StatementOut(Schema):
    customer: CustomerRefOut
    currency: str
    balance_due: int = Field(description="owed on invoices (receivable)")
    credit: int = Field(description="customer credit available")
    balance: int = Field(description="balance_due − credit: the closing balance")
    lifetime_value: int = Field(description="net revenue from the customer, ex tax")
    items: list[StatementLineOut]
    next_cursor: str | None


class PurchaseOut(Schema):
    kind: str = Field(examples=["invoice"])
    id: UUID
    number: str
    date: dt.date
    status: str
    vehicle: str
    job_number: str
    services: list[str]
    total: int
    amount_due: int


class PurchaseHistoryOut(Schema):
    items: list[PurchaseOut]


class ReceivableOut(Schema):
    customer: CustomerRefOut
    current: int = Field(description="0–30 days")
    days_31_60: int
    days_61_90: int
    over_90: int
    total: int
    open_invoices: int


class ReceivablesTotalsOut(Schema):
    current: int
    days_31_60: int
    days_61_90: int
    over_90: int
    total: int
    customers: int


class ReceivablesOut(Schema):
    as_of: dt.date
    currency: str
    totals: ReceivablesTotalsOut
    items: list[ReceivableOut]
