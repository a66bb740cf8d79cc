"""Ledger entries are immutable (SPEC rule 3): every update or delete path is refused —
the model, the queryset, and the database itself (a trigger, on SQLite and PostgreSQL)."""

import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.money.models import JournalEntry, JournalLine, LedgerImmutable


@pytest.fixture
def posted(org):
    customer = make_customer(org)
    with tenant_scope(org):
        entry = JournalEntry(
            organization_id=org.pk,
            entry_date=dt.date(2026, 1, 5),
            document_type="invoice",
            document_id=uuid.uuid4(),
            reference="INV-2026-0001",
            description="Oil change",
        )
        entry.save()
        line = JournalLine(
            organization_id=org.pk,
            entry=entry,
            entry_date=entry.entry_date,
            account="receivable",
            customer=customer,
            debit=1000,
        )
        line.save()
        JournalLine(
            organization_id=org.pk, entry=entry, entry_date=entry.entry_date,
            account="revenue", credit=1000,
        ).save()  # fmt: skip
    return entry, line, customer


def test_it_refuses_to_save_a_changed_entry_or_line(org, posted):
    entry, line, _ = posted
    with tenant_scope(org):
        entry.description = "changed"
        with pytest.raises(LedgerImmutable):
            entry.save()
        line.debit = 1
        with pytest.raises(LedgerImmutable):
            line.save()


def test_it_refuses_to_delete_an_entry_or_a_line(org, posted):
    entry, line, _ = posted
    with tenant_scope(org):
        with pytest.raises(LedgerImmutable):
            entry.delete()
        with pytest.raises(LedgerImmutable):
            line.delete()


def test_it_refuses_queryset_updates_and_deletes(org, posted):
    entry, line, _ = posted
    with tenant_scope(org):
        for model in (JournalEntry, JournalLine):
            with pytest.raises(LedgerImmutable):
                model.objects.all().update(created_at=None)
            with pytest.raises(LedgerImmutable):
                model.objects.all().delete()
            with pytest.raises(LedgerImmutable):
                model.objects.filter(pk__isnull=False).delete()
        with pytest.raises(LedgerImmutable):
            JournalLine.objects.bulk_update([line], ["debit"])
        with pytest.raises(LedgerImmutable):
            JournalEntry.objects.update_or_create(pk=entry.pk, defaults={"description": "x"})
        assert JournalLine.objects.filter(entry=entry).count() == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE money_journalentry SET description = 'changed'",
        "UPDATE money_journalline SET debit = debit + 1 WHERE debit > 0",
        "UPDATE money_journalline SET account = 'cash'",
        "DELETE FROM money_journalline",
        "DELETE FROM money_journalentry",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(org, posted, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    with tenant_scope(org):
        assert JournalLine.objects.filter(debit=1000).count() == 1
        assert JournalEntry.objects.get().description == "Oil change"


def test_only_a_merge_may_move_a_line_to_another_customer(org, posted):
    entry, line, customer = posted
    survivor = make_customer(org)
    with tenant_scope(org):
        moved = JournalLine.objects.reassign_customer(
            from_customer_id=customer.pk, to_customer_id=survivor.pk
        )
        assert moved == 1
        line = JournalLine.objects.get(pk=line.pk)
        assert (line.customer_id, line.debit, line.account) == (survivor.pk, 1000, "receivable")
