"""Redeeming points against an invoice: the points become a ``loyalty_redemption``
credit note on that invoice (issued by money's ``credit_note_create``)."""

from __future__ import annotations

from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.core.errors import ValidationFailed
from frontdesk.customers.models import Customer
from frontdesk.loyalty.models import PointsEntry
from frontdesk.organizations.models import Organization


def points_redeem_invoice(
    *,
    org: Organization,
    actor: Actor,
    customer: Customer,
    invoice_id: Any,
    points: int,
    note: str = "",
) -> PointsEntry:
    raise ValidationFailed({"invoice_id": "Invoices are not available yet."})
