"""Search structures that differ by database (see search.py).

PostgreSQL: the key columns get the "C" collation, so that a prefix is exactly a byte
range and the (organization, key, id) b-trees both filter and order type-ahead queries;
pg_trgm GIN indexes serve multi-word token search and phone fragments.
SQLite: two FTS5 tables, one per customer each, kept in step by ``search.index_customers``
(not triggers: they would slow imports several times).
"""

from django.db import migrations

C_COLUMNS = [
    ("customers_customer", "name_key", 200),
    ("customers_customer", "last_first_key", 200),
    ("customers_customer", "company_key", 200),
    ("customers_company", "name_key", 200),
    ("customers_customeremail", "key", 254),
    ("customers_customerphone", "digits", 20),
    ("customers_customeraddress", "key", 240),
    ("customers_vehicle", "vin", 17),
    ("customers_vehicle", "plate_key", 16),
]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *[
        f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE varchar({size}) COLLATE "C"'
        for table, column, size in C_COLUMNS
    ],
    "CREATE INDEX customer_search_trgm_idx ON customers_customer"
    " USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX customerphone_digits_trgm_idx ON customers_customerphone"
    " USING gin (digits gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS customerphone_digits_trgm_idx",
    "DROP INDEX IF EXISTS customer_search_trgm_idx",
    *[
        f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE varchar({size}) COLLATE "default"'
        for table, column, size in C_COLUMNS
    ],
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE customers_customer_fts USING fts5("
    "customer_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')",
    "CREATE VIRTUAL TABLE customers_phone_fts USING fts5("
    "customer_id UNINDEXED, body, tokenize = 'trigram')",
]
SQLITE_BACKWARD = [
    "DROP TABLE IF EXISTS customers_phone_fts",
    "DROP TABLE IF EXISTS customers_customer_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
