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
from django.db.models import F, Q
from django.utils import timezone

from frontdesk.audit.services import jsonable
from frontdesk.core.actor import Actor
from frontdesk.core.context import current_request_id
from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import HandlerRun, OutboxEvent
from frontdesk.events.registry import Handler, batch_memo, handlers_for
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


def _attempt(
    *, run: HandlerRun, event: OutboxEvent, name: str, func: Handler, now: dt.datetime
) -> bool:
    """One more attempt of ``func`` on ``event`` (in a savepoint); True when it completed.
    A failure is written onto ``run`` (error, next attempt with backoff, or given up); the
    caller saves it."""
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
        return False
    return True


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
        if _attempt(run=run, event=event, name=name, func=func, now=now):
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


def events_dispatch(*, org, event_ids) -> int:
    """:func:`event_dispatch` for many events of ``org`` at once (those ``event_emit_many``
    wrote together: a sending batch's ``message.sent``). Returns how many are now fully
    dispatched.

    Each handler takes the batch in one transaction of its own: its ``HandlerRun`` rows
    are created (``ignore_conflicts``) and locked together, it runs on each event in a
    savepoint (a failure rolls back that event's effects only, and is retried with
    backoff as one by one), and the runs are recorded in bulk — a handful of statements
    per handler and batch instead of about ten per event and handler. A second dispatcher
    of the same events waits on the rows and then finds them done. Handlers may look up
    what all events of the batch need once (:func:`~frontdesk.events.registry.memoized`)."""
    now = timezone.now()
    with tenant_scope(org), batch_memo():
        events = list(
            OutboxEvent.objects.filter(pk__in=list(event_ids), dispatched_at__isnull=True)
            # as emitted, and one lock order for every dispatcher
            .order_by("created_at", "pk")
        )
        if not events:
            return 0
        pending: dict = {event.pk: None for event in events}  # event id -> next attempt
        settled: dict = {event.pk: True for event in events}
        by_handler: dict[str, tuple[Handler, list[OutboxEvent]]] = {}
        for event in events:
            for name, func in handlers_for(event.type).items():
                by_handler.setdefault(name, (func, []))[1].append(event)
        for name, (func, batch) in by_handler.items():
            try:
                unsettled = _handler_run_many(org=org, name=name, func=func, events=batch, now=now)
            except Exception:  # say, a deadlock: the sweep dispatches these events again
                log.exception("cannot run event handler %s on %s events", name, len(batch))
                unsettled = [(event.pk, None) for event in batch]
            for event_id, retry_at in unsettled:
                settled[event_id] = False
                if retry_at and (pending[event_id] is None or retry_at < pending[event_id]):
                    pending[event_id] = retry_at
        done = [pk for pk, ok in settled.items() if ok]
        OutboxEvent.objects.filter(pk__in=done, dispatched_at__isnull=True).update(
            dispatched_at=now, next_attempt_at=None
        )
        waiting: dict = {}
        for pk, ok in settled.items():
            if not ok:
                waiting.setdefault(pending[pk], []).append(pk)
        for retry_at, pks in waiting.items():
            OutboxEvent.objects.filter(pk__in=pks, dispatched_at__isnull=True).update(
                next_attempt_at=retry_at
            )
    return len(done)


def _handler_run_many(
    *, org, name: str, func: Handler, events: list[OutboxEvent], now: dt.datetime
) -> list[tuple]:
    """Run handler ``name`` on each of ``events`` that it has not completed, given up or
    wait for a retry of; one transaction. Returns (event id, next attempt time) of the
    events it has not settled."""
    unsettled = []
    with transaction.atomic():
        HandlerRun.objects.bulk_create(
            [
                HandlerRun(
                    organization_id=org.pk,
                    event=event,
                    handler=name,
                    status=HandlerRun.Status.FAILED,  # settled below, same transaction
                )
                for event in events
            ],
            ignore_conflicts=True,
        )
        runs = {
            run.event_id: run
            for run in HandlerRun.objects.select_for_update()
            .filter(event__in=[e.pk for e in events], handler=name)
            .order_by("event_id")
        }
        done, failed = [], []
        for event in events:
            run = runs[event.pk]
            if run.status == HandlerRun.Status.DONE or run.attempts >= MAX_ATTEMPTS:
                continue
            if run.next_attempt_at and run.next_attempt_at > now:
                unsettled.append((event.pk, run.next_attempt_at))
                continue
            if _attempt(run=run, event=event, name=name, func=func, now=now):
                done.append(run.pk)
            else:
                if run.next_attempt_at:
                    unsettled.append((event.pk, run.next_attempt_at))
                failed.append(run)
        # the runs are locked: attempts + 1 in the database is the count set above
        HandlerRun.objects.filter(pk__in=done).update(
            status=HandlerRun.Status.DONE,
            attempts=F("attempts") + 1,
            last_error="",
            next_attempt_at=None,
            updated_at=now,
        )
        for run in failed:
            run.save(
                update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"]
            )
    return unsettled


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
