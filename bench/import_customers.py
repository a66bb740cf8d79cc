"""Time the customer CSV import end to end (parse, normalize, duplicate check, insert,
search index) through the service, and print rows per second.

    FRONTDESK_DATA_DIR=/tmp/fd-import .venv/bin/frontdesk migrate
    FRONTDESK_DATA_DIR=/tmp/fd-import .venv/bin/python bench/import_customers.py --rows 100000
    DATABASE_URL=postgres://… .venv/bin/python bench/import_customers.py --rows 1000000

It generates a realistic CSV (names, phones in mixed formats, emails, cities, tags; about
2% duplicates of earlier rows and 1% bad rows), creates a fresh organization
(``--org``, default ``import-bench-<n>``), stores the upload and runs the import job in
this process. ``--cli`` runs ``frontdesk import customers`` instead.
"""

# ruff: noqa: E402  (Django is set up before the project imports)
from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")

import django

django.setup()

from django.conf import settings

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.imports import customer_import_create, customer_import_run
from frontdesk.organizations.models import Organization

FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "José",
    "Zoë",
    "Chloé",
    "Renée",
]  # noqa: E501
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "O'Brien",
    "Nguyen",
]  # noqa: E501
CITIES = [
    ("Austin", "TX", "787"),
    ("Dallas", "TX", "752"),
    ("Houston", "TX", "770"),
    ("Denver", "CO", "802"),
    ("Seattle", "WA", "981"),
    ("Portland", "OR", "972"),
]
AREAS = ["512", "214", "713", "303", "206", "503", "737", "469"]
TAGS = ["vip", "fleet", "warranty", "newsletter", "referral", "ev", "wholesale"]


def phone(n: int, rnd: random.Random) -> str:
    area, line = AREAS[n % len(AREAS)], f"{(n // len(AREAS)) % 10_000_000:07d}"
    exchange = f"{2 + int(line[0]) % 8}{line[1:3]}"
    last = line[3:]
    style = rnd.random()
    if style < 0.5:
        return f"+1{area}{exchange}{last}"
    if style < 0.8:
        return f"({area}) {exchange}-{last}"
    return f"{area}-{exchange}-{last}"


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("First Name,Last Name,Phone,E-mail,Street,City,State,Zip,Tags\n")
        for i in range(rows):
            n = rnd.randrange(max(i, 1)) if i and rnd.random() < 0.02 else i  # ~2% duplicates
            first, last = FIRST[n % len(FIRST)], LAST[(n // 7) % len(LAST)]
            city, state, zip3 = CITIES[n % len(CITIES)]
            tags = ";".join(rnd.sample(TAGS, rnd.randrange(3)))
            email = f"{first}.{last}.{n}@example.com".lower().replace("'", "")
            tel = phone(n, rnd)
            if rnd.random() < 0.01:  # ~1% bad rows
                tel, email = "12", "not-an-email"
            last_cell = f'"{last}"' if "'" in last else last
            out.write(
                f"{first},{last_cell},{tel},{email},{100 + n % 900} Main St,{city},{state},"
                f"{zip3}{n % 100:02d},{tags}\n"
            )


def _backend_cpu() -> float | None:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far, read
    from /proc (the server runs on this machine); None on SQLite or elsewhere."""
    if django.db.connection.vendor != "postgresql":
        return None
    with django.db.connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    """CPU seconds of this process's finished child processes (the import's cleaning
    process is one)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--org", default="")
    parser.add_argument("--on-duplicate", default="skip", choices=["skip", "update", "create"])
    parser.add_argument("--cli", action="store_true", help="run `frontdesk import customers`")
    args = parser.parse_args(argv)
    slug = args.org or f"import-bench-{uuid.uuid4().hex[:6]}"
    org, _ = Organization.objects.get_or_create(
        slug=slug, defaults={"name": f"Import bench {slug}", "country": "US"}
    )
    settings.IMPORT_MAX_BYTES = 2**40
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        started = time.perf_counter()
        write_csv(path, args.rows)
        print(
            f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB)"
            f" in {time.perf_counter() - started:.1f}s"
        )
        started, cpu, backend = time.perf_counter(), time.process_time(), _backend_cpu()
        helper = _children_cpu()
        if args.cli:
            env = {**os.environ, "FRONTDESK_IMPORT_MAX_BYTES": str(2**40)}
            cmd = [
                sys.executable,
                "-m",
                "frontdesk",
                "import",
                "customers",
                str(path),
                "--org",
                slug,
                "--on-duplicate",
                args.on_duplicate,
            ]
            subprocess.run(cmd, check=True, env=env)
        else:
            actor = Actor.system(org_id=org.pk, label="bench")
            with tenant_scope(org):
                imp = customer_import_create(
                    org=org,
                    actor=actor,
                    content=path.read_bytes(),
                    file_name=path.name,
                    on_duplicate=args.on_duplicate,
                    run=False,
                )
                imp = customer_import_run(org=org, actor=actor, customer_import=imp)
            print(
                f"status {imp.status}: created {imp.created_count:,}, updated"
                f" {imp.updated_count:,}, skipped {imp.skipped_count:,},"
                f" errors {imp.error_count:,}"
            )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        helper = _children_cpu() - helper
        backend = None if backend is None else (_backend_cpu() or 0) - backend
    print(
        f"imported {args.rows:,} rows in {elapsed:.1f}s: {args.rows / elapsed:,.0f} rows/s"
        f" ({django.db.connection.vendor}, org {slug}, load average"
        f" {os.getloadavg()[0]:.1f})"
    )
    if not args.cli:  # the CLI's CPU is another process's
        per = 10_000 / args.rows
        line = f"CPU per 10,000 rows: importing process {cpu * per:.2f}s"
        line += f", its cleaning process {helper * per:.2f}s"
        if backend is not None:
            line += f", PostgreSQL backend {backend * per:.2f}s"
        line += f", together {(cpu + helper + (backend or 0)) * per:.2f}s"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
