"""Loyalty's hot paths: a customer's balance and tier with a long points history, and
redemptions per second under contention.

    export FRONTDESK_DATA_DIR=/tmp/frontdesk-bench        # or DATABASE_URL=postgres://…
    .venv/bin/frontdesk migrate
    .venv/bin/python bench/loyalty_points.py --customers 200 --entries 50 --requests 200

Builds (once per ``--org``) an organization with ``--customers`` customers, each with
``--entries`` points entries written in bulk (earns and adds, a few redemptions). Then,
through the whole Django stack in-process (bearer token, tenancy, permission,
serialization; no network):

* ``GET /api/crm/loyalty/{customer}`` for random customers (the balance is a ``SUM`` over
  the customer's entries on the ``(organization, customer, created_at)`` index) — p50/p95/
  p99/max in ms;
* redemption throughput: ``--clients`` threads redeeming a 10-point reward for a few
  customers at once (so they contend for the same customer locks), redemptions per second
  and the 409s once balances run out — the balance never goes below zero.
"""

# ruff: noqa: E402  (Django is set up before the project imports)
from __future__ import annotations

import argparse
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

from django.db import connection
from django.test import Client
from django.utils import timezone
from rich.console import Console

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer
from frontdesk.loyalty import services
from frontdesk.loyalty.models import PointsEntry, Reward
from frontdesk.loyalty.selectors import points_balance
from frontdesk.organizations.choices import Role
from frontdesk.organizations.models import Membership, Organization
from frontdesk.organizations.services import organization_create, staff_add, token_create

console = Console()


def build(slug: str, customers: int, entries: int) -> Organization:
    org = Organization.objects.filter(slug=slug).first()
    if org is not None:
        console.print(f"reusing organization {slug!r}")
        return org
    actor = Actor.system(label="bench")
    org = organization_create(name="Bench Loyalty", slug=slug, time_zone="America/Chicago")
    with tenant_scope(org):
        staff_add(org=org, actor=actor, email=f"owner@{slug}.bench", role=Role.OWNER)
        now = timezone.now()
        people = Customer.objects.bulk_create(
            [
                Customer(
                    organization_id=org.pk,
                    number=f"C-{i:06d}",
                    first_name="Bench",
                    last_name=f"Customer {i}",
                    display_name=f"Bench Customer {i}",
                )
                for i in range(customers)
            ]
        )
        rows = []
        for customer in people:
            for j in range(entries):
                kind = "earn" if j % 3 else "add"
                rows.append(
                    PointsEntry(
                        organization_id=org.pk,
                        customer=customer,
                        kind=kind,
                        points=random.randint(10, 300),  # noqa: S311 - bench data
                        invoice_id=uuid.uuid4() if kind == "earn" else None,
                        reason="bench",
                        created_at=now,
                    )
                )
        PointsEntry.objects.bulk_create(rows, batch_size=5000)
        services.reward_create(
            org=org, actor=actor, data={"name": "Bench reward", "points_cost": 10}
        )
    console.print(f"built {customers:,} customers × {entries:,} entries")
    return org


def token(org: Organization) -> str:
    with tenant_scope(org):
        owner = Membership.objects.get(organization=org, role=Role.OWNER)
        _, raw = token_create(org=org, actor=Actor.system(label="bench"), membership=owner,
                              name=f"bench {uuid.uuid4().hex[:6]}")  # fmt: skip
    return raw


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    q = (
        statistics.quantiles(samples, n=100, method="inclusive")
        if len(samples) > 1
        else samples * 99
    )
    return f"p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms  max {samples[-1]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="bench-loyalty")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    org = build(args.org, args.customers, args.entries)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token(org)}"}
    with tenant_scope(org):
        ids = list(Customer.objects.values_list("pk", flat=True))
        reward = Reward.objects.get(name="Bench reward")
    client = Client()
    samples = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(f"/api/crm/loyalty/{random.choice(ids)}", **auth)  # noqa: S311
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    console.print(f"GET /loyalty/{{customer}} ({connection.vendor}): {percentiles(samples)}")

    targets = ids[:3]
    statuses: list[int] = []
    lock = threading.Lock()

    def redeem(n: int) -> None:
        c = Client()
        for i in range(n):
            r = c.post(
                f"/api/crm/loyalty/{targets[i % len(targets)]}/points/redeem",
                {"reward_id": str(reward.pk)},
                content_type="application/json",
                **auth,
            )
            with lock:
                statuses.append(r.status_code)
        connection.close()

    per_client = max(args.requests // args.clients, 1)
    started = time.perf_counter()
    threads = [threading.Thread(target=redeem, args=(per_client,)) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ok = statuses.count(201)
    console.print(
        f"redemptions: {len(statuses)} in {elapsed:.2f} s = {len(statuses) / elapsed:.0f}/s "
        f"({ok} succeeded, {statuses.count(409)} refused for a short balance)"
    )
    with tenant_scope(org):
        lowest = min(points_balance(customer=c) for c in Customer.objects.filter(pk__in=targets))
    assert lowest >= 0, lowest
    console.print(f"lowest balance afterwards: {lowest} (never below zero)")


if __name__ == "__main__":
    main()
