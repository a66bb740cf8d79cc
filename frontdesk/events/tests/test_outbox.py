"""The transactional outbox: written with the change, dispatched at least once after commit,
handlers idempotent by event id, failures retried with backoff without blocking anything."""

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.conf import settings
from django.db import connections, transaction
from django.test import override_settings

from frontdesk.core.tenancy import tenant_scope
from frontdesk.events import tasks as event_tasks
from frontdesk.events.models import HandlerRun, OutboxEvent
from frontdesk.events.registry import (
    handler_name,
    handlers_isolated,
    memoized,
    on_event,
    unregister,
)
from frontdesk.events.services import event_dispatch, event_emit, event_emit_many, events_dispatch
from frontdesk.events.tasks import SWEEP_GRACE_SECONDS

T0 = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


class Recorder:
    """Registers test handlers by name; each records the events it saw and can be told to
    fail. Every handler is unregistered at teardown."""

    def __init__(self):
        self.calls: dict[str, list[str]] = {}
        self.failing: set[str] = set()
        self.registered = []

    def handler(self, label: str, *event_types: str):
        def handle(event):
            self.calls[label].append(str(event.pk))
            if label in self.failing:
                raise RuntimeError(f"{label} is down")

        handle.__qualname__ = f"test_handler_{label}"
        self.calls[label] = []
        self.registered.append(on_event(*event_types)(handle))
        return handle

    def teardown(self):
        for func in self.registered:
            unregister(func)


@pytest.fixture
def recorder():
    """Only the test's handlers run (not the apps', such as webhooks on ``*``)."""
    with handlers_isolated():
        rec = Recorder()
        yield rec
        rec.teardown()


def emit(org, type="tests.thing", **payload):
    with transaction.atomic():
        return event_emit(org=org, type=type, payload=payload)


def test_it_leaves_no_event_and_dispatches_nothing_when_the_transaction_rolls_back(
    org, in_org, recorder, django_capture_on_commit_callbacks
):
    recorder.handler("a", "tests.thing")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, in_org():
        with pytest.raises(RuntimeError), transaction.atomic():
            event_emit(org=org, type="tests.thing", payload={"n": 1})
            raise RuntimeError("the change fails")
        assert not OutboxEvent.objects.exists()
    assert callbacks == []
    assert recorder.calls["a"] == []


def test_it_dispatches_a_committed_event_once_to_every_registered_handler(
    org, in_org, recorder, django_capture_on_commit_callbacks
):
    recorder.handler("a", "tests.thing")
    recorder.handler("b", "tests.thing", "tests.other")
    recorder.handler("c", "tests.other")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, in_org():
        event = emit(org, n=1)
        assert recorder.calls["a"] == []  # nothing runs before the commit
    assert len(callbacks) == 1
    assert recorder.calls == {"a": [str(event.pk)], "b": [str(event.pk)], "c": []}
    with in_org():
        event.refresh_from_db()
        assert event.dispatched_at is not None
        runs = HandlerRun.objects.filter(event=event)
        assert {(r.handler.rsplit(".", 1)[1], r.status, r.attempts) for r in runs} == {
            ("test_handler_a", "done", 1),
            ("test_handler_b", "done", 1),
        }


def test_it_hands_handlers_the_payload_and_the_context_of_the_event(
    org, in_org, recorder, django_capture_on_commit_callbacks
):
    seen = []

    def capture(event):
        seen.append(event.as_message())

    recorder.registered.append(on_event("tests.thing")(capture))
    with django_capture_on_commit_callbacks(execute=True), in_org():
        event = emit(org, when=T0, amount=12345)
    assert seen == [
        {
            "id": str(event.pk),
            "type": "tests.thing",
            "organization_id": str(org.pk),
            "occurred_at": event.created_at.isoformat(),
            "data": {"when": T0.isoformat(), "amount": 12345},
        }
    ]


def test_it_does_not_rerun_completed_handlers_when_an_event_is_delivered_again(
    org, in_org, recorder, django_capture_on_commit_callbacks
):
    recorder.handler("a", "tests.thing")
    recorder.handler("b", "tests.thing")
    recorder.failing.add("b")
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True), in_org():
            event = emit(org)
        assert recorder.calls == {"a": [str(event.pk)], "b": [str(event.pk)]}

        # a redelivery (the queued job ran twice, or a sweep) while b waits for its retry
        event_tasks.event_dispatch(str(event.pk))
        assert recorder.calls == {"a": [str(event.pk)], "b": [str(event.pk)]}

        recorder.failing.clear()
        clock.shift(dt.timedelta(minutes=5))
        event_tasks.event_dispatch(str(event.pk))
        assert recorder.calls == {"a": [str(event.pk)], "b": [str(event.pk)] * 2}

        # and once everything is done, a late duplicate delivery changes nothing
        event_tasks.event_dispatch(str(event.pk))
        with in_org():
            event.refresh_from_db()
            event_dispatch(event=event)
    assert recorder.calls == {"a": [str(event.pk)], "b": [str(event.pk)] * 2}


def test_it_retries_a_failing_handler_with_exponential_backoff(
    org, in_org, recorder, django_capture_on_commit_callbacks
):
    recorder.handler("flaky", "tests.thing")
    recorder.failing.add("flaky")
    name = handler_name(recorder.registered[0])
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True), in_org():
            event = emit(org)

        def run():
            with in_org():
                return HandlerRun.objects.get(event=event, handler=name)

        delays = []
        for attempt in range(1, 5):
            current = run()
            assert current.status == "failed"
            assert current.attempts == attempt
            assert "flaky is down" in current.last_error
            delays.append((current.next_attempt_at - dt.datetime.now(dt.UTC)).total_seconds())
            with in_org():
                event.refresh_from_db()
            assert event.next_attempt_at == current.next_attempt_at
            assert event.dispatched_at is None

            # the sweep leaves it alone until its time has come
            clock.move_to(current.next_attempt_at - dt.timedelta(seconds=1))
            event_tasks.events_sweep()
            assert len(recorder.calls["flaky"]) == attempt
            clock.move_to(
                max(
                    current.next_attempt_at,
                    event.created_at + dt.timedelta(seconds=SWEEP_GRACE_SECONDS),
                )
            )
            event_tasks.events_sweep()
            assert len(recorder.calls["flaky"]) == attempt + 1

        recorder.failing.clear()
        clock.move_to(run().next_attempt_at)
        assert event_tasks.events_sweep() == 1

    assert delays == [10, 20, 40, 80]
    assert (run().status, run().attempts) == ("done", 6)
    with in_org():
        event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.next_attempt_at is None


def test_a_failing_handler_blocks_neither_the_other_handlers_nor_other_events(
    org, other_org, in_org, recorder, django_capture_on_commit_callbacks
):
    recorder.handler("broken", "tests.thing")
    recorder.handler("fine", "tests.thing", "tests.other")
    recorder.failing.add("broken")
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            with in_org():
                first = emit(org)
                second = emit(org, type="tests.other")
            with in_org(other_org):
                third = emit(other_org)
        assert recorder.calls["fine"] == [str(first.pk), str(second.pk), str(third.pk)]
        assert recorder.calls["broken"] == [str(first.pk), str(third.pk)]

        clock.shift(dt.timedelta(minutes=2))
        with in_org():
            late = emit(org, type="tests.other")  # its queued dispatch is lost
        clock.shift(dt.timedelta(minutes=2))
        assert event_tasks.events_sweep() == 3  # first and third (retry), late (lost)
    assert recorder.calls["fine"] == [str(e.pk) for e in (first, second, third, late)]
    # (the clock stood still: same created_at, so the sweep's order between them is by id)
    assert sorted(recorder.calls["broken"][2:]) == sorted([str(first.pk), str(third.pk)])
    with in_org():
        assert OutboxEvent.objects.get(pk=second.pk).dispatched_at is not None
        assert OutboxEvent.objects.get(pk=late.pk).dispatched_at is not None
        assert OutboxEvent.objects.get(pk=first.pk).dispatched_at is None


def test_the_sweep_dispatches_events_whose_enqueue_was_lost(org, in_org, recorder):
    recorder.handler("a", "tests.thing")
    with time_machine.travel(T0, tick=False) as clock:
        # no on-commit capture: the test transaction never commits, so the queued
        # dispatch never happens, as when a process dies between commit and enqueue
        with in_org():
            event = emit(org)
        assert recorder.calls["a"] == []

        clock.shift(dt.timedelta(seconds=SWEEP_GRACE_SECONDS - 1))
        assert event_tasks.events_sweep() == 0  # young events are left to their own job
        assert recorder.calls["a"] == []

        clock.shift(dt.timedelta(seconds=1))
        assert event_tasks.events_sweep() == 1
        assert recorder.calls["a"] == [str(event.pk)]

        clock.shift(dt.timedelta(minutes=1))
        assert event_tasks.events_sweep() == 0
    assert recorder.calls["a"] == [str(event.pk)]
    with in_org():
        event.refresh_from_db()
    assert event.dispatched_at == T0 + dt.timedelta(seconds=SWEEP_GRACE_SECONDS)


def test_an_event_without_handlers_is_marked_dispatched(
    org, in_org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), in_org():
        event = emit(org, type="tests.nobody_listens")
    with in_org():
        event.refresh_from_db()
    assert event.dispatched_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_workers_dispatching_one_event_at_once_run_each_handler_once(org, recorder):
    """The sweep and the queued job (or two workers) may pick the same event together."""
    recorder.handler("slow", "tests.thing")
    started = threading.Barrier(2)
    original = recorder.registered[0]

    def slow_handler(event):
        time.sleep(0.3)  # long enough for the second dispatcher to arrive meanwhile
        original(event)

    unregister(original)
    slow_handler.__qualname__ = original.__qualname__
    on_event("tests.thing")(slow_handler)
    recorder.registered.append(slow_handler)

    with tenant_scope(org), override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": False}):
        event = event_emit(org=org, type="tests.thing", payload={})  # queued, not run
    errors = []

    def dispatch():
        try:
            started.wait(timeout=5)
            event_tasks.event_dispatch(str(event.pk))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert recorder.calls["slow"] == [str(event.pk)]
    with tenant_scope(org):
        run = HandlerRun.objects.get(event=event)
        assert (run.status, run.attempts) == ("done", 1)
        assert OutboxEvent.objects.get(pk=event.pk).dispatched_at is not None


# --- many at once: event_emit_many and the batch dispatch ---------------------------------
def emit_many(org, n, type="tests.thing"):
    with transaction.atomic():
        return event_emit_many(org=org, events=[(type, {"n": i}) for i in range(n)])


def test_events_emitted_together_are_dispatched_together_once_to_every_handler(
    org, in_org, recorder, django_capture_on_commit_callbacks
):
    recorder.handler("a", "tests.thing")
    recorder.handler("b", "tests.thing", "tests.other")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, in_org():
        events = emit_many(org, 5)
        assert recorder.calls["a"] == []  # nothing runs before the commit
    assert len(callbacks) == 1  # one dispatch job for the batch
    ids = [str(e.pk) for e in events]
    assert recorder.calls == {"a": ids, "b": ids}  # in the order they were emitted
    with in_org():
        assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
        assert sorted(HandlerRun.objects.values_list("status", "attempts")) == [("done", 1)] * 10

    # delivered again (the job ran twice, or a sweep): nothing runs twice
    event_tasks.events_dispatch_many(str(org.pk), ids)
    with in_org():
        assert events_dispatch(org=org, event_ids=[e.pk for e in events]) == 0
    assert recorder.calls == {"a": ids, "b": ids}


def test_in_a_batch_a_failing_event_is_rolled_back_and_retried_alone(
    org, in_org, recorder, django_capture_on_commit_callbacks
):
    """The handler's database work and its run record share a transaction per batch;
    one event's failure rolls back that event's work only."""
    broken: set[str] = set()

    def write_then_maybe_fail(event):
        OutboxEvent.objects.create(
            organization_id=event.organization_id,
            type="tests.effect",
            payload={"of": str(event.pk)},
            dispatched_at=T0,  # (not for the sweep)
        )
        if str(event.pk) in broken:
            raise RuntimeError("this one is down")

    write_then_maybe_fail.__qualname__ = "test_handler_effect"
    recorder.registered.append(on_event("tests.thing")(write_then_maybe_fail))
    recorder.handler("fine", "tests.thing")
    name = handler_name(write_then_maybe_fail)
    with time_machine.travel(T0, tick=False) as clock:
        with in_org():
            events = emit_many(org, 3)  # (no capture: the test dispatches them itself)
        broken.add(str(events[1].pk))
        event_tasks.events_dispatch_many(str(org.pk), [str(e.pk) for e in events])

        with in_org():
            effects = OutboxEvent.objects.filter(type="tests.effect")
            assert sorted(e.payload["of"] for e in effects) == sorted(
                [str(events[0].pk), str(events[2].pk)]
            )
            run = HandlerRun.objects.get(event=events[1], handler=name)
            assert (run.status, run.attempts) == ("failed", 1)
            assert "this one is down" in run.last_error
            assert run.next_attempt_at == T0 + dt.timedelta(seconds=10)
            pending = OutboxEvent.objects.filter(type="tests.thing", dispatched_at__isnull=True)
            assert [(e.pk, e.next_attempt_at) for e in pending] == [
                (events[1].pk, run.next_attempt_at)
            ]
        assert len(recorder.calls["fine"]) == 3  # the other handler was not held up

        broken.clear()
        clock.shift(dt.timedelta(seconds=SWEEP_GRACE_SECONDS))
        assert event_tasks.events_sweep() == 1
    with in_org():
        assert OutboxEvent.objects.filter(type="tests.effect").count() == 3
        run.refresh_from_db()
        assert (run.status, run.attempts) == ("done", 2)
        assert not OutboxEvent.objects.filter(
            type="tests.thing", dispatched_at__isnull=True
        ).exists()
    assert len(recorder.calls["fine"]) == 3


def test_a_batch_dispatch_costs_a_few_statements_per_handler_not_per_event_and_handler(
    org, in_org, recorder, django_assert_max_num_queries
):
    looked_up = []

    def uses_a_lookup(event):
        memoized("the lookup", lambda: looked_up.append(event.pk))

    uses_a_lookup.__qualname__ = "test_handler_lookup"
    recorder.registered.append(on_event("tests.thing")(uses_a_lookup))
    recorder.handler("a", "tests.thing")
    with in_org():
        events = emit_many(org, 50)
    # per handler: insert, lock, update; per event and handler: a savepoint (2 statements)
    with django_assert_max_num_queries(20 + 2 * 2 * 50):
        event_tasks.events_dispatch_many(str(org.pk), [str(e.pk) for e in events])
    assert looked_up == [events[0].pk]  # once for the batch
    assert len(recorder.calls["a"]) == 50
    assert memoized("outside", lambda: 1) == 1  # outside a batch: computed every time


@pytest.mark.django_db(transaction=True)
def test_two_workers_dispatching_one_batch_at_once_run_each_handler_once(org, recorder):
    recorder.handler("slow", "tests.thing")
    original = recorder.registered[0]

    def slow_handler(event):
        time.sleep(0.05)
        original(event)

    unregister(original)
    slow_handler.__qualname__ = original.__qualname__
    on_event("tests.thing")(slow_handler)
    recorder.registered.append(slow_handler)
    with tenant_scope(org), override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": False}):
        events = emit_many(org, 6)  # queued, not run
    ids = [str(e.pk) for e in events]
    started = threading.Barrier(2)
    errors = []

    def dispatch():
        try:
            started.wait(timeout=5)
            event_tasks.events_dispatch_many(str(org.pk), ids)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(recorder.calls["slow"]) == sorted(ids)
    with tenant_scope(org):
        assert sorted(HandlerRun.objects.values_list("status", "attempts")) == [("done", 1)] * 6
        assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
