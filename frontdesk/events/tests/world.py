"""The events app's records for the cross-tenant crawler: an outbox event and one
handler's run of it."""

from frontdesk.core.testing import world_builder
from frontdesk.events.models import HandlerRun
from frontdesk.events.services import event_emit


@world_builder
def events_world(org, members):
    event = event_emit(org=org, type="world.built", payload={"organization": org.slug})
    run = HandlerRun.objects.create(
        organization=org,
        event=event,
        handler="frontdesk.world.handler",
        status=HandlerRun.Status.DONE,
        attempts=1,
    )
    return [event, run]
