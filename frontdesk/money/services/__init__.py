"""Writes of the money domain. Import services from here:
``from frontdesk.money.services import invoice_issue``."""

from frontdesk.money.services.credit_notes import credit_note_create

__all__ = ["credit_note_create"]
