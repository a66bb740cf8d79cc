"""The event types webhooks emit and the catalog an endpoint may subscribe to."""

from __future__ import annotations

import importlib
from functools import cache

from django.apps import apps

WEBHOOK_DISABLED = "webhook.disabled"  # {id, url, reason, consecutive_failures}
WEBHOOK_TEST = "webhook.test"  # the ping of POST /webhooks/{id}/test (not an outbox event)

EVENT_TYPES = (WEBHOOK_DISABLED,)

# SPEC section 5: the events every domain emits once it lands
SPEC_EVENT_TYPES = (
    "customer.created", "customer.updated", "customer.merged", "customer.archived",
    "customer.erased",
    "lead.created", "lead.stage_changed", "lead.converted", "lead.disqualified",
    "opportunity.won", "opportunity.lost",
    "interaction.logged", "inquiry.received", "call.missed",
    "appointment.booked", "appointment.confirmed", "appointment.completed",
    "appointment.cancelled", "appointment.no_show",
    "job.created", "job.completed",
    "invoice.issued", "invoice.paid", "payment.received",
    "loyalty.points_earned", "loyalty.points_redeemed",
    "membership.assigned", "membership.expired",
    "message.sent", "message.delivered", "message.failed", "message.blocked",
    "subscriber.subscribed", "subscriber.unsubscribed",
    "survey.completed", "survey.negative_feedback",
)  # fmt: skip


@cache
def event_catalog() -> list[str]:
    """Every event type an endpoint can subscribe to: SPEC section 5 and the
    ``EVENT_TYPES`` each installed app declares in its ``events`` module."""
    types = set(SPEC_EVENT_TYPES)
    for config in apps.get_app_configs():
        if not config.name.startswith("frontdesk."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.events")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.events":
                raise
            continue
        types.update(getattr(module, "EVENT_TYPES", ()))
    # this package's own module is not an app's ``events`` module
    types.update(EVENT_TYPES)
    return sorted(types)
