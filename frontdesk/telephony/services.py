"""Writes of the telephony app: a call reported by the provider, the missed-call
recovery queue (follow-up SMS, mark handled), the overdue alert and the settings.

``call_record`` is idempotent by the provider's ``call_id``: a repeated (or replayed)
event returns the call stored the first time and changes nothing. Every caller gets a
customer record — found by phone (rule 2) or created as a prospect — and the call is
logged on their timeline as a ``phone_call`` interaction. A missed, unanswered or
voicemail inbound call joins the recovery queue and emits ``call.missed``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, PermissionDenied, ValidationFailed
from frontdesk.core.lookups import get_referenced
from frontdesk.customers.normalize import phone_e164
from frontdesk.customers.services import customer_find_or_create
from frontdesk.events.services import event_emit
from frontdesk.messaging.choices import NotificationKind
from frontdesk.messaging.models import MessageTemplate
from frontdesk.messaging.services import message_create, notification_create
from frontdesk.organizations.models import Organization
from frontdesk.pipeline.choices import Direction, InteractionType, Outcome
from frontdesk.pipeline.services import interaction_log
from frontdesk.telephony import events
from frontdesk.telephony.choices import MISSED_STATUSES, CallDirection, CallStatus, HandledHow
from frontdesk.telephony.models import Call, TelephonySettings
from frontdesk.telephony.permissions import DRAFT, HANDLE

OUTCOMES = {
    CallStatus.COMPLETED: Outcome.SPOKE,
    CallStatus.VOICEMAIL: Outcome.LEFT_VOICEMAIL,
}
SUBJECTS = {
    CallStatus.COMPLETED: "Phone call",
    CallStatus.MISSED: "Missed call",
    CallStatus.NO_ANSWER: "Unanswered call",
    CallStatus.BUSY: "Busy line",
    CallStatus.VOICEMAIL: "Voicemail",
}


# --- settings ----------------------------------------------------------------------------
def telephony_settings(org: Organization) -> TelephonySettings:
    """The organization's settings row (created with the defaults on first use)."""
    found = TelephonySettings.objects.filter().first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return TelephonySettings.objects.create(organization_id=org.pk)
    except IntegrityError:
        return TelephonySettings.objects.get()


def telephony_settings_update(
    *, org: Organization, actor: Actor, data: dict[str, Any]
) -> TelephonySettings:
    with transaction.atomic():
        row = (
            TelephonySettings.objects.select_for_update()
            .filter(pk=telephony_settings(org).pk)
            .get()
        )
        changes = {}
        if "missed_call_target_minutes" in data:
            minutes = data["missed_call_target_minutes"]
            if not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60:
                raise ValidationFailed({"missed_call_target_minutes": "1 to 1440 minutes."})
            changes["missed_call_target_minutes"] = (row.missed_call_target_minutes, minutes)
            row.missed_call_target_minutes = minutes
        if "sms_text" in data:
            text = (data["sms_text"] or "").strip()
            if not text or len(text) > 1000:
                raise ValidationFailed({"sms_text": "1 to 1000 characters."})
            changes["sms_text"] = (row.sms_text, text)
            row.sms_text = text
        row.save(update_fields=["missed_call_target_minutes", "sms_text", "updated_at"])
        audit_record(org=org, actor=actor, action=AuditAction.UPDATE, obj=row, changes=changes)
    return row


def telephony_secret_rotate(*, org: Organization, actor: Actor) -> str:
    """A new signing secret for the provider, returned once (stored encrypted). The old
    one stops working at once."""
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = (
            TelephonySettings.objects.select_for_update()
            .filter(pk=telephony_settings(org).pk)
            .get()
        )
        row.signing_secret = secret
        row.secret_hint = secret[-4:]
        row.save(update_fields=["signing_secret", "secret_hint", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=row,
            changes={"signing_secret": ("…", f"…{row.secret_hint}")},
        )
    return secret


# --- calls -------------------------------------------------------------------------------
def _phone(value: str, field: str, org: Organization) -> str:
    try:
        return phone_e164(value, region=org.country)
    except ValueError as exc:
        raise ValidationFailed({field: str(exc)})


def _payload(call: Call) -> dict[str, Any]:
    return {
        "id": call.pk,
        "call_id": call.call_id,
        "customer_id": call.customer_id,
        "interaction_id": call.interaction_id,
        "status": call.status,
        "direction": call.direction,
        "from": call.from_number,
        "started_at": call.started_at,
    }


def call_record(*, org: Organization, actor: Actor, data: dict[str, Any]) -> tuple[Call, bool]:
    """Store one call event; returns (call, created). The same ``call_id`` again returns
    the stored call unchanged (``created`` false)."""
    call_id = str(data.get("call_id") or "").strip()
    if not call_id:
        raise ValidationFailed({"call_id": "The provider's call id is required."})
    existing = Call.objects.filter(call_id=call_id).first()
    if existing is not None:
        return existing, False
    direction = data.get("direction")
    status = data.get("status")
    if direction not in CallDirection.values:
        raise ValidationFailed({"direction": "One of: inbound, outbound."})
    if status not in CallStatus.values:
        raise ValidationFailed({"status": f"One of: {', '.join(CallStatus.values)}."})
    from_number = _phone(data.get("from") or "", "from", org)
    to_number = _phone(data.get("to") or "", "to", org)
    started_at = data.get("started_at")
    if not isinstance(started_at, dt.datetime) or started_at.tzinfo is None:
        raise ValidationFailed({"started_at": "An ISO 8601 time with an offset."})
    duration_s = data.get("duration_s") or 0
    transcript = (data.get("transcript") or "").strip()
    recording_url = (data.get("recording_url") or "").strip()
    caller = from_number if direction == CallDirection.INBOUND else to_number
    missed = direction == CallDirection.INBOUND and status in MISSED_STATUSES
    try:
        with transaction.atomic():
            customer, created_customer = customer_find_or_create(
                org=org, actor=actor, first_name="", last_name="", phone=caller, source="phone_call"
            )
            body = f"Recording: {recording_url}" if recording_url else ""
            interaction = interaction_log(
                org=org,
                actor=actor,
                type=InteractionType.PHONE_CALL,
                direction=Direction.INBOUND if direction == "inbound" else Direction.OUTBOUND,
                customer=customer,
                occurred_at=min(started_at, timezone.now()),
                subject=SUBJECTS[CallStatus(status)],
                body=body,
                duration_s=duration_s,
                outcome=OUTCOMES.get(CallStatus(status), Outcome.NONE),
                transcript=transcript,
            )
            call = Call.objects.create(
                organization_id=org.pk,
                call_id=call_id,
                from_number=from_number,
                to_number=to_number,
                direction=direction,
                status=status,
                started_at=started_at,
                duration_s=duration_s,
                recording_url=recording_url,
                transcript=transcript,
                customer=customer,
                created_customer=created_customer,
                interaction=interaction,
                missed=missed,
            )
            audit_record(
                org=org,
                actor=actor,
                action=AuditAction.CREATE,
                obj=call,
                changes={
                    k: (None, getattr(call, k))
                    for k in ("call_id", "direction", "status", "customer_id", "missed")
                },
            )
            event_emit(org=org, type=events.CALL_LOGGED, actor=actor, payload=_payload(call))
            if missed:
                event_emit(org=org, type=events.CALL_MISSED, actor=actor, payload=_payload(call))
    except IntegrityError:
        # the same call_id reported twice at once: the other request stored it
        existing = Call.objects.filter(call_id=call_id).first()
        if existing is None:
            raise
        return existing, False
    return call, True


def _local(org: Organization, value: dt.datetime) -> dt.datetime:
    return value.astimezone(zoneinfo.ZoneInfo(org.time_zone or "UTC"))


# --- the recovery queue ------------------------------------------------------------------
def _lock(call: Call) -> Call:
    return Call.objects.select_for_update().get(pk=call.pk)


def _ensure_in_queue(call: Call) -> None:
    if not call.missed:
        raise InvalidState("This call was not missed; it is not in the recovery queue.")


def _handled(
    org: Organization, actor: Actor, call: Call, *, how: str, note: str = "", message=None
):
    call.handled_at = timezone.now()
    call.handled_by_id = actor.membership_id
    call.handled_how = how
    call.handled_note = note
    call.sms_message = message
    call.save(
        update_fields=[
            "handled_at",
            "handled_by",
            "handled_how",
            "handled_note",
            "sms_message",
            "updated_at",
        ]
    )
    audit_record(
        org=org,
        actor=actor,
        action=AuditAction.UPDATE,
        obj=call,
        changes={"handled_how": ("", how), "handled_at": (None, call.handled_at)},
    )
    event_emit(
        org=org,
        type=events.MISSED_CALL_HANDLED,
        actor=actor,
        payload={
            "id": call.pk,
            "call_id": call.call_id,
            "customer_id": call.customer_id,
            "how": how,
            "message_id": message.pk if message else None,
        },
    )


def missed_call_send_sms(
    *,
    org: Organization,
    actor: Actor,
    call: Call,
    template_id=None,
    body: str = "",
) -> tuple[Call, Any]:
    """The one-click follow-up: an SMS to the caller (a template, the given text or the
    organization's default text) through the messaging service (it reaches the
    customer's timeline when sent) — rule 4 (a staff
    member's own message, an assistant's waits for approval) and rule 5 (consent,
    quiet hours, STOP at send time) apply. The call leaves the queue. 409 if it was
    handled already."""
    if not actor.has(DRAFT):
        raise PermissionDenied("Your role may not draft messages.", permission=DRAFT)
    template = None
    if template_id:
        template = get_referenced(MessageTemplate, template_id, field="template_id", status=404)
    text = (body or "").strip()
    if template is None and not text:
        text = telephony_settings(org).sms_text
    origin = "assistant" if actor.kind == "assistant" else "staff"
    with transaction.atomic():
        call = _lock(call)
        _ensure_in_queue(call)
        if call.handled_at is not None:
            raise InvalidState(
                "This missed call was handled already.", handled_how=call.handled_how
            )
        message = message_create(
            org=org,
            actor=actor,
            origin=origin,
            customer=call.customer,
            channel="sms",
            body=text,
            template=template,
            to=call.from_number,
        )
        _handled(org, actor, call, how=HandledHow.SMS, message=message)
    return call, message


def missed_call_mark_handled(
    *, org: Organization, actor: Actor, call: Call, note: str = ""
) -> Call:
    """Take the call out of the queue (called back, sorted out another way). Marking it
    again changes nothing."""
    note = " ".join((note or "").split())[:2000]
    with transaction.atomic():
        call = _lock(call)
        _ensure_in_queue(call)
        if call.handled_at is not None:
            return call
        _handled(org, actor, call, how=HandledHow.MARKED, note=note)
    return call


def missed_calls_overdue_notify(*, org: Organization, now: dt.datetime | None = None) -> int:
    """Notify the staff who handle calls about missed calls not handled within the
    organization's target (once per call). Returns how many calls were overdue."""
    now = now or timezone.now()
    target = telephony_settings(org).missed_call_target_minutes
    overdue = list(
        Call.objects.filter(
            missed=True,
            handled_at__isnull=True,
            overdue_notified_at__isnull=True,
            started_at__lte=now - dt.timedelta(minutes=target),
        ).select_related("customer")[:200]
    )
    for call in overdue:
        with transaction.atomic():
            notification_create(
                org=org,
                permission=HANDLE,
                kind=NotificationKind.OTHER,
                title=f"Missed call from {call.customer.display_name or call.from_number} "
                f"waits for {target}+ minutes",
                body=f"{call.from_number} called at {_local(org, call.started_at):%H:%M}; "
                "nobody followed up yet.",
                link=reverse("telephony:missed_calls"),
                key=f"missed-call-overdue:{call.pk}",
            )
            Call.objects.filter(pk=call.pk).update(overdue_notified_at=now)
    return len(overdue)
