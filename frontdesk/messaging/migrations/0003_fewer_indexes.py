"""Drop the message table's single-column indexes: ``organization`` and ``customer`` (the
composites lead with ``organization`` and ``message_org_customer`` serves a customer's
messages), ``created_at`` (``message_org_recent`` serves the lists) and the foreign keys to
the template and the staff who created or approved a message (nothing looks messages up
by them). A fan-out writes every message three or four times, and each write of a row
went through all 13 indexes; 7 are left.

Only the indexes go; the columns stay as they are (``core.schema.drop_indexes``).
"""

import django.db.models.deletion
from django.db import migrations, models

from frontdesk.core.schema import drop_indexes

# (index, table, column) as Django named them; table None: a PostgreSQL-only _like index
DROPPED = [
    ("messaging_message_organization_id_360faf91", "messaging_message", "organization_id"),
    ("messaging_message_created_at_f4945c0f", "messaging_message", "created_at"),
    ("messaging_message_customer_id_8d410b21", "messaging_message", "customer_id"),
    ("messaging_message_template_id_922791e8", "messaging_message", "template_id"),
    ("messaging_message_created_by_id_8c40f7ec", "messaging_message", "created_by_id"),
    ("messaging_message_approved_by_id_ef20196f", "messaging_message", "approved_by_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_contact_rows_fewer_indexes"),
        ("messaging", "0002_early_status"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=drop_indexes(DROPPED),
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="approved_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="organizations.membership",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="created_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="organizations.membership",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="messages",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="organizations.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="template",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="messaging.messagetemplate",
                    ),
                ),
            ],
        ),
    ]
