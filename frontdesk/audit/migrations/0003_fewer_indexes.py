"""Drop the audit trail's single-column indexes: ``organization`` and ``created_at`` (both
composites lead with ``organization``; ``audit_org_recent_idx`` serves the newest-first
trail) and ``object_type`` / ``object_id`` with their PostgreSQL ``_like`` twins
(``audit_object_idx`` serves a record's trail). Every write of the system adds an audit
row, and paid for six indexes nothing read.

Only the indexes go; the columns stay as they are (``core.schema.drop_indexes``).
"""

import django.db.models.deletion
from django.db import migrations, models

from frontdesk.core.schema import drop_indexes

# (index, table, column) as Django named them; table None: a PostgreSQL-only _like index
DROPPED = [
    ("audit_auditentry_organization_id_ccde4cfe", "audit_auditentry", "organization_id"),
    ("audit_auditentry_created_at_b5668ee0", "audit_auditentry", "created_at"),
    ("audit_auditentry_object_type_00e64ac4", "audit_auditentry", "object_type"),
    ("audit_auditentry_object_type_00e64ac4_like", None, None),
    ("audit_auditentry_object_id_c21697b7", "audit_auditentry", "object_id"),
    ("audit_auditentry_object_id_c21697b7_like", None, None),
]


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_audit_org_recent_idx"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=drop_indexes(DROPPED),
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="object_id",
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="object_type",
                    field=models.CharField(max_length=100),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="organizations.organization",
                    ),
                ),
            ],
        ),
    ]
