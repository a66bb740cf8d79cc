"""Event handlers of the pipeline: what the messaging app reports lands on the customer's
timeline. Registered in ``PipelineConfig.ready()``; run once per event (the dispatcher's
``HandlerRun`` is written in the handler's transaction).

- ``message.inbound`` (an SMS reply that is not a keyword) → an ``sms_inbound``
  interaction;
- ``message.sent`` of a one-to-one message (staff, automation, assistant, system — not
  campaigns, which would flood the timeline) → an ``email_outbound`` / ``sms_outbound``
  interaction with its subject and body, by the staff member who wrote it, on the
  customer's newest open lead if they have one: writing to the contact works their lead
  (its last touch moves, a new lead becomes working), so a replied inquiry's lead is not
  reported stale.
"""

from __future__ import annotations

from frontdesk.core.actor import Actor
from frontdesk.customers.models import Customer
from frontdesk.events.registry import on_event
from frontdesk.messaging import events as messaging_events
from frontdesk.messaging.models import Message
from frontdesk.organizations.models import Organization
from frontdesk.pipeline.choices import OPEN_LEAD_STATUSES, InteractionType
from frontdesk.pipeline.models import Lead
from frontdesk.pipeline.services import interaction_log

TIMELINE_ORIGINS = ("staff", "automation", "assistant", "system")


def _actor(event) -> Actor:
    return Actor.system(org_id=event.organization_id, label="messaging")


@on_event(messaging_events.MESSAGE_INBOUND)
def inbound_sms_log(event) -> None:
    payload = event.payload
    customer = Customer.objects.filter(pk=payload.get("customer_id")).first()
    if customer is None or payload.get("channel", "sms") != "sms":
        return
    interaction_log(
        org=Organization.objects.get(pk=event.organization_id),
        actor=_actor(event),
        type=InteractionType.SMS_INBOUND,
        customer=customer,
        direction="inbound",
        occurred_at=event.created_at,
        subject=f"SMS from {payload.get('from', '')}"[:200],
        body=(payload.get("body") or "")[:20000],
    )


@on_event(messaging_events.MESSAGE_SENT)
def sent_message_log(event) -> None:
    payload = event.payload
    if payload.get("origin") not in TIMELINE_ORIGINS:
        return
    message = (
        Message.objects.filter(pk=payload.get("id"))
        .select_related("customer", "created_by")
        .first()
    )
    if message is None or message.customer_id is None:
        return
    lead = (
        Lead.objects.filter(customer_id=message.customer_id, status__in=OPEN_LEAD_STATUSES)
        .order_by("-created_at", "-id")
        .first()
    )
    interaction_log(
        org=Organization.objects.get(pk=event.organization_id),
        actor=_actor(event),
        type=(
            InteractionType.EMAIL_OUTBOUND
            if message.channel == "email"
            else InteractionType.SMS_OUTBOUND
        ),
        customer=message.customer,
        lead=lead,
        staff=message.created_by,
        direction="outbound",
        occurred_at=event.created_at,
        subject=(message.subject or f"{message.channel.upper()} to {message.to}")[:200],
        body=message.body[:20000],
    )
