"""``frontdesk serve``: the production web server (granian, WSGI, several workers).

Capacity: every request in flight holds one of a worker's blocking threads until its response
is complete, and a long-lived streaming response (server-sent events) holds one for as long
as it stays open. ``workers × threads`` is therefore how many requests and open streams the
server carries at once; more wait for a free thread. Python threads waiting on I/O are cheap,
so the default is generous (32 per worker); streaming views must also end each stream after
a bounded time (the browser's EventSource reconnects by itself), so that no number of idle
tabs can hold every thread.
"""

import logging
import os
import socket

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from granian import Granian
from granian.constants import Interfaces

DEFAULT_WORKERS = max(2, min(os.cpu_count() or 2, 4))
DEFAULT_THREADS = 32


class _ThreadCountNotice(logging.Filter):
    """granian warns when a WSGI worker may run more threads than 2×CPUs+1: sound advice for
    CPU-bound apps, not for I/O-bound views and open event streams (see the module doc)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "seems quite high" not in record.getMessage()


class Command(BaseCommand):
    help = (
        "Serve the web UI and the API with granian (WSGI, several worker processes). "
        "Every request in flight and every open event stream holds one blocking thread, so "
        "the server carries WORKERS x THREADS of them at once (default "
        f"{DEFAULT_WORKERS} x {DEFAULT_THREADS}); raise --threads for many open streams."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("FRONTDESK_WEB_WORKERS", DEFAULT_WORKERS)),
            help="worker processes (env FRONTDESK_WEB_WORKERS; default: CPUs, 2 to 4)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("FRONTDESK_WEB_THREADS", DEFAULT_THREADS)),
            help=(
                "blocking threads per worker: requests in flight plus open event streams "
                f"(env FRONTDESK_WEB_THREADS; default {DEFAULT_THREADS})"
            ),
        )

    def handle(self, *args, **o):
        if o["workers"] < 1 or o["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        _check_can_listen(o["host"], o["port"])
        if settings.STORAGES["staticfiles"]["BACKEND"].endswith("ManifestStaticFilesStorage"):
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"Frontdesk listening on http://{o['host']}:{o['port']}/ "
            f"({o['workers']} workers x {o['threads']} threads)"
        )
        self.stdout.flush()
        server = Granian(
            "frontdesk.wsgi:application",
            address=o["host"],
            port=o["port"],
            interface=Interfaces.WSGI,
            workers=o["workers"],
            blocking_threads=o["threads"],
            websockets=False,
        )
        logging.getLogger("_granian").addFilter(_ThreadCountNotice())
        server.serve()


def _check_can_listen(host: str, port: int) -> None:
    """Fail with a clear message, rather than granian's panic, when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.create_server((host.strip("[]"), port), family=family):
            pass
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise CommandError(f"Cannot listen on {host}:{port}: {reason}.")
