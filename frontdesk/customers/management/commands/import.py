"""``frontdesk import customers FILE.csv --org SLUG [--map col=field ...] [--dry-run]
[--on-duplicate skip|update|create]``: the same import as the API, run in this process
with a progress bar, and a summary (and the first row errors) at the end."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from frontdesk.core.actor import Actor
from frontdesk.core.errors import DomainError
from frontdesk.core.management.commands.createorg import _explain
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.imports import customer_import_create, customer_import_run
from frontdesk.customers.models import CustomerImportRowError
from frontdesk.organizations.models import Organization


class Command(BaseCommand):
    help = "Import customers from a CSV file (see docs/customers.md, Import and export)."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["customers"])
        parser.add_argument("file", help="a CSV file, UTF-8, first row naming the columns")
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="map a CSV column to a field (repeatable); FIELD empty leaves it out",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--on-duplicate", choices=["skip", "update", "create"], default="skip")

    def handle(self, *args, **o):
        org = Organization.objects.filter(slug=o["org"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {o['org']!r}.")
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        mapping = {}
        for item in o["map"]:
            column, sep, name = item.partition("=")
            if not sep:
                raise CommandError(f"--map takes COLUMN=FIELD, not {item!r}.")
            mapping[column.strip()] = name.strip()
        actor = Actor.system(org_id=org.pk, label="cli import")
        console = Console(stderr=True)
        with tenant_scope(org):
            try:
                imp = customer_import_create(
                    org=org,
                    actor=actor,
                    content=path.read_bytes(),
                    file_name=path.name,
                    mapping=mapping,
                    dry_run=o["dry_run"],
                    on_duplicate=o["on_duplicate"],
                    run=False,
                )
            except DomainError as exc:
                raise CommandError(_explain(exc))
            console.print(f"Columns: {', '.join(f'{c} → {f}' for c, f in imp.mapping.items())}")
            with Progress(
                TextColumn("[bold]importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            ) as bar:
                task = bar.add_task("rows", total=imp.total_rows)
                imp = customer_import_run(
                    org=org,
                    actor=actor,
                    customer_import=imp,
                    progress=lambda i: bar.update(task, completed=i.processed_rows),
                )
                bar.update(task, completed=imp.processed_rows)
            errors = list(
                CustomerImportRowError.objects.filter(customer_import=imp).order_by("row")[:20]
            )
        for error in errors:
            console.print(f"  row {error.row}: {error.field or 'row'}: {error.message}")
        if imp.error_count > len(errors):
            console.print(f"  … and more: GET /api/crm/imports/{imp.pk}/errors")
        verb = "would create" if imp.dry_run else "created"
        self.stdout.write(
            f"{imp.status}: {verb} {imp.created_count}, updated {imp.updated_count},"
            f" skipped {imp.skipped_count} duplicates, {imp.error_count} rows with errors"
            f" (import {imp.pk})"
        )
        if imp.status == "failed":
            raise CommandError(imp.failure)
