from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.demo import (
    CREDENTIALS_FILE,
    DEMO_SLUG,
    DemoExists,
    credentials_text,
    demo_create,
)


class Command(BaseCommand):
    help = (
        'Create the demo business "Demo Auto Care" (one user per role, an API token and '
        "sample data), print its logins and keep them in the data directory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--slug", default=DEMO_SLUG, help=f"default {DEMO_SLUG}")

    def handle(self, *args, **o):
        try:
            credentials = demo_create(slug=o["slug"])
        except DemoExists as exc:
            path = settings.DATA_DIR / CREDENTIALS_FILE
            hint = f" Its logins are in {path}." if path.exists() else ""
            raise CommandError(f"{exc}{hint} Use --slug to create another.")
        self.stdout.write(credentials_text(credentials))
