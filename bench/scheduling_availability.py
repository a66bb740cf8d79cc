"""Availability, the week calendar and booking under load, with 200,000 appointments.

    export FRONTDESK_DATA_DIR=/tmp/frontdesk-bench        # or DATABASE_URL=postgres://…
    .venv/bin/frontdesk migrate
    .venv/bin/python bench/scheduling_availability.py --appointments 200000

Builds (once per ``--org``) an organization with 20 bays, 10 advisors, 2,000 customers
with a vehicle each and ``--appointments`` appointments written in bulk: six starts a day
per bay on business days, about 30 % of slots left free, half of them with an advisor,
none overlapping (so PostgreSQL's exclusion constraints hold), from years back to months
ahead, past ones completed (a few cancelled or missed). Then it times, through the whole
Django stack in-process (middleware, bearer token, tenancy, permission, serialization;
no network):

* ``GET /api/crm/appointments/availability?date=…`` for random business days — target p95
  under 30 ms;
* ``GET /api/crm/appointments/calendar?from=…&by=bay`` for random weeks (7 days) — target
  p95 under 50 ms;
* booking throughput: ``--clients`` threads booking free slots of one far day through
  ``POST /api/crm/appointments`` (each slot asked for by two clients at once, so half the
  answers are 409), bookings per second and the 409 count.

It prints p50/p95/p99/max in milliseconds. Re-running reuses the organization (delete the
database or pass another ``--org`` to rebuild).
"""

# ruff: noqa: E402  (Django is set up before the project imports)
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
os.environ.setdefault("API_RATE_LIMIT", "100000000/m")

import django

django.setup()

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from frontdesk.core.actor import Actor
from frontdesk.core.models import Sequence
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer, CustomerVehicle, Vehicle
from frontdesk.organizations.choices import Role
from frontdesk.organizations.models import Membership, Organization
from frontdesk.organizations.services import organization_create, staff_add, token_create
from frontdesk.scheduling.models import Appointment, Bay
from frontdesk.scheduling.times import hours_of, org_zone, wall_to_utc

console = Console(stderr=True)
rng = random.Random(42)
BAYS, ADVISORS, CUSTOMERS = 20, 10, 2000
STARTS = ["08:00", "09:30", "11:00", "12:30", "14:00", "15:30"]


def business_days(org, first: dt.date, count: int) -> list[dt.date]:
    days, day = [], first
    while len(days) < count:
        if hours_of(org, day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def build(slug: str, appointments: int, batch: int) -> Organization:
    org = Organization.objects.filter(slug=slug).first()
    if org is not None:
        with tenant_scope(org):
            have = Appointment.objects.count()
        console.print(f"reusing organization {slug!r} ({have:,} appointments)")
        return org
    actor = Actor.system(label="bench")
    org = organization_create(name="Bench Auto", slug=slug, time_zone="America/Chicago")
    zone = org_zone(org)
    with tenant_scope(org):
        owner = staff_add(org=org, actor=actor, email=f"owner@{slug}.bench", role=Role.OWNER)
        advisors = [
            staff_add(
                org=org,
                actor=actor,
                email=f"advisor{i}@{slug}.bench",
                role=Role.ADVISOR,
                is_advisor=True,
            )  # fmt: skip
            for i in range(ADVISORS)
        ]
        bays = Bay.objects.bulk_create(
            Bay(organization_id=org.pk, name=f"Bay {i + 1}", position=i) for i in range(BAYS)
        )
        customers = Customer.objects.bulk_create(
            Customer(
                organization_id=org.pk,
                number=f"C-{i + 1:05d}",
                first_name="Bench",
                last_name=f"Customer {i + 1}",
                display_name=f"Bench Customer {i + 1}",
                name_key=f"bench customer {i + 1:05d}",
            )  # fmt: skip
            for i in range(CUSTOMERS)
        )
        vehicles = Vehicle.objects.bulk_create(
            Vehicle(
                organization_id=org.pk,
                make="Honda",
                model="Civic",
                year=2015 + i % 10,
                plate=f"B{i:05d}",
                plate_key=f"B{i:05d}",
            )  # fmt: skip
            for i in range(CUSTOMERS)
        )
        CustomerVehicle.objects.bulk_create(
            CustomerVehicle(organization_id=org.pk, customer=c, vehicle=v)
            for c, v in zip(customers, vehicles, strict=True)
        )
        per_day = int(BAYS * len(STARTS) * 0.7)
        days_needed = appointments // per_day + 2
        today = timezone.now().astimezone(zone).date()
        first = today - dt.timedelta(days=int(days_needed * 7 / 5 * 0.85))
        days = business_days(org, first, days_needed)
        now = timezone.now()
        made = 0
        rows: list[Appointment] = []
        with Progress(
            TextColumn("appointments"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console,
        ) as progress:  # fmt: skip
            task = progress.add_task("appointments", total=appointments)
            for day in days:
                for s, hhmm in enumerate(STARTS):
                    start = wall_to_utc(day, dt.time(*map(int, hhmm.split(":"))), zone)
                    for b, bay in enumerate(bays):
                        if made >= appointments or rng.random() < 0.3:
                            continue
                        c = rng.randrange(CUSTOMERS)
                        past = start < now
                        roll = rng.random()
                        if past:
                            status = "completed" if roll > 0.1 else "cancelled"
                            status = "no_show" if roll < 0.04 else status
                        else:
                            status = "confirmed" if roll > 0.3 else "draft"
                        made += 1
                        rows.append(
                            Appointment(
                                organization_id=org.pk,
                                number=f"A-{made:06d}",
                                customer=customers[c],
                                vehicle=vehicles[c],
                                bay=bay,
                                advisor=advisors[(b + s) % ADVISORS] if b < ADVISORS else None,
                                starts_at=start,
                                ends_at=start + dt.timedelta(minutes=rng.choice((45, 60, 90))),
                                requested_services=["Oil change"],
                                status=status,
                            )  # fmt: skip
                        )
                        if len(rows) >= batch:
                            with transaction.atomic():
                                Appointment.objects.bulk_create(rows)
                            progress.advance(task, len(rows))
                            rows = []
            if rows:
                with transaction.atomic():
                    Appointment.objects.bulk_create(rows)
                progress.advance(task, len(rows))
        Sequence.objects.update_or_create(
            organization_id=org.pk, kind="A", defaults={"last_value": made}
        )
        token_create(org=org, actor=actor, membership=owner, name="bench")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE scheduling_appointment")
    console.print(f"built {slug!r}: {made:,} appointments over {len(days)} business days")
    return org


def token_for(org) -> str:
    with tenant_scope(org):
        owner = Membership.objects.get(role=Role.OWNER)
        _, raw = token_create(org=org, actor=Actor.system(label="bench"), membership=owner,
                              name=f"bench {uuid.uuid4().hex[:6]}")  # fmt: skip
    return raw


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100)
    return {"p50": q[49], "p95": q[94], "p99": q[98], "max": ordered[-1]}


def timed(client: Client, paths: list[str], token: str) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (this thread) milliseconds per request. On a shared machine the
    CPU figure shows the work a request costs, whatever the other processes do."""
    headers = {"Authorization": f"Bearer {token}"}
    for path in paths[:20]:  # warm up
        client.get(path, headers=headers)
    wall, cpu = [], []
    for path in paths:
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(path, headers=headers)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.content[:200])
    return wall, cpu


def report(name: str, samples: tuple[list[float], list[float]], target: float | None) -> None:
    for kind, values in zip(("wall", "cpu"), samples, strict=True):
        p = percentiles(values)
        verdict = ""
        if target is not None and kind == "wall":
            verdict = "  OK" if p["p95"] < target else f"  OVER the {target:.0f} ms target"
        console.print(
            f"{name:<34} {kind:<4} n={len(values):<4} p50 {p['p50']:6.1f}  p95 {p['p95']:6.1f}  "
            f"p99 {p['p99']:6.1f}  max {p['max']:6.1f} ms{verdict}"
        )


def booking_throughput(org, token: str, clients: int) -> None:
    zone = org_zone(org)
    with tenant_scope(org):
        last = Appointment.objects.order_by("-starts_at").values_list("starts_at", flat=True)[0]
        pairs = list(CustomerVehicle.objects.values_list("customer_id", "vehicle_id")[:200])
        bays = list(Bay.objects.values_list("pk", flat=True))
    day = business_days(org, last.astimezone(zone).date() + dt.timedelta(days=30), 1)[0]
    slots = [(bay, hhmm) for bay in bays for hhmm in ("08:00", "10:00", "12:00", "14:00", "16:00")]
    work = [slot for slot in slots for _ in range(2)]  # every slot asked for twice
    rng.shuffle(work)
    lock = threading.Lock()
    statuses: list[int] = []

    def worker() -> None:
        client = Client()
        headers = {"Authorization": f"Bearer {token}"}
        while True:
            with lock:
                if not work:
                    break
                bay, hhmm = work.pop()
            customer, vehicle = rng.choice(pairs)
            body = {"customer_id": str(customer), "vehicle_id": str(vehicle), "bay_id": str(bay),
                    "starts_at": f"{day.isoformat()}T{hhmm}", "duration_min": 90}  # fmt: skip
            response = client.post(
                "/api/crm/appointments", body, content_type="application/json", headers=headers
            )
            with lock:
                statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    booked = statuses.count(201)
    console.print(
        f"booking: {len(statuses)} requests from {clients} clients in {elapsed:.1f} s: "
        f"{booked} booked ({booked / elapsed:.0f}/s), {statuses.count(409)} answered 409, "
        f"other {[s for s in statuses if s not in (201, 409)][:5]}"
    )
    assert booked == len(slots), "every slot booked exactly once"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--org", default="bench-scheduling")
    parser.add_argument("--appointments", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    org = build(args.org, args.appointments, args.batch)
    token = token_for(org)
    zone = org_zone(org)
    with tenant_scope(org):
        first = Appointment.objects.order_by("starts_at").values_list("starts_at", flat=True)[0]
        last = Appointment.objects.order_by("-starts_at").values_list("starts_at", flat=True)[0]
    span = (last - first).days
    today = timezone.now().astimezone(zone).date()
    ahead = (last.astimezone(zone).date() - today).days
    sample = [first.astimezone(zone).date() + dt.timedelta(days=rng.randrange(span))
              for _ in range(args.requests)]  # fmt: skip
    # availability of days to come (a past day has no free slot and costs nothing)
    coming = [today + dt.timedelta(days=1 + rng.randrange(max(ahead - 1, 1)))
              for _ in range(args.requests)]  # fmt: skip
    client = Client()
    with tenant_scope(org):
        total = Appointment.objects.count()
    console.print(f"database: {connection.vendor}; {total:,} appointments over {span} days")
    availability = timed(
        client,
        [f"/api/crm/appointments/availability?date={d.isoformat()}" for d in coming],
        token,
    )
    report("availability (one day, 20 bays, 10 advisors)", availability, 30)
    calendar = timed(
        client,
        [f"/api/crm/appointments/calendar?from={d.isoformat()}&by=bay" for d in sample],
        token,
    )
    report("calendar week by bay", calendar, 50)
    booking_throughput(org, token, args.clients)


if __name__ == "__main__":
    main()
