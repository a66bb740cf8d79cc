from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.actor import Actor
from frontdesk.core.errors import DomainError
from frontdesk.core.management.commands.createorg import _explain
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Membership, Organization
from frontdesk.organizations.services import token_create


class Command(BaseCommand):
    help = (
        "Create an API token for a staff member. The token is printed alone on the last line "
        "of standard output (messages go to standard error), so TOKEN=$(frontdesk token ...) "
        "works. It is shown once: only its hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="CLI token")
        parser.add_argument(
            "--assistant",
            action="store_true",
            help="an AI-assistant token: may read, log and draft only",
        )

    def handle(self, *args, **o):
        org = Organization.objects.filter(slug=o["org"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {o['org']!r}.")
        with tenant_scope(org):
            membership = (
                Membership.objects.select_related("user")
                .filter(user__email=o["email"].strip().lower())
                .first()
            )
            if membership is None or not membership.is_active:
                raise CommandError(f"{o['email']} is not active staff of {org.slug}.")
            try:
                token, raw = token_create(
                    org=org,
                    actor=Actor.system(org_id=org.pk, label="cli"),
                    membership=membership,
                    name=o["name"],
                    is_assistant=o["assistant"],
                )
            except DomainError as exc:
                raise CommandError(_explain(exc))
        kind = "assistant" if token.is_assistant else "staff"
        self.stderr.write(f"Created {kind} token {token.name!r} for {membership.user.email}")
        self.stdout.write(raw)
