"""Latency and throughput of the API's hot read paths against a running server.

    .venv/bin/python bench/api_latency.py --base-url http://127.0.0.1:8000 --token fd_... \
        --requests 1000 --concurrency 4

Starts nothing itself: run ``frontdesk serve`` (or ``bin/run``) first, with a rate limit
high enough for the run (``API_RATE_LIMIT=1000000/m``), or the server answers 429 by
design. Standard library only (http.client, one keep-alive connection per client thread).
For each endpoint it sends ``--warmup`` unmeasured requests, then ``--requests`` measured
ones spread over ``--concurrency`` threads, and prints p50/p95/p99/max latency in
milliseconds, requests per second and any non-200 answers. ``--json`` prints the figures
as JSON as well. Exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

ENDPOINTS = ["/api/crm/me", "/api/crm/audit?limit=50"]


class Client:
    """One keep-alive connection; reconnects if the server closed it."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        url = urlsplit(base_url)
        self.https = url.scheme == "https"
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or (443 if self.https else 80)
        self.prefix = url.path.rstrip("/")
        self.timeout = timeout
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=self.timeout)

    def get(self, path: str) -> tuple[int, float]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = self._connect()
            started = time.perf_counter()
            try:
                self.conn.request("GET", self.prefix + path, headers=self.headers)
                response = self.conn.getresponse()
                response.read()
                return response.status, time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def measure(args: argparse.Namespace, path: str) -> dict:
    clients = [Client(args.base_url, args.token, args.timeout) for _ in range(args.concurrency)]
    for i in range(args.warmup):
        clients[i % len(clients)].get(path)

    latencies: list[float] = []
    statuses: Counter[int | str] = Counter()
    lock = threading.Lock()
    share = [args.requests // args.concurrency] * args.concurrency
    for i in range(args.requests % args.concurrency):
        share[i] += 1

    def work(client: Client, count: int) -> None:
        mine: list[float] = []
        codes: Counter[int | str] = Counter()
        for _ in range(count):
            try:
                status, seconds = client.get(path)
            except (http.client.HTTPException, OSError) as exc:
                codes[type(exc).__name__] += 1
                continue
            codes[status] += 1
            mine.append(seconds)
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [
        threading.Thread(target=work, args=(c, n)) for c, n in zip(clients, share, strict=True)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    return {
        "endpoint": path,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(ms[-1], 2) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
        "req_per_s": round(args.requests / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="a bearer token (owner or manager)")
    parser.add_argument("--requests", type=int, default=1000, help="measured requests each")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--endpoint", action="append", help="path to time (repeatable)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")

    results = [measure(args, path) for path in (args.endpoint or ENDPOINTS)]
    print(f"{args.base_url}  {args.requests} requests per endpoint, {args.concurrency} clients")
    print(f"{'endpoint':<28} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'req/s':>8}  statuses")
    for r in results:
        print(
            f"{r['endpoint']:<28} {r['p50_ms']:>6.1f}ms {r['p95_ms']:>6.1f}ms "
            f"{r['p99_ms']:>6.1f}ms {r['max_ms'] or 0:>6.1f}ms {r['req_per_s']:>8.1f}  "
            + " ".join(f"{k}×{v}" for k, v in r["statuses"].items())
        )
    if args.json:
        print(json.dumps(results, indent=2))
    failed = any(set(r["statuses"]) - {"200"} for r in results)
    if failed:
        print("some requests did not answer 200 (429? raise API_RATE_LIMIT)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
