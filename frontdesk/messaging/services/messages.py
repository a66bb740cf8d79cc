"""Writing messages: create, edit, approve, reject. Each is one transaction that writes
the change, its audit entry and its events; sending runs after commit, as a job.

The origin is an argument, decided by the caller from its credential (the API: staff
token or session → ``staff``, assistant token → ``assistant``; jobs and campaigns pass
theirs) — never by a request body. A ``staff`` message from someone holding
``messages.send`` is approved by its author and queued at once; any other message waits
in ``pending_approval`` unless the organization switched on auto-send for its origin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from frontdesk.audit.models import AuditAction, AuditEntry
from frontdesk.audit.services import audit_entry, audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, PermissionDenied, ValidationFailed
from frontdesk.events.services import event_emit
from frontdesk.jobs.services import enqueue_on_commit
from frontdesk.messaging import events
from frontdesk.messaging.choices import (
    EDITABLE_STATUSES,
    Category,
    Channel,
    Origin,
    Status,
)
from frontdesk.messaging.config import messaging_settings
from frontdesk.messaging.models import Message, MessageTemplate
from frontdesk.messaging.permissions import APPROVE, APPROVE_CAMPAIGN, SEND
from frontdesk.messaging.templating import check_header, render_message

SMS_MAX_LENGTH = 1600
EMAIL_MAX_LENGTH = 100_000
SEND_BATCH = 100
REJECT_REASON_MAX = 500


def send_job_queue(org, message_ids: Iterable) -> None:
    """Queue the sending of ``message_ids`` for when the current transaction commits:
    one job per message, or per batch of ``SEND_BATCH`` for many."""
    ids = [str(pk) for pk in message_ids]
    if len(ids) == 1:
        enqueue_on_commit("frontdesk.messaging.tasks.message_send", str(org.pk), ids[0])
        return
    for start in range(0, len(ids), SEND_BATCH):
        enqueue_on_commit(
            "frontdesk.messaging.tasks.messages_send_batch",
            str(org.pk),
            ids[start : start + SEND_BATCH],
        )


def _address(customer, channel: str, to: str | None) -> str:
    """The customer's address on ``channel``: ``to`` if it is one of theirs, else the
    primary (a mobile phone first for SMS)."""
    if channel == Channel.EMAIL:
        options = [e.address for e in customer.emails.all()]
        primary = customer.primary_email
    else:
        phones = sorted(customer.phones.all(), key=lambda p: (p.kind != "mobile", not p.primary))
        options = [p.number for p in phones]
        primary = options[0] if options else ""
    if to:
        wanted = to.strip().casefold()
        for option in options:
            if option.casefold() == wanted:
                return option
        raise ValidationFailed({"to": "Not one of the customer's addresses on this channel."})
    if not options:
        kind = "email address" if channel == Channel.EMAIL else "phone number"
        raise ValidationFailed({"channel": f"The customer has no {kind}."})
    return primary if primary in options else options[0]


def _check_content(channel: str, subject: str, body: str) -> None:
    check_header("subject", subject)
    if not body.strip():
        raise ValidationFailed({"body": "Write a message (or choose a template)."})
    if channel == Channel.EMAIL:
        if not subject:
            raise ValidationFailed({"subject": "An email needs a subject."})
        if len(body) > EMAIL_MAX_LENGTH:
            raise ValidationFailed({"body": f"At most {EMAIL_MAX_LENGTH} characters."})
    elif len(body) > SMS_MAX_LENGTH:
        raise ValidationFailed({"body": f"An SMS has at most {SMS_MAX_LENGTH} characters."})


def _check_origin(actor: Actor, origin: str) -> None:
    if origin not in Origin.values:
        raise ValidationFailed({"origin": f"One of: {', '.join(Origin.values)}."})
    if actor.kind == "assistant" and origin != Origin.ASSISTANT:
        raise PermissionDenied("An assistant's messages are the assistant's.")
    if origin == Origin.STAFF and actor.kind != "staff":
        raise PermissionDenied("Only a staff member writes staff messages.")


def _goes_out_at_once(org, actor: Actor, origin: str) -> bool:
    if origin == Origin.STAFF:
        return actor.has(SEND)
    return bool(messaging_settings(org)["auto_send"].get(origin))


def message_create(
    *,
    org,
    actor: Actor,
    origin: str,
    customer,
    channel: str,
    subject: str = "",
    body: str = "",
    template: MessageTemplate | None = None,
    variables: dict[str, Any] | None = None,
    category: str | None = None,
    to: str | None = None,
) -> Message:
    """Write a message to ``customer``; queue it for sending or for approval."""
    _check_origin(actor, origin)
    if channel not in Channel.values:
        raise ValidationFailed({"channel": "One of: email, sms."})
    if customer.merged_into_id or customer.status == "archived":
        raise InvalidState(f"{customer.number} is archived; messages go to active customers.")
    if template is not None:
        if template.channel != channel:
            raise ValidationFailed({"template_id": f"This is an {template.channel} template."})
        if not template.is_active:
            raise ValidationFailed({"template_id": "This template is switched off."})
        subject = subject or template.subject
        body = body or template.body
        category = category or template.category
    category = category or Category.TRANSACTIONAL
    if category not in Category.values:
        raise ValidationFailed({"category": "One of: transactional, marketing."})
    if channel == Channel.SMS:
        subject = ""
    subject, body = render_message(
        org=org, customer=customer, subject=subject, body=body, variables=variables
    )
    _check_content(channel, subject, body)
    address = _address(customer, channel, to)
    now = timezone.now()
    at_once = _goes_out_at_once(org, actor, origin)
    with transaction.atomic():
        message = Message(
            organization_id=org.pk,
            customer=customer,
            channel=channel,
            category=category,
            origin=origin,
            status=Status.QUEUED if at_once else Status.PENDING_APPROVAL,
            to=address,
            subject=subject,
            body=body,
            template=template,
            created_by_id=actor.membership_id,
            created_by_label=actor.label[:300],
        )
        if at_once:
            message.approved_by_id = actor.membership_id if origin == Origin.STAFF else None
            message.approved_at = now
            message.approval_count = 1
        message.save(force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=message,
            changes={
                name: (None, getattr(message, name))
                for name in (
                    "customer_id",
                    "channel",
                    "category",
                    "origin",
                    "status",
                    "to",
                    "subject",
                    "body",
                )
            },
            metadata={"auto_send": at_once and origin != Origin.STAFF},
        )
        if at_once:
            send_job_queue(org, [message.pk])
        else:
            event_emit(
                org=org,
                type=events.MESSAGE_APPROVAL_REQUESTED,
                actor=actor,
                payload={
                    "id": message.pk,
                    "customer_id": customer.pk,
                    "origin": origin,
                    "channel": channel,
                },
            )
    return message


def _locked(message: Message) -> Message:
    qs = Message.objects.select_related("customer").filter(pk=message.pk)
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    return qs.get()


def _edits(message: Message, *, org, subject: str | None, body: str | None) -> dict[str, Any]:
    """The rendered new subject/body, checked, as {field: value} of what changes."""
    new_subject = message.subject if subject is None else subject
    new_body = message.body if body is None else body
    if message.channel == Channel.SMS:
        new_subject = ""
    new_subject, new_body = render_message(
        org=org, customer=message.customer, subject=new_subject, body=new_body
    )
    _check_content(message.channel, new_subject, new_body)
    return {
        name: value
        for name, value in (("subject", new_subject), ("body", new_body))
        if getattr(message, name) != value
    }


def message_update(
    *, org, actor: Actor, message: Message, subject: str | None = None, body: str | None = None
) -> Message:
    """Edit a message while it is a draft or waits for approval (409 after)."""
    with transaction.atomic():
        message = _locked(message)
        if message.status not in EDITABLE_STATUSES:
            raise InvalidState(f"A {message.get_status_display().lower()} message cannot change.")
        data = _edits(message, org=org, subject=subject, body=body)
        if not data:
            return message
        changes = {name: (getattr(message, name), value) for name, value in data.items()}
        for name, value in data.items():
            setattr(message, name, value)
        message.save(update_fields=[*data, "updated_at"])
        audit_record(org=org, actor=actor, action=AuditAction.UPDATE, obj=message, changes=changes)
    return message


def _check_may_approve(actor: Actor, message: Message) -> None:
    needed = APPROVE_CAMPAIGN if message.origin == Origin.CAMPAIGN else APPROVE
    if not actor.has(needed):
        what = "campaign messages" if needed == APPROVE_CAMPAIGN else "this message"
        raise PermissionDenied(f"Your role may not approve or reject {what}.", permission=needed)


def _approve_locked(
    *, org, actor: Actor, message: Message, subject: str | None, body: str | None
) -> Message:
    _check_may_approve(actor, message)
    if message.status != Status.PENDING_APPROVAL:
        raise InvalidState(
            f"Only a message waiting for approval can be approved; this one is {message.status}."
        )
    data = _edits(message, org=org, subject=subject, body=body)
    data.update(
        status=Status.QUEUED,
        approved_by_id=actor.membership_id,
        approved_at=timezone.now(),
        approval_count=message.approval_count + 1,
    )
    changes = {name: (getattr(message, name), value) for name, value in data.items()}
    for name, value in data.items():
        setattr(message, name, value)
    message.save(update_fields=[*data, "updated_at"])
    audit_record(
        org=org,
        actor=actor,
        action=AuditAction.UPDATE,
        obj=message,
        changes=changes,
        metadata={"transition": "approved"},
    )
    return message


def message_approve(
    *, org, actor: Actor, message: Message, subject: str | None = None, body: str | None = None
) -> Message:
    """Approve (after the approver's edits, if any) and queue the sending. Owners and
    managers approve; campaign messages need ``messages.approve_campaign``."""
    _check_may_approve(actor, message)
    with transaction.atomic():
        message = _approve_locked(
            org=org, actor=actor, message=_locked(message), subject=subject, body=body
        )
        send_job_queue(org, [message.pk])
    return message


def message_bulk_approve(*, org, actor: Actor, messages: list[Message]) -> dict[str, list]:
    """Approve each message that still waits and may be approved by ``actor``; the others
    are reported, not failed. One transaction: the rows are locked together, updated and
    audited in bulk, and the sending is queued in batches."""
    approved: list[Message] = []
    skipped: list[dict[str, str]] = []
    now = timezone.now()
    with transaction.atomic():
        qs = Message.objects.select_related("customer").filter(pk__in=[m.pk for m in messages])
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(of=("self",))
        entries = []
        for message in qs.order_by("pk"):
            try:
                _check_may_approve(actor, message)
                if message.status != Status.PENDING_APPROVAL:
                    raise InvalidState(f"This message is {message.status}, not waiting.")
            except (InvalidState, PermissionDenied) as exc:
                skipped.append({"id": str(message.pk), "reason": exc.detail})
                continue
            data = {
                "status": Status.QUEUED,
                "approved_by_id": actor.membership_id,
                "approved_at": now,
                "approval_count": message.approval_count + 1,
            }
            changes = {name: (getattr(message, name), value) for name, value in data.items()}
            for name, value in data.items():
                setattr(message, name, value)
            message.updated_at = now
            approved.append(message)
            entries.append(
                audit_entry(
                    org=org,
                    actor=actor,
                    action=AuditAction.UPDATE,
                    obj=message,
                    changes=changes,
                    metadata={"transition": "approved"},
                )
            )
        # one UPDATE for all (bulk_update's CASE per row costs more than the rest)
        Message.objects.filter(pk__in=[m.pk for m in approved]).update(
            status=Status.QUEUED,
            approved_by_id=actor.membership_id,
            approved_at=now,
            approval_count=F("approval_count") + 1,
            updated_at=now,
        )
        AuditEntry.objects.bulk_create(entries)
        if approved:
            send_job_queue(org, [m.pk for m in approved])
    return {"approved": approved, "skipped": skipped}


def message_reject(*, org, actor: Actor, message: Message, reason: str) -> Message:
    """Reject a waiting message with a reason; it is never sent."""
    _check_may_approve(actor, message)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Say why the message is rejected."})
    if len(reason) > REJECT_REASON_MAX:
        raise ValidationFailed({"reason": f"At most {REJECT_REASON_MAX} characters."})
    with transaction.atomic():
        message = _locked(message)
        if message.status not in EDITABLE_STATUSES:
            raise InvalidState(
                f"Only a message waiting for approval can be rejected; this one is "
                f"{message.status}."
            )
        changes = {
            "status": (message.status, Status.REJECTED),
            "rejected_reason": (message.rejected_reason, reason),
        }
        message.status = Status.REJECTED
        message.rejected_reason = reason
        message.save(update_fields=["status", "rejected_reason", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=message,
            changes=changes,
            metadata={"transition": "rejected"},
        )
    return message
