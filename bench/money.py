"""Money hot paths: payments per second (with Idempotency-Key), the statement of a
customer with many entries, and the receivables report over many customers.

    export FRONTDESK_DATA_DIR=/tmp/frontdesk-bench        # or DATABASE_URL=postgres://…
    .venv/bin/frontdesk migrate
    .venv/bin/python bench/generate.py --org bench-money --customers 100000 \\
        --ledger 300000 --ledger-heavy 10000 --no-token
    .venv/bin/python bench/money.py --org bench-money --payments 2000 --clients 4

Through the whole Django stack in-process (middleware, bearer token, tenancy, permission,
the idempotency middleware, serialization; no network), it times:

* ``POST /api/crm/payments`` with a fresh ``Idempotency-Key`` each, from ``--clients``
  threads, against invoices it issues first through the services: payments per second
  (each one posts a balanced journal entry), then the same keys replayed (answers from
  the idempotency record);
* ``GET /api/crm/customers/{id}/ledger?limit=100`` of the customer with the most
  entries, first page and deeper pages by cursor — target p95 under 50 ms at 10,000
  entries;
* ``GET /api/crm/receivables`` — target under 2 s at 1,000,000 customers.

It prints p50/p95/p99/max in milliseconds.
"""

# ruff: noqa: E402  (Django is set up before the project imports)
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
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
from django.db.models import Count
from django.test import Client

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer
from frontdesk.money import services
from frontdesk.money.models import JournalLine
from frontdesk.organizations.choices import Role
from frontdesk.organizations.models import Membership, Organization
from frontdesk.organizations.services import token_create


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    if not ms:
        return "no samples"
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    return f"p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms  p99 {q[98]:.1f} ms  max {ms[-1]:.1f} ms"


def cpu_profile(client: Client, urls: list[str], headers: dict, *, label: str, top: int) -> None:
    """CPU time this process spends per request (``time.process_time``: independent of
    how busy the machine is, unlike wall time; the database's own work is not in it) and
    the SQL statements per request; ``top`` > 0 prints the heaviest functions too."""
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(urls[0], headers=headers)
    profiler = cProfile.Profile(time.process_time) if top else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for url in urls:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
    if profiler:
        profiler.disable()
    cpu = (time.process_time() - started) / len(urls)
    print(f"  {label}: {cpu * 1000:.1f} ms CPU a request, {len(statements)} SQL statements")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(top // 2)


def timed(client: Client, url: str, headers: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return elapsed, response.json()


def bench_payments(org, headers, *, count: int, clients: int) -> None:
    actor = Actor.system(org_id=org.pk, label="bench")
    with tenant_scope(org):
        customer_ids = list(Customer.objects.values_list("pk", flat=True)[:200])
        invoices = []
        for i in range(count):
            invoice = services.invoice_create(
                org=org, actor=actor, customer_id=customer_ids[i % len(customer_ids)],
                lines=[{"description": "Bench work", "quantity": 1, "unit_price": 10_000}],
            )  # fmt: skip
            invoices.append(services.invoice_issue(org=org, actor=actor, invoice=invoice))
    bodies = [
        ({"invoice_id": str(inv.pk), "amount": 6_000, "method": "card"}, uuid.uuid4().hex)
        for inv in invoices
    ]
    chunks = [bodies[i::clients] for i in range(clients)]

    def run(replay: bool) -> float:
        errors: list = []

        def worker(chunk):
            client = Client()
            for body, key in chunk:
                r = client.post(
                    "/api/crm/payments", body, content_type="application/json",
                    headers={**headers, "Idempotency-Key": key},
                )  # fmt: skip
                if r.status_code != 201 or (replay and r.get("Idempotency-Replayed") != "true"):
                    errors.append((r.status_code, r.content[:200]))
            connection.close()

        threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        assert not errors, errors[:3]
        return elapsed

    first = run(replay=False)
    again = run(replay=True)
    print(f"payments:  {count} in {first:.2f}s = {count / first:,.0f}/s ({clients} clients)")
    print(f"replayed:  {count} in {again:.2f}s = {count / again:,.0f}/s (same keys, no writes)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--org", default="bench-money")
    parser.add_argument("--payments", type=int, default=200)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--statements", type=int, default=100, help="statement requests")
    parser.add_argument("--receivables", type=int, default=5, help="receivables requests")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="TOP",
        help="also measure CPU time per request in this process (and print the TOP "
        "heaviest functions if TOP > 1)",
    )
    args = parser.parse_args(argv)

    org = Organization.objects.get(slug=args.org)
    with tenant_scope(org):
        owner = Membership.objects.filter(role=Role.OWNER).first()
        _, token = token_create(
            org=org, actor=Actor.system(org_id=org.pk), membership=owner, name="bench-money"
        )
        heavy = (
            JournalLine.objects.filter(account="receivable")
            .values("customer_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
    headers = {"Authorization": f"Bearer {token}"}
    client = Client()
    print(f"database: {connection.vendor}, organization {org.slug}")

    if heavy:
        url = f"/api/crm/customers/{heavy['customer_id']}/ledger?limit=100"
        first, deep, cursors = [], [], []
        timed(client, url, headers)  # warm-up: connection, caches
        for _ in range(args.statements):
            elapsed, body = timed(client, url, headers)
            first.append(elapsed)
            if body["next_cursor"] and len(cursors) < 50:
                cursors.append(body["next_cursor"])
        # walk forward through the statement, timing each page
        cursor = cursors[0] if cursors else None
        walked = []
        while cursor and len(deep) < args.statements:
            walked.append(cursor)
            elapsed, body = timed(client, f"{url}&cursor={cursor}", headers)
            deep.append(elapsed)
            cursor = body["next_cursor"]
        print(f"statement of a customer with {heavy['n']} receivable lines (100 a page)")
        print(f"  first page:  {percentiles(first)}")
        print(f"  later pages: {percentiles(deep)}")
        if args.profile:
            top = args.profile if args.profile > 1 else 0
            cpu_profile(client, [url] * 50, headers, label="first page", top=top)
            if walked:  # the deepest page walked: the longest opening balance to sum
                later = [f"{url}&cursor={walked[-1]}"] * 50
                cpu_profile(client, later, headers, label="deepest page", top=top)
    else:
        print("statement: no ledger (run bench/generate.py --ledger N first)")

    samples = []
    for _ in range(args.receivables):
        elapsed, body = timed(client, "/api/crm/receivables?limit=100", headers)
        samples.append(elapsed)
    print(f"receivables over {body['totals']['customers']} customers owing: {percentiles(samples)}")
    if args.profile:
        top = args.profile if args.profile > 1 else 0
        url = "/api/crm/receivables?limit=100"
        cpu_profile(client, [url] * args.receivables, headers, label="receivables", top=top)

    if args.payments:
        bench_payments(org, headers, count=args.payments, clients=args.clients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
