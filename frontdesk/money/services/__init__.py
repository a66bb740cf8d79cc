"""Writes of the money domain. Import services from here:
``from frontdesk.money.services import invoice_issue``."""

from frontdesk.money.services.catalog import service_create, service_update, tax_rate_set
from frontdesk.money.services.credit_notes import credit_note_create
from frontdesk.money.services.invoices import (
    invoice_create,
    invoice_issue,
    invoice_settle,
    invoice_update,
    invoice_void,
    quote_accept,
    quote_create,
    quote_decline,
)
from frontdesk.money.services.payments import payment_create

__all__ = [
    "credit_note_create",
    "invoice_create",
    "invoice_issue",
    "invoice_settle",
    "invoice_update",
    "invoice_void",
    "payment_create",
    "quote_accept",
    "quote_create",
    "quote_decline",
    "service_create",
    "service_update",
    "tax_rate_set",
]
