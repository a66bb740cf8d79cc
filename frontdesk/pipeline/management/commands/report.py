import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.errors import DomainError
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Organization
from frontdesk.pipeline import selectors

REPORTS = ("pipeline", "win-loss", "sources")


class Command(BaseCommand):
    help = (
        "Print a report of one organization as JSON (the same figures as GET "
        "/api/crm/reports/...): pipeline [--week YYYY-Www], win-loss [--month YYYY-MM], "
        "sources [--since YYYY-MM-DD] [--until YYYY-MM-DD]."
    )

    def add_arguments(self, parser):
        parser.add_argument("report", choices=REPORTS)
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--week", help="ISO week for pipeline, e.g. 2026-W47 (default: this)")
        parser.add_argument("--month", help="month for win-loss, e.g. 2026-11 (default: this)")
        parser.add_argument("--since", help="first day for sources (YYYY-MM-DD)")
        parser.add_argument("--until", help="last day for sources (YYYY-MM-DD)")

    def handle(self, *args, **o):
        org = Organization.objects.filter(slug=o["org"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {o['org']!r}.")
        days = {}
        for name in ("since", "until"):
            if o[name]:
                try:
                    days[name] = dt.date.fromisoformat(o[name])
                except ValueError:
                    raise CommandError(f"--{name}: a date like 2026-11-01, not {o[name]!r}.")
        try:
            with tenant_scope(org):
                if o["report"] == "pipeline":
                    data = selectors.pipeline_report(org=org, week=o["week"])
                elif o["report"] == "win-loss":
                    data = selectors.win_loss_report(org=org, month=o["month"])
                else:
                    data = selectors.sources_report(org=org, **days)
        except DomainError as exc:
            raise CommandError(exc.detail)
        self.stdout.write(json.dumps(data, indent=2, default=str))
