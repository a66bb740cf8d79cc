"""Fan-out of approved marketing messages through the consent gate and the job queue.

    FRONTDESK_DATA_DIR=/tmp/fd-bench .venv/bin/frontdesk migrate
    FRONTDESK_DATA_DIR=/tmp/fd-bench .venv/bin/python bench/messaging_fanout.py --messages 100000
    DATABASE_URL=postgres://... .venv/bin/python bench/messaging_fanout.py --messages 100000

It makes a fresh organization with ``--messages`` customers (opted in to SMS) and one
pending marketing SMS each, written in bulk; then measures

1. **approve**: ``message_bulk_approve`` in chunks of ``--chunk`` (locks, audits, queues
   the sending in jobs of 100 messages);
2. **send**: ``--workers`` worker processes (one ``frontdesk worker`` cluster) draining
   the queue — each message claimed under its lease, checked by the consent gate (opt-in,
   suppression list, frequency cap, quiet hours), handed to the channel and recorded
   (``sent``, audit entry, ``message.sent`` event). The figure is messages per second from
   the first hand-over to the last.

The channel is the local outbox unless ``--sms-server`` runs the fake Twilio-compatible
HTTP server of the tests in this process and points the workers at it. Quiet hours are
switched off for the organization (a run at night would otherwise defer everything).
Events' dispatch jobs (``message.sent``) share the queue and are counted in the time.
"""

# ruff: noqa: E402  (Django is set up before the project imports)
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer, CustomerPhone
from frontdesk.messaging.models import Message
from frontdesk.messaging.services import message_bulk_approve
from frontdesk.organizations.choices import Role
from frontdesk.organizations.roles import permissions_for
from frontdesk.organizations.services import organization_create, staff_add

BATCH = 2000


def say(text: str) -> None:
    print(text, flush=True)


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += ":" + db["PASSWORD"]
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def make_world(n: int):
    slug = f"bench-fanout-{uuid.uuid4().hex[:6]}"
    org = organization_create(name="Bench fan-out", slug=slug, time_zone="America/Chicago")
    org.settings = {"messaging": {"quiet_hours": {"sms": None, "email": None}}}
    org.save(update_fields=["settings"])
    actor = Actor.system(org_id=org.pk, label="bench")
    with tenant_scope(org):
        owner = staff_add(
            org=org, actor=actor, email=f"owner@{slug}.example", role=Role.OWNER, password=None
        )
        started = time.perf_counter()
        for start in range(0, n, BATCH):
            count = min(BATCH, n - start)
            with transaction.atomic():
                customers = Customer.objects.bulk_create(
                    [
                        Customer(
                            organization=org,
                            number=f"C-{start + i + 1:07d}",
                            first_name=f"Bench{start + i}",
                            last_name="Customer",
                            display_name=f"Bench{start + i} Customer",
                            opt_in_sms=True,
                            primary_phone=f"+1512{start + i:07d}",
                        )
                        for i in range(count)
                    ]
                )
                CustomerPhone.objects.bulk_create(
                    [
                        CustomerPhone(
                            organization=org,
                            customer=c,
                            number=c.primary_phone,
                            digits=c.primary_phone[1:],
                            primary=True,
                        )
                        for c in customers
                    ]
                )
                Message.objects.bulk_create(
                    [
                        Message(
                            organization=org,
                            customer=c,
                            channel="sms",
                            category="marketing",
                            origin="campaign",
                            status="pending_approval",
                            to=c.primary_phone,
                            body=f"Hi {c.first_name}, 15% off your spring service this month.",
                        )
                        for c in customers
                    ]
                )
        say(f"setup: {n:,} customers and pending messages in {time.perf_counter() - started:.1f} s")
    return org, owner


def approve(org, owner, chunk: int) -> float:
    actor = Actor(
        kind="staff",
        org_id=org.pk,
        user_id=owner.user_id,
        membership_id=owner.pk,
        role="owner",
        label="bench owner",
        permissions=permissions_for("owner"),
    )
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    db_cpu = (_proc_stat(backend) or (0, 0.0))[1] if backend else 0.0
    cpu = time.process_time()
    started = time.perf_counter()
    with tenant_scope(org), override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": False}):
        ids = list(Message.objects.filter(status="pending_approval").values_list("pk", flat=True))
        for start in range(0, len(ids), chunk):
            messages = list(Message.objects.filter(pk__in=ids[start : start + chunk]))
            message_bulk_approve(org=org, actor=actor, messages=messages)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    db_cpu = ((_proc_stat(backend) or (0, 0.0))[1] - db_cpu) if backend else 0.0
    n = max(len(ids), 1)
    say(
        f"approve CPU: this process {cpu:.1f} s, its PostgreSQL backend {db_cpu:.1f} s = "
        f"{cpu / n * 1000:.3f} + {db_cpu / n * 1000:.3f} ms per message"
    )
    return elapsed


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
STAT_COLUMNS = ("xact_commit", "tup_inserted", "tup_updated", "tup_deleted")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(session id, CPU seconds used) of a process, from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[3]), (int(fields[11]) + int(fields[12])) / TICK


class CpuMeter:
    """The CPU time of the worker processes (the session the worker cluster leads) and of
    the PostgreSQL backends serving this database, sampled every 0.2 s (a process's last
    sample counts once it has exited). On the same machine as the database, Linux only."""

    def __init__(self, session: int):
        self.session, self.worker, self.backends = session, {}, {}
        self.own: set = set()
        self.offset, self.done_at_start = {}, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.own.add(cursor.fetchone()[0])
        while not self.stop.wait(0.2):
            self.sample()
        connection.close()

    def sample(self) -> None:
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (stat := _proc_stat(int(entry))) and stat[0] == self.session:
                self.worker[int(entry)] = stat[1]
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend'"
            )
            pids = [row[0] for row in cursor.fetchall()]
        for pid in pids:
            if pid not in list(self.own) and (stat := _proc_stat(pid)):
                self.backends[pid] = stat[1]

    def start(self, done: int) -> None:
        """Count from now on: what the processes used so far is subtracted."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.own.add(cursor.fetchone()[0])
        self.sample()
        self.offset = {("w", k): v for k, v in list(self.worker.items())}
        self.offset.update({("b", k): v for k, v in list(self.backends.items())})
        self.done_at_start = done

    def used(self) -> tuple[float, float]:
        worker = sum(v - self.offset.get(("w", k), 0.0) for k, v in self.worker.items())
        db = sum(v - self.offset.get(("b", k), 0.0) for k, v in self.backends.items())
        return worker, db

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def db_stats() -> dict:
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(STAT_COLUMNS)} FROM pg_stat_database "  # noqa: S608
            "WHERE datname = current_database()"
        )
        return dict(zip(STAT_COLUMNS, cursor.fetchone(), strict=True))


def drain(org, n: int, workers: int, timeout: float, extra_env: dict) -> tuple[float, dict]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "frontdesk.settings",
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "FRONTDESK_DATA_DIR": str(settings.DATA_DIR),
        "FRONTDESK_WORKER_PROCESSES": str(workers),
        "FRONTDESK_JOBS_SYNC": "0",
        "FRONTDESK_JOB_POLL": "0.05",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    log = open(settings.DATA_DIR / "bench-worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "worker"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    final = ("sent", "blocked", "failed", "delivered")
    first = last = None
    deadline = time.monotonic() + timeout
    meter = CpuMeter(worker.pid)
    try:
        with tenant_scope(org), meter:
            while time.monotonic() < deadline:
                done = Message.objects.filter(status__in=final).count()
                now = time.perf_counter()
                if done and first is None:
                    first = now
                    meter.start(done)  # from the first hand-over: not the workers' start-up
                if done >= n:
                    last = now
                    break
                time.sleep(0.5)
            meter.sample()
            counts = dict(
                Message.objects.values_list("status").annotate(n=django.db.models.Count("pk"))
            )
    finally:
        os.killpg(worker.pid, 9)  # the bench's own worker; its queue is left as it is
        worker.wait(timeout=30)
        log.close()
    elapsed = (last or time.perf_counter()) - (first or time.perf_counter())
    done = max(sum(counts.get(s, 0) for s in final) - meter.done_at_start, 1)
    worker_cpu, db_cpu = meter.used()
    say(
        f"CPU: workers {worker_cpu:.1f} s, PostgreSQL backends {db_cpu:.1f} s = "
        f"{worker_cpu / done * 1000:.3f} + {db_cpu / done * 1000:.3f} = "
        f"{(worker_cpu + db_cpu) / done * 1000:.3f} ms per message (load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    return elapsed, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--chunk", type=int, default=500, help="messages per bulk approval")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument(
        "--sms-server", action="store_true", help="send to the fake SMS HTTP server"
    )
    o = parser.parse_args()
    say(f"database: {connection.vendor}; {o.messages:,} messages; {o.workers} worker processes")
    org, owner = make_world(o.messages)
    extra_env: dict = {}
    provider = None
    if o.sms_server:
        from frontdesk.messaging.tests.servers import FakeSmsProvider  # noqa: PLC0415

        provider = FakeSmsProvider().start()
        extra_env = {
            "SMS_BASE_URL": provider.base_url,
            "SMS_ACCOUNT_SID": provider.sid,
            "SMS_AUTH_TOKEN": provider.token,
            "SMS_FROM_NUMBER": "+15125550100",
        }
    seconds = approve(org, owner, o.chunk)
    say(f"approve: {o.messages:,} in {seconds:.1f} s = {o.messages / seconds:,.0f} msgs/s")
    before = db_stats()
    seconds, counts = drain(org, o.messages, o.workers, o.timeout, extra_env)
    if before:
        time.sleep(2)  # backends report their counts at most every second, and at exit
        after = db_stats()
        say(
            "database, per message sent: "
            + ", ".join(f"{k} {(after[k] - before[k]) / o.messages:.2f}" for k in STAT_COLUMNS)
        )
    done = sum(counts.get(s, 0) for s in ("sent", "blocked", "failed", "delivered"))
    say(
        f"send: {done:,} through gate and channel in {seconds:.1f} s = "
        f"{done / max(seconds, 1e-9):,.0f} msgs/s  {counts}"
    )
    if provider:
        delivered, requests = len(provider.delivered), len(provider.requests)
        say(f"SMS server: {delivered:,} delivered, {requests:,} requests")
        provider.stop()
    return 0 if done >= o.messages else 1


if __name__ == "__main__":
    sys.exit(main())
