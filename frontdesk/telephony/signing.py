"""The provider's request signature: ``POST /api/crm/telephony/calls`` may be sent
without a token, signed with the organization's telephony secret instead.

Headers::

    X-Frontdesk-Org: <organization slug>
    X-Frontdesk-Timestamp: <unix seconds>
    X-Frontdesk-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret>

A timestamp more than ``TOLERANCE`` seconds away from now is refused (a captured request
cannot be replayed later); within the window a replay is harmless, since calls are
idempotent by ``call_id``. Any mismatch answers 401 without saying which part failed.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.http import HttpRequest

from frontdesk.core.actor import Actor
from frontdesk.core.api import ApiPermission
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Organization
from frontdesk.telephony.models import TelephonySettings

TOLERANCE = 300
ORG_HEADER = "X-Frontdesk-Org"
TIMESTAMP_HEADER = "X-Frontdesk-Timestamp"
SIGNATURE_HEADER = "X-Frontdesk-Signature"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(request: HttpRequest, *, now: float | None = None) -> Organization | None:
    """The organization whose secret signed this request, or None."""
    slug = request.headers.get(ORG_HEADER, "")
    stamp = request.headers.get(TIMESTAMP_HEADER, "")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not (slug and stamp.isdigit() and given):
        return None
    if abs((now or time.time()) - int(stamp)) > TOLERANCE:
        return None
    org = Organization.objects.filter(slug=slug, is_active=True).first()
    if org is None:
        return None
    with tenant_scope(org):
        row = TelephonySettings.objects.first()
        secret = row.signing_secret if row else ""
    if not secret:
        return None
    expected = sign(secret, stamp, request.body)
    candidates = [part.strip() for part in given.split(",")]
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        return None
    return org


class SignedOrPermitted(ApiPermission):
    """``api_permission(permission)`` — a bearer token or session whose role holds it —
    or, without any credential, the provider's valid signature (acting as the system
    for the signing organization). One auth callback, so the operation still declares
    exactly one permission (tests/test_api_contract.py)."""

    def __call__(self, request: HttpRequest) -> Actor | None:
        if getattr(request, "actor", None) is not None or request.headers.get("Authorization"):
            return super().__call__(request)
        org = verify(request)
        if org is None:
            return None
        actor = Actor.system(org_id=org.pk, label="telephony provider (signed)")
        request.org = org
        request.actor = actor
        return actor


# the same bearer scheme in the OpenAPI document (ninja names schemes by class name);
# the signature is described in the operation's description and docs/intake.md
SignedOrPermitted.__name__ = "ApiPermission"
