"""Drop the interaction table's single-column indexes that a composite already leads with
(``organization``; ``customer``, ``lead`` and ``opportunity``, which lead the timeline, lead
and opportunity indexes) and the unread ``created_at`` one: every logged call, message and
note paid for them (12 indexes; 7 are left).

Only the indexes go; the columns stay as they are (``core.schema.drop_indexes``).
"""

import django.db.models.deletion
from django.db import migrations, models

from frontdesk.core.schema import drop_indexes

# (index, table, column) as Django named them in 0001
DROPPED = [
    ("pipeline_interaction_organization_id_abaf62f3", "pipeline_interaction", "organization_id"),
    ("pipeline_interaction_created_at_26e90e40", "pipeline_interaction", "created_at"),
    ("pipeline_interaction_customer_id_89aaa3e7", "pipeline_interaction", "customer_id"),
    ("pipeline_interaction_lead_id_b9c70ad1", "pipeline_interaction", "lead_id"),
    ("pipeline_interaction_opportunity_id_18c4a9c7", "pipeline_interaction", "opportunity_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_contact_rows_fewer_indexes"),
        ("organizations", "0001_initial"),
        ("pipeline", "0002_followup_index_with_lead"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=drop_indexes(DROPPED),
            state_operations=[
                migrations.AlterField(
                    model_name="interaction",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="interaction",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="interactions",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="interaction",
                    name="lead",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="interactions",
                        to="pipeline.lead",
                    ),
                ),
                migrations.AlterField(
                    model_name="interaction",
                    name="opportunity",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="interactions",
                        to="pipeline.opportunity",
                    ),
                ),
                migrations.AlterField(
                    model_name="interaction",
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
