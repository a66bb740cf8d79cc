"""Sending one webhook request: Standard Webhooks headers and signature, the guarded HTTP
client, a 10-second timeout and at most 64 KB of the answer read. No database here."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from frontdesk.integrations.webhooks.targets import TargetRefused, guarded_client, url_check

RESPONSE_BODY_LIMIT = 64 * 1024
USER_AGENT = "Frontdesk-Webhooks/1"


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    body: str
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


def sign(*, secrets: list[str], msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header: ``v1,<base64 HMAC-SHA256 of id.timestamp.body>``
    for each secret (newest first), space-separated."""
    when = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    return " ".join(Webhook(secret).sign(msg_id, when, body) for secret in secrets)


def signed_headers(*, secrets: list[str], msg_id: str, body: str, timestamp: int) -> dict:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "accept-encoding": "identity",  # the answer is read raw, never decompressed
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secrets=secrets, msg_id=msg_id, timestamp=timestamp, body=body),
    }


def _text(raw: bytes) -> str:
    # PostgreSQL text cannot hold NUL characters
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def webhook_post(*, url: str, body: str, msg_id: str, secrets: list[str]) -> AttemptResult:
    """POST ``body`` to ``url``, signed; never raises for network trouble (it is in
    ``error``). The target is checked before and while connecting (``targets``)."""
    timeout = settings.WEBHOOKS_TIMEOUT_SECONDS
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS
    started = time.monotonic()
    deadline = started + timeout
    status_code, raw, error = None, b"", ""
    try:
        target = url_check(url, allow_private=allow_private, resolve_host=False)
        headers = signed_headers(
            secrets=secrets, msg_id=msg_id, body=body, timestamp=int(time.time())
        )
        with (
            guarded_client(timeout=timeout, allow_private=allow_private) as client,
            client.stream("POST", target, content=body.encode(), headers=headers) as response,
        ):
            status_code = response.status_code
            for chunk in response.iter_raw():
                raw += chunk
                if len(raw) >= RESPONSE_BODY_LIMIT or time.monotonic() > deadline:
                    break
            if response.is_redirect:
                location = response.headers.get("location", "")[:500]
                error = f"Answered {status_code}, a redirect to {location}: not followed."
            elif not 200 <= status_code < 300:
                error = f"Answered {status_code}."
    except TargetRefused as exc:
        error = f"Refused: {exc}"
    except httpx.TimeoutException:
        error = f"Timed out after {timeout:g} s."
    except httpx.HTTPError as exc:
        error = f"Connection failed: {exc or type(exc).__name__}"
    duration_ms = int((time.monotonic() - started) * 1000)
    return AttemptResult(
        status_code=status_code,
        body=_text(raw[:RESPONSE_BODY_LIMIT]),
        duration_ms=duration_ms,
        error=error,
    )
