"""SMS through an HTTP provider speaking Twilio's Messages API: a form POST with HTTP
basic auth (account SID and auth token) to
``{SMS_BASE_URL}/2010-04-01/Accounts/{sid}/Messages.json``.

Each request carries the message's idempotency key (``Idempotency-Key`` and Twilio's
``I-Twilio-Idempotency-Token``): a provider honouring it answers a repeated request with
the message it already accepted, so retrying after a timeout, or after a worker died
mid-send, never sends twice. 429 and 5xx answers and timeouts are retried later
(honouring ``Retry-After``); other 4xx answers are final.
"""

from __future__ import annotations

import threading

import httpx
from django.conf import settings

from frontdesk.messaging.channels.base import Handoff, PermanentError, RetryableError
from frontdesk.messaging.choices import Transport

# Twilio error codes that mean "this number must not be messaged again"
OPTED_OUT_CODES = {21610}
_local = threading.local()


def _client(timeout: float) -> httpx.Client:
    """One keep-alive client per thread (and per timeout)."""
    clients = getattr(_local, "clients", None)
    if clients is None:
        clients = _local.clients = {}
    if timeout not in clients:
        clients[timeout] = httpx.Client(timeout=timeout, follow_redirects=False)
    return clients[timeout]


def messages_url(base_url: str, sid: str) -> str:
    return f"{base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"


def status_callback_url(org_slug: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/crm/providers/sms/status?org={org_slug}"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(float(response.headers.get("Retry-After", "")), 0.0)
    except ValueError:
        return None


def send_sms(*, to: str, from_: str, body: str, idempotency_key: str, org_slug: str) -> Handoff:
    sid, token = settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN
    data = {"To": to, "Body": body, "StatusCallback": status_callback_url(org_slug)}
    if from_:
        data["From"] = from_
    try:
        response = _client(settings.SMS_TIMEOUT).post(
            messages_url(settings.SMS_BASE_URL, sid),
            data=data,
            auth=(sid, token),
            headers={
                "Idempotency-Key": idempotency_key,
                "I-Twilio-Idempotency-Token": idempotency_key,
            },
        )
    except httpx.TimeoutException as exc:
        raise RetryableError(f"The SMS provider did not answer in time ({type(exc).__name__}).")
    except httpx.TransportError as exc:
        raise RetryableError(f"Cannot reach the SMS provider: {type(exc).__name__}: {exc}")
    if response.status_code == 429 or response.status_code >= 500:
        raise RetryableError(
            f"The SMS provider answered {response.status_code}.",
            retry_after=_retry_after(response),
        )
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if response.status_code >= 400 or not isinstance(payload, dict) or not payload.get("sid"):
        code = payload.get("code") if isinstance(payload, dict) else None
        message = payload.get("message", "") if isinstance(payload, dict) else ""
        detail = f"The SMS provider refused the message: {response.status_code} {code or ''}"
        raise PermanentError(
            f"{detail} {message}".strip(),
            suppress="stop" if code in OPTED_OUT_CODES else "",
        )
    return Handoff(
        transport=Transport.SMS_API,
        provider_id=str(payload["sid"])[:64],
        provider_status=str(payload.get("status", ""))[:32],
    )
