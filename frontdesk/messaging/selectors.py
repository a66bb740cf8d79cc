"""Reads of the messaging domain, shared by the API and the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from frontdesk.core.actor import Actor
from frontdesk.core.errors import ValidationFailed
from frontdesk.core.lookups import get_or_404
from frontdesk.messaging.choices import Channel, Origin, Status
from frontdesk.messaging.models import (
    InboundMessage,
    Message,
    MessageTemplate,
    Notification,
    Suppression,
)
from frontdesk.messaging.permissions import APPROVE, APPROVE_CAMPAIGN

MESSAGE_ORDERS = {"created_at": "created_at", "updated_at": "updated_at"}


def _choice(field: str, value: str | None, choices) -> str | None:
    if value in (None, ""):
        return None
    if value not in choices.values:
        raise ValidationFailed({field: f"One of: {', '.join(choices.values)}."})
    return value


def message_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Message]:
    """Messages, newest first, filtered by ``status``, ``customer_id``, ``channel``,
    ``origin`` (the one filter definition of the API list and the outbox page)."""
    filters = filters or {}
    qs = Message.objects.select_related("customer")
    status = _choice("status", filters.get("status"), Status)
    channel = _choice("channel", filters.get("channel"), Channel)
    origin = _choice("origin", filters.get("origin"), Origin)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if origin:
        qs = qs.filter(origin=origin)
    if filters.get("customer_id"):
        qs = qs.filter(customer_id=filters["customer_id"])
    return qs


def message_get(*, id) -> Message:
    return get_or_404(Message.objects.select_related("customer", "approved_by__user"), id)


def approval_queue(*, actor: Actor) -> QuerySet[Message]:
    """Messages waiting for approval that ``actor`` may approve, oldest first."""
    qs = Message.objects.select_related("customer").filter(status=Status.PENDING_APPROVAL)
    may_approve = actor.has(APPROVE)
    may_campaign = actor.has(APPROVE_CAMPAIGN)
    if not may_approve:
        qs = qs.filter(origin=Origin.CAMPAIGN) if may_campaign else qs.none()
    elif not may_campaign:
        qs = qs.exclude(origin=Origin.CAMPAIGN)
    return qs.order_by("created_at", "id")


def template_list(*, channel: str | None = None, active: bool | None = None):
    qs = MessageTemplate.objects.all()
    channel = _choice("channel", channel, Channel)
    if channel:
        qs = qs.filter(channel=channel)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def inbound_list(*, customer_id=None) -> QuerySet[InboundMessage]:
    qs = InboundMessage.objects.select_related("customer")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


def suppression_list() -> QuerySet[Suppression]:
    return Suppression.objects.filter(lifted_at__isnull=True).select_related("customer")


def notification_list(*, membership_id, unread: bool | None = None) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient_id=membership_id)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs


def notification_get(*, membership_id, id) -> Notification:
    """One's own notification; anyone else's is 404, like a missing one."""
    return get_or_404(Notification.objects.filter(recipient_id=membership_id), id)


def unread_count(*, membership_id) -> int:
    return Notification.objects.filter(recipient_id=membership_id, read_at__isnull=True).count()
