"""Posting to the double-entry ledger. Every document posts exactly one balanced entry
(Σ debit = Σ credit); corrections post a reversing entry that points at the original."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Coalesce

from frontdesk.money.choices import Account
from frontdesk.money.models import JournalEntry, JournalLine


class UnbalancedEntry(Exception):
    """A programming error: an entry whose debits and credits differ."""


@dataclass(frozen=True)
class Posting:
    account: str
    debit: int = 0
    credit: int = 0
    customer_id: UUID | None = None
    invoice_id: UUID | None = None


def journal_post(
    *,
    org,
    entry_date: dt.date,
    document_type: str,
    document_id,
    reference: str,
    description: str,
    postings: list[Posting],
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Write one balanced entry (call inside the document's transaction). Zero postings
    are dropped; a negative amount or an unbalanced entry is refused."""
    postings = [p for p in postings if p.debit or p.credit]
    if any(p.debit < 0 or p.credit < 0 or (p.debit and p.credit) for p in postings):
        raise UnbalancedEntry("A posting has one positive side.")
    if sum(p.debit for p in postings) != sum(p.credit for p in postings) or not postings:
        raise UnbalancedEntry(f"{reference}: debits and credits differ.")
    entry = JournalEntry(
        organization_id=org.pk,
        entry_date=entry_date,
        document_type=document_type,
        document_id=document_id,
        reference=reference,
        description=description[:300],
        reverses=reverses,
    )
    entry.save()
    JournalLine.objects.bulk_create(
        JournalLine(
            organization_id=org.pk,
            entry=entry,
            entry_date=entry_date,
            account=p.account,
            customer_id=p.customer_id,
            invoice_id=p.invoice_id,
            debit=p.debit,
            credit=p.credit,
        )
        for p in postings
    )
    return entry


def journal_reverse(
    *, org, entry: JournalEntry, entry_date: dt.date, description: str
) -> JournalEntry:
    """Post the mirror image of ``entry`` (debits become credits), pointing at it."""
    postings = [
        Posting(
            account=line.account,
            debit=line.credit,
            credit=line.debit,
            customer_id=line.customer_id,
            invoice_id=line.invoice_id,
        )
        for line in entry.lines.all()
    ]
    return journal_post(
        org=org,
        entry_date=entry_date,
        document_type=entry.document_type,
        document_id=entry.document_id,
        reference=entry.reference,
        description=description,
        postings=postings,
        reverses=entry,
    )


def _net(qs) -> int:
    return qs.aggregate(
        v=Coalesce(Sum("debit"), 0) - Coalesce(Sum("credit"), 0),
    )["v"]


def invoice_outstanding(invoice_id) -> int:
    """What is still owed on one invoice: its receivable lines, debit − credit."""
    return _net(JournalLine.objects.filter(invoice_id=invoice_id, account=Account.RECEIVABLE))


def invoices_outstanding(invoice_ids) -> dict:
    """``{invoice_id: still owed}`` for many invoices in one query (0 if nothing posted)."""
    ids = list(invoice_ids)
    rows = (
        JournalLine.objects.filter(invoice_id__in=ids, account=Account.RECEIVABLE)
        .values("invoice_id")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    )
    owed = {row["invoice_id"]: row["d"] - row["c"] for row in rows}
    return {pk: owed.get(pk, 0) for pk in ids}


def customer_receivable(customer_id) -> int:
    return _net(JournalLine.objects.filter(customer_id=customer_id, account=Account.RECEIVABLE))


def customer_credit_available(customer_id) -> int:
    """Customer credit (a liability: credits − debits), 0 or more."""
    return -_net(
        JournalLine.objects.filter(customer_id=customer_id, account=Account.CUSTOMER_CREDIT)
    )


def lock_rows(qs):
    """``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serializes writers already."""
    if connection.vendor == "postgresql":
        return qs.select_for_update(of=("self",))
    return qs
