"""Synthetic data for the benchmarks: one organization filled in bulk.

    .venv/bin/python bench/generate.py --org bench --staff 50 --audit 200000 --outbox 100000
    .venv/bin/python bench/generate.py --org bench --customers 1000000 --workers 4  # PostgreSQL

It uses the same settings as ``frontdesk`` (DATABASE_URL, FRONTDESK_DATA_DIR), so point it
at the database you will serve. ``--leads`` and ``--interactions`` fill the pipeline
(after ``--customers``, whose records they point at). Rows are written with
``bulk_create`` in batches (one transaction per batch), inside the organization's
scope, with a progress bar; leads and interactions go through ``COPY`` on PostgreSQL
(their indexes dropped for a large load and built once after). Each kind of data is one
*generator* in ``GENERATORS``; a domain adds its own as it lands.
Customers (with phones, emails, addresses, tags, vehicles, notes) are written as tuples by
``customers_data.py`` (COPY / executemany, search index in bulk). Re-running adds more
rows; use a fresh ``--org`` for a clean slate.
It prints a bearer token of the organization's owner for ``bench/api_latency.py``.
"""

# ruff: noqa: E402  (Django is set up before the project imports)
from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from frontdesk.audit.models import AuditEntry
from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import OutboxEvent
from frontdesk.organizations.choices import Role
from frontdesk.organizations.models import Membership, Organization
from frontdesk.organizations.services import organization_create, staff_add, token_create

console = Console(stderr=True)
User = get_user_model()
rng = random.Random(42)

FIRST = [
    "Ava",
    "Ben",
    "Carla",
    "Dev",
    "Elena",
    "Femi",
    "Gus",
    "Hana",
    "Ivan",
    "Jada",
    "Kofi",
    "Lena",
    "Marco",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
]
LAST = [
    "Adams",
    "Brooks",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Miller",
]
ROLES = [r.value for r in Role if r != Role.OWNER]
ACTIONS = ["create", "update", "update", "update", "archive", "read", "export"]
OBJECT_TYPES = ["customers.customer", "pipeline.lead", "scheduling.appointment", "billing.invoice"]
EVENT_TYPES = ["customer.created", "lead.stage_changed", "appointment.booked", "invoice.paid"]


@dataclass
class Context:
    org: Organization
    owner: Membership
    actor: Actor
    batch: int
    progress: Progress
    customer_orgs: int = 0
    workers: int = 1
    ledger_heavy: int = 0


def batches(total: int, size: int) -> Iterator[int]:
    done = 0
    while done < total:
        n = min(size, total - done)
        yield n
        done += n


def bulk(ctx: Context, label: str, total: int, make: Callable[[int], list]) -> int:
    """Create ``total`` rows, ``ctx.batch`` at a time; ``make(n)`` builds n unsaved rows."""
    task = ctx.progress.add_task(label, total=total)
    for n in batches(total, ctx.batch):
        rows = make(n)
        with transaction.atomic():
            type(rows[0]).objects.bulk_create(rows, batch_size=ctx.batch)
        ctx.progress.advance(task, n)
    return total


def bulk_rows(ctx: Context, label: str, model, total: int, make: Callable[[int], list]) -> int:
    """Like :func:`bulk`, but ``make(n)`` builds n rows as dicts of field values
    (``attname`` → value, every non-default column, ``id``/``created_at``/``updated_at``
    included): PostgreSQL writes them with ``COPY`` (``customers_data.TableWriter``),
    SQLite as model instances through ``bulk_create``."""
    import customers_data as cd

    task = ctx.progress.add_task(label, total=total)
    pg = connection.vendor == "postgresql"
    writer = cd.TableWriter(model) if pg else None
    for n in batches(total, ctx.batch):
        rows = make(n)
        with transaction.atomic():
            if pg:
                writer.write([writer.row(**row) for row in rows])
            else:
                model.objects.bulk_create([model(**row) for row in rows], batch_size=ctx.batch)
        ctx.progress.advance(task, n)
    return total


@contextmanager
def indexes_deferred(ctx: Context, model, count: int):
    """PostgreSQL, a large load (100,000 rows or more): drop the table's plain indexes
    (not the primary key nor the ones behind constraints), load, then build each once
    from its own definition and ``VACUUM (ANALYZE)`` — much faster than keeping a dozen
    indexes up to date row by row; the vacuum sets the visibility map as autovacuum
    would in a while, so index-only scans are measured as they run in steady state.
    Elsewhere (SQLite, small loads) nothing changes."""
    if connection.vendor != "postgresql" or count < 100_000:
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname"
            " NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        dropped = cursor.fetchall()
        for name, _ in dropped:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        task = ctx.progress.add_task(f"{table} indexes", total=len(dropped))
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in dropped:
                cursor.execute(definition)
                ctx.progress.advance(task, 1)
            cursor.execute(f"VACUUM (ANALYZE) {table}")


# --- generators -------------------------------------------------------------------------
def generate_staff(ctx: Context, count: int) -> int:
    password = make_password("bench-password")  # hashed once: argon2 is slow by design
    tag = uuid.uuid4().hex[:6]
    serial = iter(range(count))

    def make(n: int) -> list:
        users = []
        for _ in range(n):
            i = next(serial)
            users.append(
                User(
                    email=f"staff{i}-{tag}@{ctx.org.slug}.example",
                    full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    password=password,
                )
            )
        User.objects.bulk_create(users)
        users = list(User.objects.filter(email__in=[u.email for u in users]))
        return [
            Membership(organization=ctx.org, user=u, role=rng.choice(ROLES), is_advisor=True)
            for u in users
        ]

    return bulk(ctx, "staff", count, make)


def generate_audit(ctx: Context, count: int) -> int:
    users = list(Membership.objects.values_list("user_id", "user__email")) or [(None, "system")]

    def make(n: int) -> list:
        rows = []
        for _ in range(n):
            user_id, email = rng.choice(users)
            rows.append(
                AuditEntry(
                    organization=ctx.org,
                    action=rng.choice(ACTIONS),
                    object_type=rng.choice(OBJECT_TYPES),
                    object_id=str(uuid.uuid4()),
                    object_repr=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    changes={"status": ["new", "working"], "notes": [None, "Called back"]},
                    actor_kind="staff",
                    actor_label=email,
                    actor_user_id=user_id,
                    request_id=uuid.uuid4().hex[:16],
                    ip="127.0.0.1",
                )
            )
        return rows

    return bulk(ctx, "audit entries", count, make)


def generate_outbox(ctx: Context, count: int) -> int:
    dispatched = timezone.now() - timedelta(minutes=1)  # already delivered: no worker load

    def make(n: int) -> list:
        return [
            OutboxEvent(
                organization=ctx.org,
                type=rng.choice(EVENT_TYPES),
                payload={"id": str(uuid.uuid4()), "by": "bench"},
                actor_label="bench",
                dispatched_at=dispatched,
            )
            for _ in range(n)
        ]

    return bulk(ctx, "outbox events", count, make)


def generate_customers(ctx: Context, count: int) -> int:
    """``count`` customers in the organization, plus ``--customer-orgs`` smaller
    organizations of ``count // 20`` each (they share the tables and the search
    indexes). Tuples in bulk (COPY / executemany), the search index filled per batch
    (SQLite FTS5) or rebuilt once (PostgreSQL GIN); see ``customers_data.py``."""
    import customers_data as cd

    started = time.monotonic()
    dropped = cd.drop_trigram_indexes() if count >= 100_000 else []
    orgs = [(ctx.org, count)]
    small = max(count // 20, 1)
    for k in range(1, ctx.customer_orgs + 1):
        org, _ = organization_get_or_create(f"{ctx.org.slug}-small{k}")
        orgs.append((org, small))
    total = 0
    for org, n in orgs:
        with tenant_scope(org):
            task = ctx.progress.add_task(f"customers {org.slug}", total=n)
            cd.load_organization(
                org,
                n,
                batch=ctx.batch,
                workers=ctx.workers,
                seed=rng.randint(0, 10**6),
                advance=lambda size, task=task: ctx.progress.advance(task, size),
            )
        total += n
    loaded = time.monotonic() - started
    task = ctx.progress.add_task("search index" if dropped else "statistics", total=None)
    cd.finish(dropped)
    ctx.progress.update(task, total=1, completed=1)
    # the stored automatic segment (SPEC 4.9), set-based as the daily job does it
    from frontdesk.customers.segments import customer_segments_refresh

    for org, _ in orgs:
        with tenant_scope(org):
            customer_segments_refresh(org=org)
    console.print(
        f"customers: {total} rows loaded in {loaded:.1f}s ({total / loaded:,.0f}/s),"
        f" index/statistics {time.monotonic() - started - loaded:.1f}s"
    )
    return total


# --- pipeline: leads and interactions -----------------------------------------------------
LEAD_SOURCES = ["phone_call", "email", "web_form", "referral", "ad", "walk_in", "other"]
LEAD_TITLES = ["Brake quote", "Oil change", "Fleet service", "A/C repair", "New tires",
               "Timing belt", "Inspection", "Transmission", "Detailing", "Battery"]  # fmt: skip
INTERACTION_TYPES = ["phone_call", "email_inbound", "email_outbound", "sms_outbound", "note"]


@contextmanager
def own_timestamps(*models):
    """Let bulk rows keep the ``created_at`` they were given (history, not "now")."""
    fields = [m._meta.get_field("created_at") for m in models]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def _ids(ctx: Context, model, limit: int = 200_000) -> list:
    """Up to ``limit`` ids of ``model`` rows of the benchmark's organization."""
    rows = model.objects.filter(organization=ctx.org).order_by()
    return list(rows.values_list("pk", flat=True)[:limit])


def generate_leads(ctx: Context, count: int) -> int:
    """``count`` leads over the last two years: about a third still open (spread over the
    stages, touched within the last weeks), the rest converted or disqualified. Linked to
    the organization's customers when there are some (``--customers``). Written with
    ``COPY`` on PostgreSQL (indexes built after a large load), ``bulk_create`` on SQLite."""
    from frontdesk.core.refnums import reference_block
    from frontdesk.customers.models import Customer
    from frontdesk.pipeline.models import Lead
    from frontdesk.pipeline.services import stages_ensure

    stages = [s.pk for s in stages_ensure(org=ctx.org)]
    customers = _ids(ctx, Customer) or [None]
    members = _ids(ctx, Membership, 50) or [None]
    now = timezone.now()

    def make(n: int) -> list:
        numbers = reference_block(org=ctx.org, kind="lead", count=n, width=6)
        rows = []
        for number in numbers:
            created = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
            status = rng.choices(
                ["new", "working", "qualified", "converted", "disqualified"], [12, 15, 6, 40, 27]
            )[0]
            open_ = status in ("new", "working", "qualified")
            touch = created + (now - created) * rng.random() if open_ else created
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "organization_id": ctx.org.pk,
                    "number": number,
                    "title": rng.choice(LEAD_TITLES),
                    "customer_id": rng.choice(customers),
                    "source": rng.choice(LEAD_SOURCES),
                    "status": status,
                    "disqualification_reason": "budget" if status == "disqualified" else "",
                    "estimated_value": rng.choice([None, rng.randint(50, 5000) * 100]),
                    "stage_id": rng.choice(stages),
                    "owner_id": rng.choice(members),
                    "score": rng.randint(0, 100),
                    "stage_changed_at": created,
                    "last_touch_at": touch,
                    "open_touch_at": touch if status in ("new", "working") else None,
                    "closed_at": None if open_ else touch + timedelta(days=rng.randint(1, 60)),
                    "created_at": created,
                    "updated_at": now,
                }
            )
        return rows

    with own_timestamps(Lead), indexes_deferred(ctx, Lead, count):
        return bulk_rows(ctx, "leads", Lead, count, make)


def generate_interactions(ctx: Context, count: int) -> int:
    """``count`` interactions over the last three years: about half on a lead (and its
    customer), the rest on customers' timelines; 2 % with a pending follow-up. Written
    with ``COPY`` on PostgreSQL (the dozen indexes built once after a large load),
    ``bulk_create`` on SQLite."""
    from frontdesk.customers.models import Customer
    from frontdesk.pipeline.models import Interaction, Lead

    leads = list(
        Lead.objects.filter(organization=ctx.org)
        .order_by()
        .values_list("pk", "customer_id")[:200_000]
    )
    customers = _ids(ctx, Customer)
    if not leads and not customers:
        console.print("interactions: no customers or leads to attach them to (skipped)")
        return 0
    members = _ids(ctx, Membership, 50) or [None]
    now = timezone.now()
    today = now.date()

    def make(n: int) -> list:
        rows = []
        for _ in range(n):
            lead_id, customer_id = (
                rng.choice(leads) if leads and (not customers or rng.random() < 0.5) else
                (None, rng.choice(customers))
            )  # fmt: skip
            occurred = now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
            pending = rng.random() < 0.02
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "organization_id": ctx.org.pk,
                    "type": rng.choice(INTERACTION_TYPES),
                    "direction": rng.choice(["inbound", "outbound"]),
                    "occurred_at": occurred,
                    "duration_s": rng.randint(20, 900),
                    "staff_id": rng.choice(members),
                    "subject": rng.choice(LEAD_TITLES),
                    "body": "Talked through the estimate and next steps.",
                    "outcome": rng.choice(["none", "spoke", "left_voicemail"]),
                    "follow_up_date": (
                        today + timedelta(days=rng.randint(-5, 10)) if pending else None
                    ),
                    "follow_up_status": "pending" if pending else "none",
                    "customer_id": customer_id,
                    "lead_id": lead_id,
                    "created_at": occurred,
                    "updated_at": now,
                }
            )
        return rows

    with own_timestamps(Interaction), indexes_deferred(ctx, Interaction, count):
        return bulk_rows(ctx, "interactions", Interaction, count, make)


def generate_ledger(ctx: Context, count: int) -> int:
    """``count`` issued invoices over the organization's customers (at most 200,000 of
    them; make them with ``--customers``), each
    posted to the ledger (Dr receivable, Cr revenue, Cr tax) and two in three paid
    (Dr cash, Cr receivable), dated over the last 200 days — so receivables have every
    ageing bucket. One customer (the first) gets ``--ledger-heavy`` of them: the
    statement benchmark's 10,000-entry customer. Rows are written in bulk, straight
    into the append-only tables (inserts only)."""
    from frontdesk.customers.models import Customer
    from frontdesk.money.models import Invoice, JournalEntry, JournalLine

    customer_ids = list(
        Customer.objects.filter(organization=ctx.org).values_list("pk", flat=True)[:200_000]
    )
    if not customer_ids:
        raise SystemExit("--ledger needs customers: add --customers N (once is enough)")
    heavy = min(ctx.ledger_heavy, count)
    today = timezone.localdate()
    task = ctx.progress.add_task("ledger", total=count)
    made = 0
    for n in batches(count, ctx.batch):
        invoices, entries, lines = [], [], []
        for k in range(n):
            i = made + k
            customer_id = customer_ids[0] if i < heavy else rng.choice(customer_ids)
            day = today - timedelta(days=rng.randint(0, 200))
            net = rng.randint(2_000, 60_000)
            tax = net * 825 // 10_000
            invoice = Invoice(
                organization_id=ctx.org.pk, number=f"INV-B-{uuid.uuid4().hex[:12]}",
                customer_id=customer_id, status="issued", invoice_date=day, issued_on=day,
                subtotal=net, net=net, tax=tax, total=net + tax,
            )  # fmt: skip
            invoices.append(invoice)
            entry = JournalEntry(
                organization_id=ctx.org.pk, entry_date=day, document_type="invoice",
                document_id=invoice.pk, reference=invoice.number, description="Invoice",
            )  # fmt: skip
            entries.append(entry)
            for account, debit, credit, inv in (
                ("receivable", net + tax, 0, invoice.pk),
                ("revenue", 0, net, None),
                ("tax", 0, tax, None),
            ):
                lines.append(JournalLine(
                    organization_id=ctx.org.pk, entry_id=entry.pk, entry_date=day,
                    account=account, customer_id=customer_id, invoice_id=inv,
                    debit=debit, credit=credit,
                ))  # fmt: skip
            if rng.random() < 2 / 3:
                paid = JournalEntry(
                    organization_id=ctx.org.pk, entry_date=day, document_type="payment",
                    document_id=uuid.uuid4(), reference=f"PAY-B{i}", description="Payment",
                )  # fmt: skip
                entries.append(paid)
                lines += [
                    JournalLine(organization_id=ctx.org.pk, entry_id=paid.pk, entry_date=day,
                                account="cash", customer_id=customer_id, debit=net + tax),
                    JournalLine(organization_id=ctx.org.pk, entry_id=paid.pk, entry_date=day,
                                account="receivable", customer_id=customer_id,
                                invoice_id=invoice.pk, credit=net + tax),
                ]  # fmt: skip
                invoice.status = "paid"
        with transaction.atomic():
            Invoice.objects.bulk_create(invoices, batch_size=ctx.batch)
            JournalEntry.objects.bulk_create(entries, batch_size=ctx.batch)
            JournalLine.objects.bulk_create(lines, batch_size=ctx.batch)
        made += n
        ctx.progress.advance(task, n)
    return count


# name (the --option giving its count) → generator; run in this order
GENERATORS: dict[str, Callable[[Context, int], int]] = {
    "staff": generate_staff,
    "audit": generate_audit,
    "outbox": generate_outbox,
    "customers": generate_customers,
    "leads": generate_leads,
    "interactions": generate_interactions,
    "ledger": generate_ledger,
}


def organization_get_or_create(slug: str) -> tuple[Organization, Membership]:
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        org = organization_create(name=f"Bench {slug}", slug=slug, time_zone="America/Chicago")
    actor = Actor.system(org_id=org.pk, label="bench")
    with tenant_scope(org):
        owner = Membership.objects.filter(role=Role.OWNER).select_related("user").first()
        if owner is None:
            owner = staff_add(
                org=org,
                actor=actor,
                email=f"owner@{slug}.example",
                role=Role.OWNER,
                full_name="Bench Owner",
                password=f"bench-{uuid.uuid4().hex[:12]}",
            )
    return org, owner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--org", default="bench", help="organization slug (created if missing)")
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--audit", type=int, default=10_000, help="audit entries")
    parser.add_argument("--outbox", type=int, default=10_000, help="outbox events (dispatched)")
    parser.add_argument(
        "--customers", type=int, default=0, help="customers in the organization (with vehicles…)"
    )
    parser.add_argument(
        "--customer-orgs",
        type=int,
        default=2,
        help="smaller organizations of customers/20 each, made alongside (default 2)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="customer loader processes (PostgreSQL only; SQLite has one writer)",
    )
    parser.add_argument("--leads", type=int, default=0, help="leads (after customers)")
    parser.add_argument(
        "--interactions", type=int, default=0, help="interactions (on customers and leads)"
    )
    parser.add_argument(
        "--ledger", type=int, default=0, help="issued invoices posted to the ledger (2/3 paid)"
    )
    parser.add_argument(
        "--ledger-heavy",
        type=int,
        default=0,
        help="how many of --ledger go to one customer (the 10,000-entry statement)",
    )
    parser.add_argument("--batch", type=int, default=5_000, help="rows per bulk_create")
    parser.add_argument("--no-token", action="store_true", help="do not create an API token")
    args = parser.parse_args(argv)

    started = time.monotonic()
    org, owner = organization_get_or_create(args.org)
    counts = {name: getattr(args, name) for name in GENERATORS}
    columns = (
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with tenant_scope(org), Progress(*columns, console=console) as progress:
        ctx = Context(
            org=org,
            owner=owner,
            actor=Actor.system(org_id=org.pk, label="bench"),
            batch=args.batch,
            progress=progress,
            customer_orgs=args.customer_orgs,
            workers=args.workers,
            ledger_heavy=args.ledger_heavy,
        )
        made = {}
        for name, generate in GENERATORS.items():
            if counts[name] > 0:
                made[name] = generate(ctx, counts[name])
        if made and connection.vendor == "postgresql":
            # fresh statistics for every table written (autovacuum would take a while): a
            # plan chosen on empty statistics (a correlated subquery on a non-leading
            # index column) made the 360's recent invoices take 8–24 ms instead of 0.03
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        token = None
        if not args.no_token:
            _, token = token_create(org=org, actor=ctx.actor, membership=owner, name="bench")
    console.print(
        f"Generated into [bold]{org.slug}[/bold] in {time.monotonic() - started:.1f}s: "
        + (", ".join(f"{n} {name}" for name, n in made.items() if n) or "nothing")
    )
    if token:
        console.print("Owner token (last line of stdout):")
        print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
