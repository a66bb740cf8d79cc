"""Fixtures for tests that run ``python -m frontdesk ...`` as real processes against the
test database (the tests using them need ``@pytest.mark.django_db(transaction=True)`` so
that what they write is committed and visible to the child process)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def child_database_url() -> str:
    """DATABASE_URL of the database this test process uses (the pytest test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        user = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            user += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{user}@{host}{port}/{quote(db['NAME'], safe='')}"
    raise NotImplementedError(connection.vendor)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child ``frontdesk`` process sharing this test's database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "frontdesk.test_settings",
        "DATABASE_URL": child_database_url(),
        # the same key signs and checks queued jobs on both sides
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def poll_until(condition: Callable[[], object], *, timeout: float, what: str, log=None):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            tail = f"\n--- process output ---\n{log()}" if log else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{tail}")
        time.sleep(0.05)


class Child:
    """A ``python -m frontdesk ...`` process in its own process group, output to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "frontdesk", *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pgid(self) -> int:
        return self.proc.pid  # start_new_session: the child leads its own group

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kill_hard(self) -> None:
        """``kill -9`` the child and every process it started."""
        os.killpg(self.pgid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM, then SIGKILL for the whole group if it takes longer than ``timeout``."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, signal.SIGKILL)  # stragglers, if any
        self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def frontdesk_process(tmp_path):
    """``start(["worker"], FRONTDESK_JOB_TIMEOUT="3")`` → a running :class:`Child`.
    Every child still running at teardown is stopped (SIGTERM, then SIGKILL)."""
    children: list[Child] = []

    def start(args: list[str], *, env: dict[str, str] | None = None, **extra: str) -> Child:
        child = Child(
            args,
            env if env is not None else child_env(**extra),
            tmp_path / f"{args[0]}-{len(children)}.log",
        )
        children.append(child)
        return child

    yield start
    for child in children:
        child.stop()


@pytest.fixture
def frontdesk_env():
    """``frontdesk_env(FRONTDESK_JOBS_SYNC="0")`` → environment for a child process."""
    return child_env


@pytest.fixture
def wait_for():
    """``wait_for(lambda: ..., timeout=10, what="...", log=child.output)``."""
    return poll_until
