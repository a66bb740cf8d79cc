"""``frontdesk worker``: runs queued jobs and the periodic schedules (django-q2 cluster)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from frontdesk.jobs.services import enqueue, schedules_ensure


class Command(BaseCommand):
    help = (
        "Run the background worker: queued jobs, event dispatch and schedules. Start as many "
        "as you like (on PostgreSQL, on any machine); stop with SIGTERM or Ctrl+C. A worker "
        "killed mid-job loses nothing: the job is handed out again after FRONTDESK_JOB_RETRY "
        "seconds."
    )

    def handle(self, *args, **options):
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not up to date: run `frontdesk migrate` first.")
        schedules_ensure()
        # Catch up at once on events whose dispatch was lost while no worker ran, rather
        # than waiting for the first scheduler pass (about 30 seconds after start).
        enqueue("frontdesk.events.tasks.events_sweep")
        q = settings.Q_CLUSTER
        self.stdout.write(
            f"Frontdesk worker started: {q['workers']} processes, "
            f"job timeout {q['timeout']} s, retry after {q['retry']} s."
        )
        self.stdout.flush()
        call_command("qcluster")
