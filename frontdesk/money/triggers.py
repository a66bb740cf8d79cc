"""Database triggers that make the ledger append-only for every writer (SPEC rule 3).

Installed by migration 0001 on PostgreSQL and SQLite. UPDATE and DELETE of a journal entry
are refused; a journal line may only change its ``customer_id`` (a merge moving the line
to the surviving customer), nothing else. TRUNCATE (an operator wiping a test database)
is not a row operation and is not refused.
"""

LINE_COLUMNS = (
    "id",
    "organization_id",
    "created_at",
    "updated_at",
    "entry_id",
    "entry_date",
    "account",
    "invoice_id",
    "debit",
    "credit",
)

PG_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION money_ledger_immutable() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'money_journalline'
         AND (to_jsonb(NEW) - 'customer_id') = (to_jsonb(OLD) - 'customer_id') THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'ledger rows are immutable: % on % refused', TG_OP, TG_TABLE_NAME;
    END
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER money_journalentry_immutable BEFORE UPDATE OR DELETE ON money_journalentry"
    " FOR EACH ROW EXECUTE FUNCTION money_ledger_immutable()",
    "CREATE TRIGGER money_journalline_immutable BEFORE UPDATE OR DELETE ON money_journalline"
    " FOR EACH ROW EXECUTE FUNCTION money_ledger_immutable()",
]
PG_UNINSTALL = [
    "DROP TRIGGER IF EXISTS money_journalentry_immutable ON money_journalentry",
    "DROP TRIGGER IF EXISTS money_journalline_immutable ON money_journalline",
    "DROP FUNCTION IF EXISTS money_ledger_immutable()",
]

_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in LINE_COLUMNS)
_abort = "BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable'); END"
SQLITE_INSTALL = [
    f"CREATE TRIGGER money_journalentry_no_update BEFORE UPDATE ON money_journalentry {_abort}",
    f"CREATE TRIGGER money_journalentry_no_delete BEFORE DELETE ON money_journalentry {_abort}",
    f"CREATE TRIGGER money_journalline_no_update BEFORE UPDATE ON money_journalline"
    f" WHEN {_changed} {_abort}",
    f"CREATE TRIGGER money_journalline_no_delete BEFORE DELETE ON money_journalline {_abort}",
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS money_journalentry_no_update",
    "DROP TRIGGER IF EXISTS money_journalentry_no_delete",
    "DROP TRIGGER IF EXISTS money_journalline_no_update",
    "DROP TRIGGER IF EXISTS money_journalline_no_delete",
]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return PG_INSTALL if install else PG_UNINSTALL
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_UNINSTALL
    return []


def install(schema_editor) -> None:
    for sql in _statements(schema_editor.connection.vendor, True):
        schema_editor.execute(sql, params=None)


def uninstall(schema_editor) -> None:
    for sql in _statements(schema_editor.connection.vendor, False):
        schema_editor.execute(sql, params=None)


def forwards(apps, schema_editor):
    install(schema_editor)


def backwards(apps, schema_editor):
    uninstall(schema_editor)
