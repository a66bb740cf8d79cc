"""``frontdesk up`` on a fresh machine: an empty data directory becomes a running Frontdesk
(migrated, demo business loaded, web and worker started), whose printed token works, and
SIGTERM stops all of it."""

import json
import os
import re
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TOKEN_RE = re.compile(r"API token \(owner\):\s+(fd_[A-Za-z0-9_-]+)")
# Variables the test settings put into this process's environment: a fresh machine has none.
INHERITED = ("DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "STATICFILES_STORAGE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def processes_using(data_dir: Path) -> list[int]:
    """Processes whose environment points at ``data_dir`` (this test's children)."""
    marker = f"FRONTDESK_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_up_starts_a_working_frontdesk_from_nothing_and_stops_on_sigterm(
    tmp_path, frontdesk_process, wait_for
):
    data_dir = tmp_path / "data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    for name in INHERITED:
        env.pop(name, None)
    env.update(
        FRONTDESK_DATA_DIR=str(data_dir),
        FRONTDESK_TESTING="1",  # fast password hashing; everything else as in production
        FRONTDESK_WORKER_PROCESSES="1",
        FRONTDESK_WEB_WORKERS="1",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
    )
    up = frontdesk_process(["up", "--port", str(port)], env=env)

    wait_for(
        lambda: "Press Ctrl+C to stop." in up.output(),
        timeout=240,  # migrate + the whole demo business on a fresh SQLite file
        what="frontdesk up to be ready",
        log=up.output,
    )
    output = up.output()
    assert (data_dir / "frontdesk.sqlite3").exists()
    assert f"Demo Auto Care is ready at http://127.0.0.1:{port}/" in output
    for role in ("owner", "manager", "advisor", "cashier", "marketing", "sales"):
        assert f"{role}@demo-auto.example" in output
    token = TOKEN_RE.search(output).group(1)

    assert get(f"http://127.0.0.1:{port}/readyz") == (200, {"status": "ready"})
    status, me = get(f"http://127.0.0.1:{port}/api/crm/me", token)
    assert status == 200
    assert (me["organization"]["name"], me["role"]) == ("Demo Auto Care", "owner")
    wait_for(
        lambda: "Frontdesk worker started" in up.output(),
        timeout=30,
        what="the worker",
        log=up.output,
    )
    assert len(processes_using(data_dir)) >= 3  # up, the web server, the worker (+ theirs)

    up.proc.send_signal(signal.SIGTERM)
    try:
        assert up.proc.wait(timeout=30) == 0, up.output()
    except subprocess.TimeoutExpired:
        pytest.fail(f"frontdesk up did not stop within 30 s:\n{up.output()}")
    assert "Frontdesk stopped." in up.output()
    wait_for(
        lambda: not processes_using(data_dir),
        timeout=10,
        what="every child process to be gone",
        log=up.output,
    )
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
