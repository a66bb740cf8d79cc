"""No double booking, enforced by PostgreSQL itself: two active (draft or confirmed)
appointments of one organization may not overlap on the same bay or the same advisor.

An exclusion constraint over ``tstzrange(starts_at, ends_at, '[)')`` (half-open, so
adjacent bookings are allowed) needs btree_gist for the ``=`` parts. SQLite has no such
constraint: there the services re-check inside an immediate (write-locked) transaction.
The services check first on both databases, so callers get a 409 naming the conflicting
appointment; these constraints are the backstop no code path can skip.
"""

from django.db import migrations

CONSTRAINTS = [
    ("appointment_no_bay_overlap", "bay_id"),
    ("appointment_no_advisor_overlap", "advisor_id"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS:
        schema_editor.execute(
            f"ALTER TABLE scheduling_appointment ADD CONSTRAINT {name} EXCLUDE USING gist ("
            f" organization_id WITH =, {column} WITH =,"
            " tstzrange(starts_at, ends_at, '[)') WITH &&"
            f") WHERE (status IN ('draft', 'confirmed') AND {column} IS NOT NULL)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in CONSTRAINTS:
        schema_editor.execute(
            f"ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS {name}"
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
