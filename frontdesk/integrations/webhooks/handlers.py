"""The outbox handler: every event becomes deliveries to the endpoints subscribed to it."""

from frontdesk.events.models import OutboxEvent
from frontdesk.events.registry import on_event
from frontdesk.integrations.webhooks.services import webhook_deliveries_for_event


@on_event("*")
def webhooks_fan_out(event: OutboxEvent) -> None:
    webhook_deliveries_for_event(event=event)
