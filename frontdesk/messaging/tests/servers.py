"""Real servers for the channel tests: an HTTP server that behaves like an SMS provider
speaking Twilio's Messages API, and an SMTP server (aiosmtpd) that keeps what it is sent.

:class:`FakeSmsProvider` checks HTTP basic auth, answers ``201`` with a message SID, and
honours ``Idempotency-Key``: a repeated key answers the first SID and delivers nothing
more — like a provider that deduplicates. ``plan`` scripts the next answers (``"ok"``,
``500``, ``429``, ``"timeout"`` — it sleeps past the client's timeout, then still
accepts the message, as a slow provider would; ``"delay"``), so tests can fail the first
attempts. ``delivered`` lists what would have reached phones.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from collections import deque
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller


class FakeSmsProvider:
    def __init__(self, sid: str = "ACtest", token: str = "secret-token"):
        self.sid, self.token = sid, token
        self.plan: deque = deque()
        self.requests: list[dict] = []
        self.delivered: list[dict] = []
        self.by_key: dict[str, str] = {}
        self.timeout_sleep = 1.5
        self.delay = 0.0
        self.lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                status, body, headers = provider.handle(self.path, dict(self.headers), form)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) or died

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeSmsProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, path: str, headers: dict, form: dict) -> tuple[int, dict, dict]:
        expected = "Basic " + base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        with self.lock:
            step = self.plan.popleft() if self.plan else "ok"
            self.requests.append({"path": path, "headers": headers, "form": form, "step": step})
        if headers.get("Authorization") != expected:
            return 401, {"code": 20003, "message": "Authenticate"}, {}
        if path != f"/2010-04-01/Accounts/{self.sid}/Messages.json":
            return 404, {"code": 20404, "message": "Not found"}, {}
        if step == 500:
            return 500, {"code": 20500, "message": "Internal error"}, {}
        if step == 429:
            return 429, {"code": 20429, "message": "Too many requests"}, {"Retry-After": "1"}
        if isinstance(step, int):
            return step, {"code": 21211, "message": "Invalid 'To' number"}, {}
        if step == "timeout":
            time.sleep(self.timeout_sleep)
        if self.delay:
            time.sleep(self.delay)
        key = headers.get("Idempotency-Key", "")
        with self.lock:
            if key and key in self.by_key:
                return 201, {"sid": self.by_key[key], "status": "queued"}, {}
            sid = "SM" + uuid.uuid4().hex
            if key:
                self.by_key[key] = sid
            self.delivered.append({"sid": sid, **form})
        return 201, {"sid": sid, "status": "queued", "to": form.get("To")}, {}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """An aiosmtpd server on a free port keeping each message it accepts, parsed."""

    def __init__(self):
        self.messages: list = []
        self.refuse: dict[str, int] = {}  # recipient -> SMTP code to answer at RCPT
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                code = sink.refuse.get(address)
                if code:
                    return f"{code} mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                sink.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return self.controller.port

    def stop(self) -> None:
        self.controller.stop()
