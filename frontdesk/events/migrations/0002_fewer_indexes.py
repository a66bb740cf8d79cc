"""Drop the outbox's single-column indexes that nothing reads (``type``; ``next_attempt_at``,
which ``outbox_pending_idx`` serves) and the handler runs' ``event`` (``handlerrun_unique``
leads with it) and ``created_at`` ones: every event and every handler run paid for them.

Only the indexes go; the columns stay as they are (``core.schema.drop_indexes``).
"""

import django.db.models.deletion
from django.db import migrations, models

from frontdesk.core.schema import drop_indexes

# (index, table, column) as Django named them; table None: a PostgreSQL-only _like index
DROPPED = [
    ("events_outboxevent_type_828dcf7e", "events_outboxevent", "type"),
    ("events_outboxevent_type_828dcf7e_like", None, None),
    ("events_outboxevent_next_attempt_at_60864801", "events_outboxevent", "next_attempt_at"),
    ("events_handlerrun_event_id_84b40438", "events_handlerrun", "event_id"),
    ("events_handlerrun_created_at_efb9b027", "events_handlerrun", "created_at"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=drop_indexes(DROPPED),
            state_operations=[
                migrations.AlterField(
                    model_name="handlerrun",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
                migrations.AlterField(
                    model_name="handlerrun",
                    name="event",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="runs",
                        to="events.outboxevent",
                    ),
                ),
                migrations.AlterField(
                    model_name="outboxevent",
                    name="next_attempt_at",
                    field=models.DateTimeField(blank=True, null=True),
                ),
                migrations.AlterField(
                    model_name="outboxevent",
                    name="type",
                    field=models.CharField(max_length=64),
                ),
            ],
        ),
    ]
