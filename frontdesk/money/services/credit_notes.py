"""Credit notes: against an invoice or on account; refunds."""

from __future__ import annotations

from frontdesk.core.actor import Actor
from frontdesk.money.models import CreditNote


def credit_note_create(
    *,
    org,
    actor: Actor,
    customer,
    amount: int,
    kind: str,
    reason: str,
    invoice=None,
) -> CreditNote:
    """Issue a credit note of ``amount`` (minor units) to ``customer``, against
    ``invoice`` or on account, and post it to the ledger."""
    raise NotImplementedError
