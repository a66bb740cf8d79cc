"""A real ``frontdesk worker`` against the test database: ``kill -9`` mid-job loses nothing,
and events emitted while no worker runs are dispatched once one starts.

How it holds (django-q2's ORM broker, ``django_q/brokers/orm.py``): a worker claims a queued
job by setting its row's ``lock`` to now + ``retry`` and deletes the row only when the job
is done. A killed worker leaves the row behind; once the lock expires any worker takes the
job again. Here ``timeout`` is 3 s and ``retry`` 4 s, so the job comes back within seconds.
"""

import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_q.models import OrmQ, Success

from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import HandlerRun, OutboxEvent
from frontdesk.events.services import event_emit
from frontdesk.events.tasks import SWEEP_GRACE_SECONDS
from frontdesk.jobs.services import enqueue
from frontdesk.jobs.tests.tasks import probes

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "FRONTDESK_JOBS_SYNC": "0",
    "FRONTDESK_JOB_TIMEOUT": "3",
    "FRONTDESK_JOB_RETRY": "4",
    "FRONTDESK_JOB_POLL": "0.1",
    "FRONTDESK_WORKER_PROCESSES": "1",
    "FRONTDESK_EVENT_HANDLER_MODULES": "frontdesk.events.tests.worker_handlers",
}
WORKER_PROBE_EVENT = "tests.worker_probe"  # handled in the worker by worker_handlers.py


@pytest.fixture
def queue_for_real():
    """In this process, queue jobs into the database instead of running them inline."""
    with override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": False}):
        yield


@pytest.fixture
def start_worker(frontdesk_process):
    return lambda: frontdesk_process(["worker"], **WORKER_ENV)


JOB = "frontdesk.jobs.tests.tasks.record_and_sleep"


def queued(func):
    """The queue rows of jobs calling ``func``."""
    return [row for row in OrmQ.objects.all() if row.task["func"] == func]


def stages(org, marker):
    return [p["stage"] for p in probes(org, marker)]


def test_a_job_interrupted_by_kill_9_runs_again_after_restart(
    org, queue_for_real, start_worker, wait_for
):
    marker = f"job-{uuid.uuid4().hex[:8]}"
    enqueue(JOB, str(org.pk), marker, 1.5)
    assert len(queued(JOB)) == 1

    first = start_worker()
    wait_for(
        lambda: stages(org, marker) == ["started"],
        timeout=20,
        what="the job to start",
        log=first.output,
    )
    first.kill_hard()  # kill -9 the worker and all its processes, mid-job
    assert stages(org, marker) == ["started"]
    [claimed] = queued(JOB)  # the job is still queued, locked by the dead worker
    assert claimed.lock > timezone.now()

    second = start_worker()
    wait_for(
        lambda: "finished" in stages(org, marker),
        timeout=20,
        what="the job to run again and finish",
        log=second.output,
    )
    wait_for(lambda: not queued(JOB), timeout=10, what="the job to be acknowledged")
    assert stages(org, marker) == ["started", "started", "finished"]
    assert Success.objects.filter(func=JOB).count() == 1
    assert second.stop() == 0  # SIGTERM stops a worker cleanly


def test_events_emitted_while_no_worker_runs_are_dispatched_when_one_starts(
    org, queue_for_real, start_worker, wait_for
):
    with tenant_scope(org):
        with transaction.atomic():
            queued = event_emit(org=org, type=WORKER_PROBE_EVENT, payload={"n": 1})
        with transaction.atomic():
            lost = event_emit(org=org, type=WORKER_PROBE_EVENT, payload={"n": 2})
        # each dispatch job was queued with its event (in the same transaction) ...
        jobs = {row.task["args"][0]: row for row in OrmQ.objects.all()}
        assert set(jobs) == {str(queued.pk), str(lost.pk)}
        # ... and one of them is lost, as if the queue had been wiped a minute ago
        jobs[str(lost.pk)].delete()
        OutboxEvent.objects.filter(pk=lost.pk).update(
            created_at=timezone.now() - dt.timedelta(seconds=SWEEP_GRACE_SECONDS + 30)
        )
        assert not OutboxEvent.objects.filter(dispatched_at__isnull=False).exists()

    worker = start_worker()

    def dispatched():
        with tenant_scope(org):
            return OutboxEvent.objects.filter(dispatched_at__isnull=False).count() == 2

    wait_for(dispatched, timeout=20, what="both events to be dispatched", log=worker.output)
    assert stages(org, str(queued.pk)) == ["handled"]  # by its queued job
    assert stages(org, str(lost.pk)) == ["handled"]  # by the sweep the worker runs at start
    with tenant_scope(org):
        probe_runs = HandlerRun.objects.filter(handler__endswith=".worker_probe_handler")
        assert sorted(probe_runs.values_list("status", "attempts")) == [
            ("done", 1),
            ("done", 1),
        ]
