"""Event handlers of messaging: staff notifications for messages waiting for approval,
SMS replies and failed messages. Registered in ``MessagingConfig.ready()``; idempotent by
event (each notification carries a key)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.urls import reverse

from frontdesk.core.actor import Actor
from frontdesk.customers.models import Customer
from frontdesk.events.registry import on_event
from frontdesk.messaging import events
from frontdesk.messaging.choices import Category, Channel, NotificationKind, Origin
from frontdesk.messaging.models import Message, Notification
from frontdesk.messaging.permissions import APPROVE, APPROVE_CAMPAIGN, VIEW
from frontdesk.messaging.services.messages import message_create
from frontdesk.messaging.services.notifications import members_with, notification_create
from frontdesk.organizations.models import Organization


def _org(event) -> Organization:
    return Organization.objects.get(pk=event.organization_id)


@on_event(events.MESSAGE_APPROVAL_REQUESTED)
def approval_requested_notify(event) -> None:
    """Tell the approvers that messages wait — once until they have read it, not once
    per message (a campaign queues thousands)."""
    permission = APPROVE_CAMPAIGN if event.payload.get("origin") == Origin.CAMPAIGN else APPROVE
    waiting = set(
        Notification.objects.filter(
            kind=NotificationKind.APPROVAL_NEEDED, read_at__isnull=True
        ).values_list("recipient_id", flat=True)
    )
    recipients = [m for m in members_with(permission) if m.pk not in waiting]
    if not recipients:
        return
    origin = Origin(event.payload.get("origin", Origin.SYSTEM)).label.lower()
    notification_create(
        org=_org(event),
        recipients=recipients,
        kind=NotificationKind.APPROVAL_NEEDED,
        title="Messages wait for your approval",
        body=f"A new {event.payload.get('channel', '')} message from {origin} is in the queue.",
        link=reverse("messaging:approvals"),
        key=f"approval:{event.pk}",
    )


@on_event(events.MESSAGE_INBOUND)
def inbound_notify(event) -> None:
    payload = event.payload
    customer = Customer.objects.filter(pk=payload.get("customer_id")).first()
    who = customer.display_name if customer else payload.get("from", "an unknown number")
    link = reverse("messaging:inbound")
    if customer:
        link = reverse("messaging:compose") + f"?customer={customer.pk}&channel=sms"
    notification_create(
        org=_org(event),
        permission=VIEW,
        kind=NotificationKind.INBOUND_SMS,
        title=f"SMS from {who}",
        body=payload.get("body", "")[:500],
        link=link,
        key=f"inbound:{payload.get('id')}",
    )


@on_event(events.MESSAGE_FAILED)
def failed_notify(event) -> None:
    """Tell the staff member who wrote a message that it failed."""
    message = (
        Message.objects.select_related("created_by", "customer")
        .filter(pk=event.payload.get("id"))
        .first()
    )
    if message is None or message.created_by is None or not message.created_by.is_active:
        return
    notification_create(
        org=_org(event),
        recipients=[message.created_by],
        kind=NotificationKind.MESSAGE_FAILED,
        title=f"Your {message.get_channel_display()} to {message.customer.display_name} failed",
        body=message.last_error,
        link=reverse("messaging:detail", args=[message.pk]),
        key=f"failed:{event.pk}",
    )


# --- other domains' events that become messages or notifications ---------------------------
APPOINTMENT_REMINDER_DUE = "appointment.reminder_due"  # emitted by scheduling
WEBHOOK_DISABLED = "webhook.disabled"  # emitted by integrations.webhooks


def _reminder_channel(customer: Customer) -> str | None:
    has = {Channel.SMS: customer.phones.exists(), Channel.EMAIL: customer.emails.exists()}
    preferred = customer.preferred_channel
    if preferred in has and has[preferred]:
        return preferred
    return next((channel for channel, present in has.items() if present), None)


@on_event(APPOINTMENT_REMINDER_DUE)
def appointment_reminder_draft(event) -> None:
    """Turn a due appointment reminder into a transactional message (origin ``system``):
    it waits for approval unless the owner enabled auto-send for system messages, and the
    consent gate (do-not-contact, STOP, quiet hours) decides again when it is sent."""
    org = _org(event)
    payload = event.payload
    customer = Customer.objects.filter(pk=payload.get("customer_id")).first()
    if customer is None or customer.merged_into_id or customer.status == "archived":
        return
    channel = _reminder_channel(customer)
    if channel is None:
        return
    starts = dt.datetime.fromisoformat(payload["starts_at"]).astimezone(
        zoneinfo.ZoneInfo(org.time_zone)
    )
    when = f"{starts:%A, %B} {starts.day} at {starts:%I:%M %p}".replace(" 0", " ")
    name = customer.first_name or customer.display_name
    body = (
        f"Hi {name}, this is {org.name}: a reminder of your appointment "
        f"{payload.get('number', '')} on {when}."
    )
    message_create(
        org=org,
        actor=Actor.system(org_id=org.pk, label="appointment reminders"),
        origin=Origin.SYSTEM,
        customer=customer,
        channel=channel,
        subject=f"Your appointment on {when}" if channel == Channel.EMAIL else "",
        body=body,
        category=Category.TRANSACTIONAL,
    )


@on_event(WEBHOOK_DISABLED)
def webhook_disabled_notify(event) -> None:
    """Tell the people who manage webhooks that an endpoint was switched off."""
    payload = event.payload
    notification_create(
        org=_org(event),
        permission="webhooks.manage",
        kind=NotificationKind.OTHER,
        title="A webhook endpoint was disabled",
        body=f"{payload.get('url', '')}: {payload.get('reason', '')}",
        key=f"webhook-disabled:{event.pk}",
    )
