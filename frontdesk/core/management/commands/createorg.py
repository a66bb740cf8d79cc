from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.errors import DomainError
from frontdesk.organizations.services import organization_create


class Command(BaseCommand):
    help = "Create an organization (a tenant)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--time-zone", default=None)
        parser.add_argument("--currency", default=None)
        parser.add_argument("--country", default=None)

    def handle(self, *args, **o):
        try:
            org = organization_create(
                name=o["name"],
                slug=o["slug"],
                time_zone=o["time_zone"],
                currency=o["currency"],
                country=o["country"],
            )
        except DomainError as exc:
            raise CommandError(_explain(exc))
        self.stdout.write(f"Created organization {org.name} ({org.slug}), id {org.pk}")


def _explain(exc: DomainError) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        return "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return exc.detail
