"""Schema helpers for migrations."""

from __future__ import annotations

from django.db import migrations


def drop_indexes(dropped: list[tuple[str, str | None, str | None]]) -> list[migrations.RunSQL]:
    """``DROP INDEX`` for each ``(index, table, column)``, reversible by ``CREATE INDEX``.

    For a migration that only drops single-column indexes: on SQLite an ``AlterField``
    (``db_index=False``) would rebuild the whole table, so the database side is this plain
    SQL inside ``SeparateDatabaseAndState`` and the ``AlterField`` operations only record
    the new field definitions. ``IF EXISTS``: a PostgreSQL-only index (the ``_like``
    twin of a ``CharField`` index, given with table ``None``) is simply absent on SQLite,
    and is not recreated when the migration is reversed."""
    return [
        migrations.RunSQL(
            f'DROP INDEX IF EXISTS "{name}"',
            reverse_sql=(
                f'CREATE INDEX "{name}" ON "{table}" ("{column}")'
                if table
                else migrations.RunSQL.noop
            ),
        )
        for name, table, column in dropped
    ]
