"""Drop the single-column indexes of the customer tables that a composite index or a
unique constraint already leads with (organization, customer), and the ``created_at``
ones nothing reads (``customer_org_created_idx`` serves the customer lists): a large
import writes five rows per customer and paid for each of these on every row.

Only the indexes go (``DROP INDEX``, instant); the columns stay as they are. On SQLite an
``AlterField`` would rebuild each table, so the database side is plain SQL and the
``AlterField`` operations only record the new field definitions in the migration state.
"""

import django.db.models.deletion
from django.db import migrations, models

from frontdesk.core.schema import drop_indexes

# (index, table, column) as Django named them in 0001
DROPPED = [
    ("customers_customer_created_at_b0f7c38c", "customers_customer", "created_at"),
    ("customers_customer_organization_id_dc486906", "customers_customer", "organization_id"),
    ("customers_customerphone_created_at_82fd8f8a", "customers_customerphone", "created_at"),
    ("customers_customerphone_customer_id_f2850eb1", "customers_customerphone", "customer_id"),
    (
        "customers_customerphone_organization_id_2084e4ad",
        "customers_customerphone",
        "organization_id",
    ),
    ("customers_customeremail_created_at_c587a727", "customers_customeremail", "created_at"),
    ("customers_customeremail_customer_id_1fe27408", "customers_customeremail", "customer_id"),
    (
        "customers_customeremail_organization_id_4807bade",
        "customers_customeremail",
        "organization_id",
    ),
    ("customers_customeraddress_created_at_42b53ae1", "customers_customeraddress", "created_at"),
    (
        "customers_customeraddress_organization_id_5ca0d98c",
        "customers_customeraddress",
        "organization_id",
    ),
    ("customers_customertag_created_at_aac8c23b", "customers_customertag", "created_at"),
    ("customers_customertag_customer_id_bd0af7af", "customers_customertag", "customer_id"),
    ("customers_customertag_organization_id_10b1713d", "customers_customertag", "organization_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_not_duplicate"),
        ("organizations", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=drop_indexes(DROPPED),
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="customer",
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
                    model_name="customeraddress",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="customeraddress",
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
                    model_name="customeremail",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="customeremail",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="emails",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="customeremail",
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
                    model_name="customerphone",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="customerphone",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="phones",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="customerphone",
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
                    model_name="customertag",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="customertag",
                    name="customer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tags",
                        to="customers.customer",
                    ),
                ),
                migrations.AlterField(
                    model_name="customertag",
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
