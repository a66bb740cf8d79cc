"""An event handler for the real-worker tests. Never imported by the test process itself:
the worker subprocess loads it through FRONTDESK_EVENT_HANDLER_MODULES."""

from frontdesk.events.registry import on_event
from frontdesk.jobs.tests.tasks import probe

WORKER_PROBE_EVENT = "tests.worker_probe"


@on_event(WORKER_PROBE_EVENT)
def worker_probe_handler(event) -> None:
    probe(event.organization_id, str(event.pk), "handled")
