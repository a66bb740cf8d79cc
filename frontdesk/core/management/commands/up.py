"""``frontdesk up``: migrate, load the demo into an empty database, run web + worker.

The web server and the worker are child processes. Ctrl+C or SIGTERM stops both (each
gets SIGTERM, then SIGKILL for its whole process group if it has not stopped within
``--stop-timeout`` seconds); if either dies on its own, the other is stopped and ``up``
exits with status 1.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.demo import credentials_text, demo_create, demo_credentials
from frontdesk.organizations.models import Organization

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Stop(Exception):
    pass


def _raise_stop(*_):
    raise _Stop


class Command(BaseCommand):
    help = (
        "Migrate, create the demo business if the database is empty, then run the web server "
        "and a worker together until Ctrl+C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="never create the demo")
        parser.add_argument("--stop-timeout", type=float, default=20.0)

    def handle(self, *args, **o):
        # Explicit, so that Ctrl+C works even when started with SIGINT ignored (``cmd &``).
        previous = {sig: signal.signal(sig, _raise_stop) for sig in STOP_SIGNALS}
        children: list[subprocess.Popen] = []
        failed = False
        try:
            credentials = self._prepare(no_demo=o["no_demo"])
            base = [sys.executable, "-m", "frontdesk"]
            # Own process groups: a child that must be killed takes its workers with it.
            for command in (
                ["serve", "--host", o["host"], "--port", str(o["port"])],
                ["worker"],
            ):
                children.append(subprocess.Popen([*base, *command], start_new_session=True))
            url = f"http://{_client_host(o['host'])}:{o['port']}"
            if not self._wait_ready(url, children):
                raise CommandError("The web server did not start; see the messages above.")
            if credentials:
                self.stdout.write(credentials_text(credentials, url))
            else:
                self.stdout.write(f"Frontdesk is ready at {url}/")
            self.stdout.write("Press Ctrl+C to stop.")
            self.stdout.flush()
            while all(child.poll() is None for child in children):
                time.sleep(0.3)
            failed = True
            self.stderr.write("A child process stopped unexpectedly; stopping the other.")
        except (KeyboardInterrupt, _Stop):  # Ctrl+C, SIGTERM
            pass
        finally:
            for sig in STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)
            _stop(children, timeout=o["stop_timeout"])
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Frontdesk stopped.")
        if failed:
            raise SystemExit(1)

    def _prepare(self, *, no_demo: bool) -> dict | None:
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo and not Organization.objects.exists():
            self.stdout.write("Empty database: creating the demo business…")
            self.stdout.flush()
            return demo_create()
        credentials = demo_credentials()
        if credentials and Organization.objects.filter(slug=credentials["organization"]).exists():
            return credentials
        return None

    def _wait_ready(self, url: str, children: list[subprocess.Popen], timeout=60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(child.poll() is not None for child in children):
                return False
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return True
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        return False


def _client_host(host: str) -> str:
    if host in ("0.0.0.0", ""):  # noqa: S104
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _stop(children: list[subprocess.Popen], *, timeout: float) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + timeout
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        # Kill what is left of the child's process group: the child itself if it did not
        # stop in time, or workers that outlived it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
