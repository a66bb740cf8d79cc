"""Customer search, detail, list and overview latency over HTTP, at a fixed request rate.

    .venv/bin/python bench/customer_search.py --base-url http://127.0.0.1:8001 \\
        --token "$(cat /tmp/bench-token)" --org bench --rate 200 --duration 20

It reads the organization's customers from the same database as the server (same
settings: DATABASE_URL, FRONTDESK_DATA_DIR) to draw realistic queries — name prefixes,
"joh smi aus" type-ahead, phone fragments (last four, area code, middle digits), emails,
VINs, plates, customer numbers — then sends them to the server only (loopback):

* ``search``: ``GET /api/crm/customers?q=…`` open loop at ``--rate`` requests/s for
  ``--duration`` seconds (every request has a due time ``start + i/rate``; its latency is
  counted from that due time, so a slow server cannot hide its queue), p50/p95/p99 per
  kind of query and overall;
* ``saturation``: the same queries in a closed loop (``--saturation-concurrency``
  clients back to back) for ``--saturation-duration`` seconds: the most requests/s the
  server sustains;
* ``reads``: ``GET /customers/{id}``, the list's first page and deeper pages (cursors at
  random depths, made the way the server makes them) open loop at ``--read-rate``;
* ``overview``: ``GET /customers/{id}/overview`` for customers with vehicles and notes,
  open loop at ``--overview-rate``;
* ``api``: no server — the same kinds of request (and ``GET /me``, the fixed cost) through
  Django's test ``Client`` in this process, one at a time, ``--api-requests`` of each kind:
  the whole request path (middleware, bearer auth, throttle, ninja, serialization) with
  its CPU time per request in this process and, on PostgreSQL, in the database's backend
  process (from ``/proc``), and statements per request (``CaptureQueriesContext``, on a
  separate pass so that capturing does not slow the timed one). CPU time does not depend
  on what else runs on the machine; wall time does. ``--api-profile FILE`` also writes a
  cProfile of the timed passes.

Exit status 1 if any request did not answer 200.
"""

# ruff: noqa: E402  (Django is set up before the project imports)
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")

import django

django.setup()

from api_latency import Client, percentile
from django.db import connection
from django.db.models import Max, Q

from frontdesk.core.api import _encode_cursor
from frontdesk.core.models import Sequence
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer, CustomerNote
from frontdesk.organizations.models import Organization

API = "/api/crm"


# --- drawing queries ---------------------------------------------------------------------
def sample_customers(org: Organization, count: int, rng: random.Random) -> list[Customer]:
    """``count`` customers picked at random by number (a unique index: no full scan)."""
    with tenant_scope(org):
        last = Sequence.objects.filter(kind="C").aggregate(m=Max("last_value"))["m"] or 0
        numbers = sorted({f"C-{rng.randint(1, last):04d}" for _ in range(count * 2)})
        rng.shuffle(numbers)
        found: list[Customer] = []
        for start in range(0, len(numbers), 300):  # SQLite: keep the IN lists short
            found += (
                Customer.objects.filter(number__in=numbers[start : start + 300], merged_into=None)
                .exclude(status="archived")
                .prefetch_related("phones", "emails", "addresses", "vehicle_links__vehicle")
            )
            if len(found) >= count:
                break
        return found[:count]


def _digits(c: Customer) -> str:
    phones = list(c.phones.all())
    return phones[0].digits[1:] if phones else "5125550100"  # national number (10 digits)


def make_queries(customers: list[Customer], rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` (kind, q) pairs drawn from real customers, kinds weighted like a front desk."""

    def name_prefix(c):
        word = rng.choice([c.first_name, c.last_name]).lower()
        return word[: rng.randint(2, 5)]

    def type_ahead(c):
        city = next((a.city for a in c.addresses.all()), "")
        parts = [c.first_name[: rng.randint(2, 4)], c.last_name[: rng.randint(3, 5)]]
        if city and rng.random() < 0.6:
            parts.append(city[:3])
        return " ".join(parts).lower()

    def full_name(c):
        return f"{c.first_name} {c.last_name}"

    def phone_last4(c):
        return _digits(c)[-4:]

    def phone_area(c):
        area = _digits(c)[:3]
        return rng.choice([area, f"({area})"])

    def phone_middle(c):
        d = _digits(c)
        return rng.choice([d[3:7], f"{d[3:6]} {d[6:8]}", d[2:7]])

    def phone_full(c):
        d = _digits(c)
        return rng.choice([f"({d[:3]}) {d[3:6]}-{d[6:]}", f"+1 {d[:3]}-{d[3:6]}-{d[6:]}", d])

    def email(c):
        address = next((e.address for e in c.emails.all()), None)
        if not address:
            return None
        return rng.choice([address, address.split("@")[0] + "@"])

    def vin(c):
        vehicle = next((link.vehicle for link in c.vehicle_links.all()), None)
        if not vehicle or not vehicle.vin:
            return None
        return rng.choice([vehicle.vin, vehicle.vin.lower()])

    def plate(c):
        vehicle = next((link.vehicle for link in c.vehicle_links.all()), None)
        if not vehicle or not vehicle.plate:
            return None
        p = vehicle.plate
        return rng.choice([p, f"{p[:3]} {p[3:]}"])

    def number(c):
        return c.number

    kinds = {
        "name_prefix": (name_prefix, 22),
        "type_ahead": (type_ahead, 18),
        "full_name": (full_name, 6),
        "phone_last4": (phone_last4, 10),
        "phone_area": (phone_area, 4),
        "phone_middle": (phone_middle, 6),
        "phone_full": (phone_full, 6),
        "email": (email, 10),
        "vin": (vin, 8),
        "plate": (plate, 5),
        "number": (number, 5),
    }
    names = list(kinds)
    weights = [kinds[k][1] for k in names]
    queries = []
    while len(queries) < n:
        kind = rng.choices(names, weights)[0]
        q = kinds[kind][0](rng.choice(customers))
        if q:
            queries.append((kind, q))
    return queries


# --- driving the server ------------------------------------------------------------------
class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.dropped = 0

    def add(self, kind: str, status: int, seconds: float, path: str) -> None:
        with self.lock:
            self.latency[kind].append(seconds * 1000)
            if status != 200:
                self.errors[kind] += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(f"{status} {path}")


def open_loop(
    args, requests: list[tuple[str, str]], rate: float, threads: int = 64
) -> tuple[Results, float]:
    """Send ``requests`` at ``rate``/s; latency counts from each request's due time.
    Requests still unsent ``--grace`` seconds after the last one was due are dropped
    (counted in ``Results.dropped``): the server did not keep up with the rate."""
    results = Results()
    counter = iter(range(len(requests)))
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    deadline = start + len(requests) / rate + args.grace

    def work():
        client = Client(args.base_url, args.token, args.timeout)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            due = start + i / rate
            if time.perf_counter() > deadline:
                with results.lock:
                    results.dropped += 1
                continue
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            kind, path = requests[i]
            status, _ = client.get(path)
            results.add(kind, status, time.perf_counter() - due, path)

    pool = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results, time.perf_counter() - start


def closed_loop(args, requests: list[tuple[str, str]], concurrency: int, duration: float):
    """``concurrency`` clients back to back for ``duration`` s: (requests/s, results)."""
    results = Results()
    stop = time.perf_counter() + duration
    done = [0] * concurrency

    def work(slot: int):
        client = Client(args.base_url, args.token, args.timeout)
        rng = random.Random(slot)
        while time.perf_counter() < stop:
            kind, path = rng.choice(requests)
            status, seconds = client.get(path)
            results.add(kind, status, seconds, path)
            done[slot] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(concurrency)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(done) / (time.perf_counter() - started), results


def summarize(title: str, results: Results, elapsed: float | None, targets: str) -> dict:
    rows = {}
    everything: list[float] = []
    for kind in sorted(results.latency):
        values = sorted(results.latency[kind])
        everything += values
        rows[kind] = _stats(values, results.errors[kind])
    rows["ALL"] = _stats(sorted(everything), sum(results.errors.values()))
    if elapsed:
        rows["ALL"]["achieved_rps"] = round(len(everything) / elapsed, 1)
    print(f"\n{title}  ({targets})")
    print(f"{'kind':<16}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'errors':>8}")
    for kind, s in rows.items():
        print(
            f"{kind:<16}{s['n']:>6}{s['p50']:>9.1f}{s['p95']:>9.1f}{s['p99']:>9.1f}"
            f"{s['max']:>9.1f}{s['errors']:>8}"
        )
    if elapsed:
        rows["ALL"]["dropped"] = results.dropped
        print(
            f"achieved {rows['ALL']['achieved_rps']} req/s, {results.dropped} not sent in time"
            f" (dropped); load average {_load()}"
        )
    for sample in results.error_samples:
        print(f"  error: {sample}")
    return rows


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree[parent].append(int(entry.name))
    return tree


def cpu_snapshot(server_pid: int | None) -> dict[str, float]:
    """CPU seconds used so far by the server (``server_pid`` and its descendants), every
    PostgreSQL process of this machine, and this load generator."""
    out = {"client": time.process_time(), "server": 0.0, "postgres": 0.0}
    tree = _children() if server_pid else {}
    todo = [server_pid] if server_pid else []
    while todo:
        pid = todo.pop()
        out["server"] += _proc_cpu(pid)
        todo.extend(tree.get(pid, []))
    database = connection.settings_dict["NAME"]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if f" {database} " in title:  # this database's backends only
                out[f"pg{entry.name}"] = _proc_cpu(int(entry.name))
    return out


def print_cpu(before: dict[str, float], after: dict[str, float], requests: int) -> dict:
    """CPU ms per request of each part between two snapshots: what caps the rate on this
    machine, and steadier than latency when the machine is shared."""
    after = dict(after)
    # a backend's CPU: what it used in the window (a new one from zero, an ended one lost)
    after["postgres"] = sum(v - before.get(k, 0.0) for k, v in after.items() if k[:2] == "pg")
    before = {**before, "postgres": 0.0}
    per = {
        k: round((after[k] - before[k]) * 1000 / max(requests, 1), 2)
        for k in ("client", "server", "postgres")
    }
    parts = ", ".join(f"{k} {v:.2f}" for k, v in per.items())
    print(f"CPU ms per request: {parts} (server counted only with --server-pid)")
    return per


def _stats(values: list[float], errors: int) -> dict:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(values[-1], 2) if values else float("nan"),
        "errors": errors,
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def in_process(org, queries: list[tuple[str, str]]) -> tuple[Results, Results, Results]:
    """The search service alone (``search_customer_ids`` for the first page, then the
    page's rows as the API loads them), no HTTP: what the indexes and SQL cost."""
    from frontdesk.core.api import ListParams
    from frontdesk.customers.selectors import customer_list_page

    wall, cpu, db = Results(), Results(), Results()
    with tenant_scope(org):
        for kind, q in queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            db_started = _backend_cpu(connection)
            customer_list_page(org=org, filters={}, params=ListParams(limit=25), q=q)
            wall.add(kind, 200, time.perf_counter() - started, q)
            cpu.add(kind, 200, time.process_time() - cpu_started, q)
            if db_started is not None:
                db.add(kind, 200, _backend_cpu(connection) - db_started, q)
    return wall, cpu, db


def _backend_cpu(connection) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def api_in_process(args, plan: dict[str, list[str]]) -> dict:
    """Each kind's requests through the test ``Client`` (the full request path, no HTTP):
    CPU ms per request (this process, and PostgreSQL's backend), wall p50/p95, statements."""
    import cProfile

    from django.conf import settings
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    settings.API_RATE_LIMIT = "100000000/m"  # still counted (same cost), never answers 429
    client = TestClient(HTTP_AUTHORIZATION=f"Bearer {args.token}")
    for paths in plan.values():  # warm up: imports, compiled queries, connection
        for path in paths[:30]:
            assert client.get(path).status_code == 200, path
    profile = cProfile.Profile() if args.api_profile else None
    report = {}
    print(
        f"\nin process through the test Client, one request at a time ({connection.vendor})"
        f"\n{'kind':<12}{'n':>6}{'CPU ms':>9}{'+db CPU':>9}{'stmts':>7}{'p50 ms':>9}{'p95 ms':>9}"
    )
    for kind, paths in plan.items():
        with CaptureQueriesContext(connection) as queries:
            for path in paths[:20]:
                client.get(path)
        statements = len(queries.captured_queries) / len(paths[:20])
        wall, errors = [], 0
        db_started, cpu_started = _backend_cpu(connection), time.process_time()
        if profile:
            profile.enable()
        for path in paths:
            started = time.perf_counter()
            errors += client.get(path).status_code != 200
            wall.append((time.perf_counter() - started) * 1000)
        if profile:
            profile.disable()
        cpu = (time.process_time() - cpu_started) * 1000 / len(paths)
        db_ended = _backend_cpu(connection)
        db = (db_ended - db_started) * 1000 / len(paths) if db_started is not None else None
        wall.sort()
        report[kind] = {
            "n": len(paths),
            "cpu_ms": round(cpu, 2),
            "db_cpu_ms": None if db is None else round(db, 2),
            "statements": round(statements, 1),
            "p50": round(percentile(wall, 50), 2),
            "p95": round(percentile(wall, 95), 2),
            "errors": errors,
        }
        r = report[kind]
        print(
            f"{kind:<12}{r['n']:>6}{r['cpu_ms']:>9.2f}"
            f"{'—' if db is None else f'{db:.2f}':>9}{r['statements']:>7.1f}"
            f"{r['p50']:>9.2f}{r['p95']:>9.2f}" + (f"  {errors} errors" if errors else "")
        )
    print(f"load average {_load()}")
    if profile:
        profile.dump_stats(args.api_profile)
        print(f"profile written to {args.api_profile}")
    return report


def search_path(q: str) -> str:
    return f"{API}/customers?limit=25&q={quote(q)}"


def read_requests(org, customers, rng, n) -> list[tuple[str, str]]:
    """Detail, first pages (three orders) and deeper pages at random depths."""
    orders = [("name", "name_key"), ("-created_at", "created_at"), ("-updated_at", "updated_at")]
    out = []
    for _ in range(n):
        c = rng.choice(customers)
        r = rng.random()
        if r < 0.4:
            out.append(("detail", f"{API}/customers/{c.pk}"))
        elif r < 0.6:
            order, _ = rng.choice(orders)
            out.append(("list_first", f"{API}/customers?limit=25&order={quote(order)}"))
        else:
            order, field = rng.choice(orders)
            cursor = _encode_cursor(order, getattr(c, field), c.pk)
            out.append(
                ("list_deep", f"{API}/customers?limit=25&order={quote(order)}&cursor={cursor}")
            )
    return out


def overview_requests(org, rng, n) -> list[tuple[str, str]]:
    """Customers with a vehicle and several notes: the fullest 360 pages."""
    with tenant_scope(org):
        ids = list(
            CustomerNote.objects.filter(Q(customer__vehicle_links__isnull=False))
            .values_list("customer_id", flat=True)
            .distinct()[:500]
        )
    return [("overview", f"{API}/customers/{rng.choice(ids)}/overview") for _ in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8001")
    parser.add_argument("--token", required=True)
    parser.add_argument("--org", default="bench")
    parser.add_argument("--queries", type=int, default=2000, help="distinct search queries")
    parser.add_argument("--rate", type=float, default=200, help="search requests/s")
    parser.add_argument("--duration", type=float, default=15, help="seconds per open loop")
    parser.add_argument("--read-rate", type=float, default=500)
    parser.add_argument("--overview-rate", type=float, default=100)
    parser.add_argument("--saturation-concurrency", type=int, default=8)
    parser.add_argument("--saturation-duration", type=float, default=10)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument(
        "--grace", type=float, default=10, help="open loop: seconds after the last due time"
    )
    parser.add_argument(
        "--suite",
        action="append",
        choices=["queries", "search", "saturation", "reads", "overview", "api"],
        help="what to run (repeatable; default all but api)",
    )
    parser.add_argument(
        "--api-requests", type=int, default=500, help="requests of each kind for --suite api"
    )
    parser.add_argument("--api-profile", help="--suite api: write a cProfile of it here")
    parser.add_argument(
        "--in-process", type=int, default=1000, help="queries for the in-process suite"
    )
    parser.add_argument(
        "--server-pid", type=int, help="the server's main process: report its CPU per request"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    host = args.base_url.split("//", 1)[-1].split(":")[0].split("/")[0]
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback only: point --base-url at a server on this machine")
    suites = args.suite or ["queries", "search", "saturation", "reads", "overview"]
    rng = random.Random(args.seed)

    org = Organization.objects.get(slug=args.org)
    customers = sample_customers(org, 1500, rng)
    queries = make_queries(customers, rng, args.queries)
    search = [(kind, search_path(q)) for kind, q in queries]
    print(
        f"{len(customers)} sampled customers, {len(search)} queries"
        f" ({len({q for _, q in queries})} distinct); load average {_load()}"
    )
    report: dict = {}
    if "queries" in suites:
        wall, cpu, db = in_process(org, queries[: args.in_process])
        count = len(queries[: args.in_process])
        report["queries"] = summarize(
            f"search service in process, {count} queries one by one: wall time",
            wall,
            None,
            "no HTTP",
        )
        report["queries_cpu"] = summarize(
            "search service in process: CPU time of this process",
            cpu,
            None,
            "SQLite runs in process, so this is its whole cost; PostgreSQL's is not in it",
        )
        if db.latency:
            report["queries_db_cpu"] = summarize(
                "search service in process: CPU time of its PostgreSQL backend",
                db,
                None,
                "in clock ticks of 10 ms: read the means, not single queries",
            )
            print(
                "mean PostgreSQL CPU ms per search: "
                + ", ".join(f"{k} {sum(v) / len(v):.1f}" for k, v in sorted(db.latency.items()))
            )
        print(f"load average {_load()}")
        if suites == ["queries"]:
            print(json.dumps(report) if args.json else "")
            return 0
    if "api" in suites:
        n = args.api_requests
        reads = read_requests(org, customers, rng, n * 8)
        plan = {"me": [f"{API}/me"] * n}
        for kind in ("detail", "list_first", "list_deep"):
            plan[kind] = [path for k, path in reads if k == kind][:n]
        plan["search"] = [search[i % len(search)][1] for i in range(n)]
        plan["overview"] = [path for _, path in overview_requests(org, rng, n)]
        report["api"] = api_in_process(args, plan)
        if set(suites) <= {"queries", "api"}:
            print(json.dumps(report) if args.json else "")
            failed = any(r["errors"] for r in report["api"].values())
            return 1 if failed else 0
    open_loop(args, [rng.choice(search) for _ in range(args.warmup)], rate=100, threads=8)

    if "search" in suites:
        n = int(args.rate * args.duration)
        plan = [search[i % len(search)] for i in range(n)]
        before = cpu_snapshot(args.server_pid)
        results, elapsed = open_loop(args, plan, args.rate)
        report["search"] = summarize(
            f"search, open loop {args.rate:g} req/s for {args.duration:g}s",
            results,
            elapsed,
            "target p95 <= 15 ms, p99 <= 30 ms",
        )
        report["search"]["cpu_ms"] = print_cpu(before, cpu_snapshot(args.server_pid), n)
    if "saturation" in suites:
        before = cpu_snapshot(args.server_pid)
        rps, results = closed_loop(
            args, search, args.saturation_concurrency, args.saturation_duration
        )
        after = cpu_snapshot(args.server_pid)
        report["saturation"] = summarize(
            f"search, closed loop {args.saturation_concurrency} clients",
            results,
            None,
            "service time",
        )
        report["saturation"]["rps"] = round(rps, 1)
        report["saturation"]["cpu_ms"] = print_cpu(
            before, after, sum(len(v) for v in results.latency.values())
        )
        print(f"saturation: {rps:.0f} req/s; load average {_load()}")
    if "reads" in suites:
        n = int(args.read_rate * args.duration)
        before = cpu_snapshot(args.server_pid)
        results, elapsed = open_loop(args, read_requests(org, customers, rng, n), args.read_rate)
        report["reads"] = summarize(
            f"detail and list pages, open loop {args.read_rate:g} req/s",
            results,
            elapsed,
            "target p99 <= 25 ms",
        )
        report["reads"]["cpu_ms"] = print_cpu(before, cpu_snapshot(args.server_pid), n)
    if "overview" in suites:
        n = int(args.overview_rate * args.duration)
        before = cpu_snapshot(args.server_pid)
        results, elapsed = open_loop(args, overview_requests(org, rng, n), args.overview_rate)
        report["overview"] = summarize(
            f"overview, open loop {args.overview_rate:g} req/s",
            results,
            elapsed,
            "target p95 <= 30 ms",
        )
        report["overview"]["cpu_ms"] = print_cpu(before, cpu_snapshot(args.server_pid), n)
    if args.json:
        print(json.dumps(report))
    failed = any(
        isinstance(part, dict) and part.get("ALL", {}).get("errors") for part in report.values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
