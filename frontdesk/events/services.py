"""Emitting and dispatching events.

``event_emit`` writes the event in the caller's transaction (rolled back with it) and queues
its dispatch in that same transaction (:func:`frontdesk.jobs.services.enqueue_on_commit`).
The worker's periodic sweep picks up anything whose dispatch was lost or whose handlers
await a retry.

Delivery is at least once; handlers are idempotent by event id. Each (event, handler) pair
has a ``HandlerRun`` row, claimed under a row lock and written in the same transaction as
the handler's own database effects, so a handler's database work happens exactly once even
when two workers dispatch the same event at the same moment.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from frontdesk.audit.services import jsonable
from frontdesk.core.actor import Actor
from frontdesk.core.context import current_request_id
from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import HandlerRun, OutboxEvent
from frontdesk.events.registry import Handler, handlers_for
from frontdesk.jobs.services import enqueue_on_commit

log = logging.getLogger(__name__)
BACKOFF_BASE_SECONDS = 10
BACKOFF_MAX_SECONDS = 3600
MAX_ATTEMPTS = 12


def backoff(attempts: int) -> timedelta:
    """Delay before retrying a handler that failed ``attempts`` times: 10 s, 20 s, 40 s, …
    capped at an hour."""
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def event_emit(
    *, org, type: str, payload: dict[str, Any], actor: Actor | None = None
) -> OutboxEvent:
    """Record ``type`` with ``payload`` in the caller's transaction and queue its dispatch
    for when (and only if) that transaction commits."""
    event = OutboxEvent.objects.create(
        organization_id=org.pk,
        type=type,
        payload=jsonable(payload),
        actor_label=actor.label if actor else "",
        request_id=current_request_id(),
    )
    enqueue_on_commit("frontdesk.events.tasks.event_dispatch", str(event.pk))
    return event


def event_emit_many(
    *, org, events: list[tuple[str, dict[str, Any]]], actor: Actor | None = None
) -> list[OutboxEvent]:
    """:func:`event_emit` for many events at once (a batch job's outcomes): one insert,
    and one dispatch job for all of them."""
    if not events:
        return []
    request_id = current_request_id()
    rows = OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(
                organization_id=org.pk,
                type=type,
                payload=jsonable(payload),
                actor_label=actor.label if actor else "",
                request_id=request_id,
            )
            for type, payload in events
        ]
    )
    enqueue_on_commit(
        "frontdesk.events.tasks.events_dispatch_many", str(org.pk), [str(e.pk) for e in rows]
    )
    return rows


def _handler_run(
    *, event: OutboxEvent, name: str, func: Handler, now: dt.datetime
) -> tuple[bool, dt.datetime | None]:
    """Run one handler on ``event`` unless it has completed, given up, or waits for its
    retry time. Returns (settled, next attempt time)."""
    with transaction.atomic():
        # The row lock (PostgreSQL) or the immediate transaction (SQLite) makes a second
        # dispatcher of the same event wait here, then see the first one's outcome.
        run, _ = HandlerRun.objects.select_for_update().get_or_create(
            organization_id=event.organization_id,
            event=event,
            handler=name,
            defaults={"status": HandlerRun.Status.FAILED},  # settled below, same transaction
        )
        if run.status == HandlerRun.Status.DONE or run.attempts >= MAX_ATTEMPTS:
            return True, None
        if run.next_attempt_at and run.next_attempt_at > now:
            return False, run.next_attempt_at
        run.attempts += 1
        try:
            with transaction.atomic():
                func(event)
        except Exception:
            log.exception(
                "event handler %s failed on %s %s (attempt %s)",
                name,
                event.type,
                event.pk,
                run.attempts,
            )
            run.status = HandlerRun.Status.FAILED
            run.last_error = traceback.format_exc()[-4000:]
            if run.attempts >= MAX_ATTEMPTS:
                log.error("event handler %s gave up on %s %s", name, event.type, event.pk)
                run.next_attempt_at = None
            else:
                run.next_attempt_at = now + backoff(run.attempts)
        else:
            run.status = HandlerRun.Status.DONE
            run.last_error = ""
            run.next_attempt_at = None
        run.save(
            update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"]
        )
    if run.status == HandlerRun.Status.DONE or run.attempts >= MAX_ATTEMPTS:
        return True, None
    return False, run.next_attempt_at


def event_dispatch(*, event: OutboxEvent) -> bool:
    """Run every handler of ``event`` that has not completed; True when all have.

    Each handler runs in its own transaction together with its HandlerRun record; a failing
    handler is retried with exponential backoff and blocks neither the other handlers of
    the event nor other events. A handler that failed ``MAX_ATTEMPTS`` times is given up
    (its HandlerRun keeps the last error)."""
    now = timezone.now()
    all_done = True
    next_attempt = None
    for name, func in handlers_for(event.type).items():
        settled, retry_at = _handler_run(event=event, name=name, func=func, now=now)
        if not settled:
            all_done = False
            if retry_at and (next_attempt is None or retry_at < next_attempt):
                next_attempt = retry_at
    pending = OutboxEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True)
    if all_done:
        pending.update(dispatched_at=now, next_attempt_at=None)
    else:
        pending.update(next_attempt_at=next_attempt)
    return all_done


def event_dispatch_by_id(*, org, event_id) -> bool:
    with tenant_scope(org):
        event = OutboxEvent.objects.filter(pk=event_id, dispatched_at__isnull=True).first()
        if event is None:
            return True
        return event_dispatch(event=event)


def pending_events_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(dispatched_at__isnull=True) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
