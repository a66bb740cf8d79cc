"""Automatic segments (SPEC 4.9): the daily set-based refresh of one organization's
stored ``Customer.segment`` and the first page of the customer list filtered by segment.

    .venv/bin/python bench/generate.py --org bench --customers 100000
    .venv/bin/python bench/segments.py --org bench --runs 3 --pages 50

In process, against the database the settings name (DATABASE_URL / FRONTDESK_DATA_DIR).
Before timing it scrambles the stored segments (``--scramble``, default on) so the
refresh has real work: every customer's segment is wrong and gets rewritten. Prints the
refresh time per run (rows changed, rows/s) and p50/p95 of the filtered first page.
"""

# ruff: noqa: E402  (Django is set up before the project imports)
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")

import django

django.setup()

from frontdesk.core.api import ListParams
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer
from frontdesk.customers.segments import customer_segments_refresh
from frontdesk.customers.selectors import customer_list, customer_page
from frontdesk.organizations.models import Organization


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--org", default="bench")
    parser.add_argument("--runs", type=int, default=3, help="full refreshes to time")
    parser.add_argument("--pages", type=int, default=50, help="first pages per segment")
    parser.add_argument("--no-scramble", action="store_true")
    args = parser.parse_args(argv)
    org = Organization.objects.get(slug=args.org)
    with tenant_scope(org):
        total = Customer.objects.count()
        print(f"organization {org.slug}: {total:,} customers")
        for run in range(1, args.runs + 1):
            if not args.no_scramble:
                Customer.objects.update(segment="vip")  # all wrong except the real VIPs
            started = time.perf_counter()
            changed = customer_segments_refresh(org=org)
            took = time.perf_counter() - started
            rate = changed / took if took else 0
            print(f"refresh run {run}: {changed:,} rows changed in {took:.2f}s ({rate:,.0f}/s)")
        counts = dict(
            Customer.objects.values_list("segment").annotate(n=django.db.models.Count("id"))
        )
        print("segments:", ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
        for segment in ("lead", "active", "inactive", "vip"):
            times = []
            for _ in range(args.pages):
                started = time.perf_counter()
                qs = customer_list(org=org, filters={"segment": segment})
                customer_page(qs, params=ListParams(limit=50), q=None)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            print(
                f"first page ?segment={segment}: p50 {statistics.median(times):.1f} ms,"
                f" p95 {p95:.1f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
