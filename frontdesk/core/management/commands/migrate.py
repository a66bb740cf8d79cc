"""``frontdesk migrate``: Django's migrate, then the cache table and the job schedules."""

from django.core.management import call_command
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DEFAULT_DB_ALIAS, connections

from frontdesk.jobs.services import schedules_ensure


class Command(MigrateCommand):
    help = (
        "Apply the database migrations, create the cache table and the background job "
        "schedules. Safe to run again."
    )

    def handle(self, *args, **options):
        super().handle(*args, **options)
        if options.get("plan") or options.get("check_unapplied"):
            return
        database = options.get("database") or DEFAULT_DB_ALIAS
        call_command("createcachetable", database=database, verbosity=0)
        if database == DEFAULT_DB_ALIAS and "django_q_schedule" in (
            connections[database].introspection.table_names()
        ):
            schedules_ensure()
