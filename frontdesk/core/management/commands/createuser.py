import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.actor import Actor
from frontdesk.core.errors import DomainError
from frontdesk.core.management.commands.createorg import _explain
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.choices import Role
from frontdesk.organizations.models import Organization
from frontdesk.organizations.services import staff_add


class Command(BaseCommand):
    help = (
        "Create a staff user with a role in an organization. Without --password a password "
        "is generated and printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization slug")
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", default=None, help="generated and printed if omitted")
        parser.add_argument("--name", default="", help="full name")

    def handle(self, *args, **o):
        org = Organization.objects.filter(slug=o["org"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {o['org']!r}.")
        email = o["email"].strip().lower()
        # A person already known (staff of another organization) keeps their password.
        existing = get_user_model().objects.filter(email=email).exists()
        password = o["password"] or (None if existing else secrets.token_urlsafe(12))
        with tenant_scope(org):
            try:
                membership = staff_add(
                    org=org,
                    actor=Actor.system(org_id=org.pk, label="cli"),
                    email=email,
                    role=o["role"],
                    full_name=o["name"],
                    password=password,
                )
            except DomainError as exc:
                raise CommandError(_explain(exc))
        self.stdout.write(f"Created {membership.user.email} as {membership.role} in {org.slug}")
        if existing:
            self.stdout.write("The user existed already and keeps their password.")
        elif not o["password"]:
            self.stdout.write(f"Password: {password}")
