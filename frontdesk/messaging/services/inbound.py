"""What comes back: SMS replies (STOP, START, HELP and the rest), delivery-status
callbacks, and one-click unsubscribes.

Keywords (any case, surrounding spaces and punctuation ignored):
``STOP STOPALL UNSUBSCRIBE CANCEL END QUIT REVOKE OPT OUT`` put the number on the
suppression list (and clear the customers' SMS opt-in) and answer one confirmation — a
repeated STOP from a number already opted out answers nothing. ``START UNSTOP`` lift it
(and set the opt-in: the person asked). ``HELP INFO`` answer the organization's help text.
Anything else is a reply for staff: a ``message.inbound`` event (notifications, and the
pipeline's interaction log) carries it.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import DomainError
from frontdesk.customers.models import Customer, CustomerPhone
from frontdesk.customers.services import customer_update
from frontdesk.events.services import event_emit
from frontdesk.messaging import events
from frontdesk.messaging.choices import (
    Channel,
    InboundKeyword,
    Status,
    SuppressionReason,
)
from frontdesk.messaging.config import (
    messaging_settings,
    sms_help_text,
    sms_start_text,
    sms_stop_text,
)
from frontdesk.messaging.gate import address_key
from frontdesk.messaging.models import EarlyStatus, InboundMessage, Message, Suppression
from frontdesk.messaging.services.sending import emit_message_event, record_transition, suppress

STOP_WORDS = {
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPT OUT",
    "OPTOUT",
}
START_WORDS = {"START", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO"}
_NOT_WORD = re.compile(r"[^A-Z0-9]+")


def keyword_of(body: str) -> str:
    """The keyword an SMS body is, or ``""``: ``" Stop! "`` → ``stop``."""
    words = " ".join(_NOT_WORD.sub(" ", (body or "").upper()).split())
    if words in STOP_WORDS:
        return InboundKeyword.STOP
    if words in START_WORDS:
        return InboundKeyword.START
    if words in HELP_WORDS:
        return InboundKeyword.HELP
    return InboundKeyword.NONE


def provider_actor(org) -> Actor:
    return Actor.system(org_id=org.pk, label="SMS provider")


def _customers_with_phone(number: str) -> list[Customer]:
    ids = CustomerPhone.objects.filter(number=number).values_list("customer_id", flat=True)
    return list(Customer.objects.filter(pk__in=list(ids), merged_into__isnull=True))


def _set_opt_in(org, actor: Actor, customers: list[Customer], field: str, value: bool) -> None:
    for customer in customers:
        if getattr(customer, field) == value or customer.status == "archived":
            continue
        try:
            customer_update(
                org=org, actor=actor, customer=customer, data={"communication": {field: value}}
            )
        except DomainError:
            continue  # read-only (archived meanwhile): the suppression list still holds


def _lift(*, org, actor: Actor, channel: str, address: str) -> bool:
    row = Suppression.objects.filter(
        channel=channel, address=address_key(channel, address), lifted_at__isnull=True
    ).first()
    if row is None:
        return False
    now = timezone.now()
    audit_record(
        org=org,
        actor=actor,
        action=AuditAction.UPDATE,
        obj=row,
        changes={"lifted_at": (None, now)},
    )
    row.lifted_at = now
    row.save(update_fields=["lifted_at", "updated_at"])
    return True


def sms_inbound_receive(
    *, org, provider_id: str, from_number: str, to_number: str, body: str
) -> tuple[InboundMessage, str]:
    """Record an inbound SMS once (by the provider's id) and act on it. Returns the
    record and the reply to answer (``""`` for none; a duplicate answers none)."""
    actor = provider_actor(org)
    keyword = keyword_of(body)
    try:
        with transaction.atomic():
            customers = _customers_with_phone(from_number)
            inbound = InboundMessage.objects.create(
                organization_id=org.pk,
                provider_id=provider_id[:64],
                from_address=from_number[:254],
                to_address=to_number[:254],
                body=body,
                keyword=keyword,
                customer=customers[0] if customers else None,
            )
            config = messaging_settings(org)
            reply = ""
            if keyword == InboundKeyword.STOP:
                _, changed = suppress(
                    org=org,
                    actor=actor,
                    channel=Channel.SMS,
                    address=from_number,
                    reason=SuppressionReason.STOP,
                    customer=inbound.customer,
                    source=f"SMS reply {body.strip()[:40]!r}",
                )
                _set_opt_in(org, actor, customers, "opt_in_sms", False)
                reply = sms_stop_text(org, config) if changed else ""
            elif keyword == InboundKeyword.START:
                lifted = _lift(org=org, actor=actor, channel=Channel.SMS, address=from_number)
                opted_out = [c for c in customers if not c.opt_in_sms]
                _set_opt_in(org, actor, customers, "opt_in_sms", True)
                reply = sms_start_text(org, config) if lifted or opted_out else ""
            elif keyword == InboundKeyword.HELP:
                reply = sms_help_text(org, config)
            else:
                event_emit(
                    org=org,
                    type=events.MESSAGE_INBOUND,
                    actor=actor,
                    payload={
                        "id": inbound.pk,
                        "customer_id": inbound.customer_id,
                        "channel": Channel.SMS,
                        "from": from_number,
                        "body": body[:1000],
                    },
                )
            if reply:
                inbound.reply_body = reply
                inbound.save(update_fields=["reply_body", "updated_at"])
            audit_record(
                org=org,
                actor=actor,
                action=AuditAction.CREATE,
                obj=inbound,
                changes={"from_address": (None, from_number), "keyword": (None, keyword)},
            )
    except IntegrityError:
        existing = InboundMessage.objects.get(provider_id=provider_id[:64])
        return existing, ""
    return inbound, reply


# --- delivery status ---------------------------------------------------------------------
# Twilio's statuses → ours; None: nothing to record yet
PROVIDER_STATUSES = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
}
_RANK = {Status.QUEUED: 0, Status.SENDING: 0, Status.SENT: 1, Status.DELIVERED: 2, Status.FAILED: 2}
# error codes meaning "this number cannot take messages" (unknown, landline, opted out)
BOUNCE_CODES = {"30005", "30006"}
STOP_CODES = {"21610"}


def sms_status_apply(
    *, org, provider_id: str, provider_status: str, error_code: str = ""
) -> Message | None:
    """Apply a delivery-status callback. Statuses only move forward (sent → delivered or
    failed), so a repeated or late callback changes nothing and emits nothing."""
    target = PROVIDER_STATUSES.get((provider_status or "").lower())
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("customer")
            .filter(provider_id=provider_id, channel=Channel.SMS)
            .first()
        )
        if message is None:
            if provider_id and target is not None:
                # perhaps early: kept until the sender has recorded this provider id
                EarlyStatus.objects.create(
                    organization_id=org.pk,
                    provider_id=provider_id[:64],
                    provider_status=provider_status.lower()[:32],
                    error_code=(error_code or "")[:16],
                )
            return None
        if target is None or _RANK.get(target, 0) <= _RANK.get(message.status, 3):
            return message
        now = timezone.now()
        data = {"status": target, "provider_status": provider_status.lower()[:32]}
        if target == Status.DELIVERED:
            data["delivered_at"] = now
        elif target == Status.FAILED:
            data["failed_at"] = now
            data["last_error"] = (
                f"The provider reported {provider_status} ({error_code or 'no code'})."
            )
        record_transition(org, message, transition=target, **data)
        if target == Status.DELIVERED:
            emit_message_event(org, events.MESSAGE_DELIVERED, message)
        elif target == Status.FAILED:
            emit_message_event(org, events.MESSAGE_FAILED, message, error=data["last_error"])
            reason = (
                SuppressionReason.STOP
                if error_code in STOP_CODES
                else SuppressionReason.BOUNCED
                if error_code in BOUNCE_CODES
                else ""
            )
            if reason:
                suppress(
                    org=org,
                    actor=provider_actor(org),
                    channel=Channel.SMS,
                    address=message.to,
                    reason=reason,
                    customer=message.customer,
                    source=f"provider error {error_code}",
                )
    return message


# --- one-click unsubscribe -----------------------------------------------------------------
def unsubscribe_apply(*, org, message: Message) -> bool:
    """Unsubscribe the message's address from marketing email, at once. Idempotent:
    returns whether anything changed."""
    actor = Actor.public(org_id=org.pk, label="one-click unsubscribe")
    with transaction.atomic():
        _, changed = suppress(
            org=org,
            actor=actor,
            channel=message.channel,
            address=message.to,
            reason=SuppressionReason.UNSUBSCRIBED,
            customer=message.customer,
            source=f"unsubscribe link of message {message.pk}",
        )
        # a stronger suppression (STOP, bounce) stays as it is
        field = "opt_in_email" if message.channel == Channel.EMAIL else "opt_in_sms"
        before = getattr(message.customer, field)
        _set_opt_in(org, actor, [message.customer], field, False)
        return changed or before


EARLY_STATUS_KEPT = dt.timedelta(days=1)


def early_statuses_apply(*, org, now: dt.datetime | None = None) -> int:
    """Apply the delivery statuses that arrived before their message's provider id was
    recorded (in arrival order), and forget those older than a day whose message never
    turned up. Returns how many were applied."""
    now = now or timezone.now()
    early = list(EarlyStatus.objects.order_by("created_at", "id"))
    if not early:
        return 0
    known = set(
        Message.objects.filter(
            provider_id__in={e.provider_id for e in early}, channel=Channel.SMS
        ).values_list("provider_id", flat=True)
    )
    applied, done = 0, []
    for status in early:
        if status.provider_id in known:
            sms_status_apply(
                org=org,
                provider_id=status.provider_id,
                provider_status=status.provider_status,
                error_code=status.error_code,
            )
            applied += 1
            done.append(status.pk)
        elif status.created_at < now - EARLY_STATUS_KEPT:
            done.append(status.pk)
    EarlyStatus.objects.filter(pk__in=done).delete()
    return applied
