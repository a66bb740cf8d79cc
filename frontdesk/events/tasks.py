"""Job entry points of the outbox. They take ids and reload; safe to run twice."""

import logging
from datetime import timedelta

from django.utils import timezone

from frontdesk.core.tenancy import operator_scope
from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import event_dispatch_by_id, events_dispatch, pending_events_q
from frontdesk.organizations.models import Organization

log = logging.getLogger(__name__)

# An event younger than this is left to the dispatch job queued with it.
SWEEP_GRACE_SECONDS = 30


def event_dispatch(event_id: str) -> None:
    with operator_scope():
        org_id = (
            OutboxEvent.objects.filter(pk=event_id)
            .values_list("organization_id", flat=True)
            .first()
        )
    if org_id is None:
        return
    event_dispatch_by_id(org=Organization.objects.get(pk=org_id), event_id=event_id)


def events_dispatch_many(org_id: str, event_ids: list[str]) -> None:
    """Dispatch the events of one organization emitted together (``event_emit_many``),
    each handler on all of them at once; one event's failure is logged, retried with
    backoff, and does not stop the others."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return
    events_dispatch(org=org, event_ids=event_ids)


def events_sweep(limit: int = 500) -> int:
    """Dispatch events whose queued dispatch was lost or whose handlers await a retry,
    oldest first. One event's failure is logged and does not stop the others.
    Returns how many events were looked at."""
    cutoff = timezone.now() - timedelta(seconds=SWEEP_GRACE_SECONDS)
    with operator_scope():
        pending = list(
            OutboxEvent.objects.filter(pending_events_q())
            .filter(created_at__lte=cutoff)
            .order_by("created_at", "id")
            .values_list("pk", "organization_id")[:limit]
        )
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in={p[1] for p in pending})}
    for event_id, org_id in pending:
        try:
            event_dispatch_by_id(org=orgs[org_id], event_id=event_id)
        except Exception:
            log.exception("cannot dispatch event %s", event_id)
    return len(pending)
