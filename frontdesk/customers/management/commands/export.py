"""``frontdesk export customers --org SLUG [--status ...] [--tag ...] [--q ...] > out.csv``:
the API's CSV export (same filters, formula-safe cells, audited) on standard output."""

import sys

from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.actor import Actor
from frontdesk.core.errors import DomainError
from frontdesk.core.management.commands.createorg import _explain
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import selectors
from frontdesk.customers.exports import customer_export
from frontdesk.organizations.models import Organization

FILTERS = ("status", "lifecycle_stage", "segment", "tag", "company_id", "source")


class Command(BaseCommand):
    help = "Export customers as CSV (or JSON) on standard output."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["customers"])
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--q", help="search, as ?q= on the customer list")
        for name in FILTERS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name)

    def handle(self, *args, **o):
        org = Organization.objects.filter(slug=o["org"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {o['org']!r}.")
        filters = {name: o[name] for name in FILTERS if o.get(name)}
        with tenant_scope(org):
            try:
                qs = selectors.customer_list(org=org, filters=filters)
                lines = customer_export(
                    org=org,
                    actor=Actor.system(org_id=org.pk, label="cli export"),
                    qs=qs,
                    filters=filters,
                    q=o["q"],
                    fmt=o["format"],
                )
                for chunk in lines:
                    sys.stdout.write(chunk)
            except DomainError as exc:
                raise CommandError(_explain(exc))
