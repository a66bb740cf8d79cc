"""One-click unsubscribe links: a token per message, derived by HMAC from the message id
(keyed by ``SECRET_KEY``), so nothing secret is stored and a token cannot be guessed or
moved to another message or organization."""

from __future__ import annotations

import base64
import binascii
import hmac
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import salted_hmac

from frontdesk.messaging.models import Message

SALT = "frontdesk.messaging.unsubscribe"
MAC_BYTES = 12


def _mac(org_id, message_id: uuid.UUID) -> bytes:
    return salted_hmac(SALT, f"{org_id}:{message_id}", algorithm="sha256").digest()[:MAC_BYTES]


def unsubscribe_token(message: Message) -> str:
    raw = message.pk.bytes + _mac(message.organization_id, message.pk)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def message_for_token(token: str, *, org) -> Message | None:
    """The message (of ``org``, in its scope) the token was made for, or None."""
    if not isinstance(token, str) or len(token) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 16 + MAC_BYTES:
        return None
    message_id = uuid.UUID(bytes=raw[:16])
    if not hmac.compare_digest(raw[16:], _mac(org.pk, message_id)):
        return None
    return Message.objects.select_related("customer").filter(pk=message_id).first()


def unsubscribe_url(message: Message, *, org) -> str:
    return (
        f"{settings.PUBLIC_BASE_URL}/api/public/{org.slug}/unsubscribe/{unsubscribe_token(message)}"
    )


def unsubscribe_mailto(message: Message, *, sender: str) -> str:
    address = settings.UNSUBSCRIBE_MAILTO or (
        "unsubscribe@" + (parseaddr(sender)[1].rpartition("@")[2] or "localhost")
    )
    return f"mailto:{address}?subject=unsubscribe%20{unsubscribe_token(message)}"
