"""Handing a message to its channel: email (SMTP) or SMS (HTTP provider), or the local
outbox when the deployment has no provider for the channel (the embedded default)."""

from __future__ import annotations

from frontdesk.messaging.channels.base import (
    ChannelError,
    Handoff,
    PermanentError,
    RetryableError,
)
from frontdesk.messaging.channels.email import send_email
from frontdesk.messaging.channels.sms import send_sms
from frontdesk.messaging.choices import Channel, Transport
from frontdesk.messaging.config import sms_from, transport_for
from frontdesk.messaging.models import Message

__all__ = ["ChannelError", "Handoff", "PermanentError", "RetryableError", "deliver"]


def deliver(message: Message, *, org, config) -> Handoff:
    """Hand ``message`` over once; raises a :class:`ChannelError` when it was not taken."""
    transport = transport_for(message.channel)
    if transport == Transport.OUTBOX:
        return Handoff(transport=Transport.OUTBOX, provider_id=f"outbox-{message.pk.hex}")
    if message.channel == Channel.EMAIL:
        return send_email(message, org=org, config=config)
    return send_sms(
        to=message.to,
        from_=sms_from(config),
        body=message.body,
        idempotency_key=message.idempotency_key,
        org_slug=org.slug,
    )
