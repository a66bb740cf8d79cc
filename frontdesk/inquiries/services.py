"""Writes of the inquiries app: receiving a website inquiry and its staff lifecycle
(assign → reply → converted | lost). Each is atomic, audited and emits its event.

``inquiry_receive`` is what the public form calls. It finds or creates the contact
(rule 2 through the pipeline's ``lead_create``: a match is linked, never duplicated,
and the visitor is told nothing about it), opens a lead (source ``web_form``), logs the
interaction, notifies the staff who work leads (an in-app notification, written in the
same transaction, so the notification stream shows it at once) and emits
``inquiry.received`` (webhooks). Everything the visitor typed is kept as plain text.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, PermissionDenied, ValidationFailed
from frontdesk.core.lookups import get_referenced
from frontdesk.core.refnums import reference_next
from frontdesk.events.services import event_emit
from frontdesk.inquiries import events
from frontdesk.inquiries.choices import OPEN_STATUSES, InquiryStatus, Resolution
from frontdesk.inquiries.models import Inquiry
from frontdesk.inquiries.permissions import DRAFT, VIEW
from frontdesk.messaging.choices import NotificationKind
from frontdesk.messaging.services import message_create, notification_create
from frontdesk.organizations.models import Membership, Organization
from frontdesk.pipeline.choices import Direction, InteractionType, LeadSource
from frontdesk.pipeline.services import interaction_log, lead_assign, lead_create

REFERENCE_KIND = "IQ"  # IQ-0001 (core.refnums uses the kind itself as the prefix)
LIMITS = {"name": 200, "email": 254, "phone": 40, "business": 200, "message": 5000}


def _text(value: Any, field: str, *, multiline: bool = False) -> str:
    """Plain text: control characters out, whitespace tidied, length checked. Markup is
    kept as the visitor typed it (it is data, escaped wherever it is shown)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed({field: "Text, please."})
    keep = "\n\t" if multiline else ""
    cleaned = "".join(ch for ch in value if ch.isprintable() or ch in keep)
    if multiline:
        cleaned = "\n".join(" ".join(line.split()) for line in cleaned.strip().splitlines())
    else:
        cleaned = " ".join(cleaned.split())
    if len(cleaned) > LIMITS[field]:
        raise ValidationFailed({field: f"At most {LIMITS[field]} characters."})
    return cleaned


def inquiry_clean(data: dict[str, Any]) -> dict[str, Any]:
    out = {name: _text(data.get(name), name, multiline=name == "message") for name in LIMITS}
    errors = {}
    if not out["name"]:
        errors["name"] = "Tell us your name."
    if not (out["email"] or out["phone"]):
        errors["email"] = "Give an email address or a phone number so we can answer."
    if not out["message"]:
        errors["message"] = "Tell us what you need."
    if data.get("consent") is not True:
        errors["consent"] = "Tick the box to let us contact you about your inquiry."
    if errors:
        raise ValidationFailed(errors)
    out["consent"] = True
    return out


def inquiry_receive(
    *, org: Organization, actor: Actor, data: dict[str, Any], source_ip: str | None = None
) -> Inquiry:
    """A website inquiry: contact found or created, lead, interaction, notification,
    ``inquiry.received``. 422 for bad input (nothing written)."""
    clean = inquiry_clean(data)
    contact = {"name": clean["name"], "phone": clean["phone"], "email": clean["email"]}
    contact = {k: v for k, v in contact.items() if v}
    description = clean["message"]
    if clean["business"]:
        description = f"Business: {clean['business']}\n\n{description}"
    with transaction.atomic():
        lead = lead_create(
            org=org,
            actor=actor,
            title=f"Website inquiry from {clean['name']}"[:200],
            source=LeadSource.WEB_FORM,
            contact=contact,
            description=description,
        )
        interaction = interaction_log(
            org=org,
            actor=actor,
            type=InteractionType.WEB,
            direction=Direction.INBOUND,
            customer=lead.customer,
            lead=lead,
            subject="Website inquiry",
            body=description,
        )
        inquiry = Inquiry.objects.create(
            organization_id=org.pk,
            number=reference_next(org=org, kind=REFERENCE_KIND),
            customer=lead.customer,
            lead=lead,
            interaction=interaction,
            source_ip=source_ip or None,
            **clean,
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=inquiry,
            changes={k: (None, getattr(inquiry, k)) for k in ("number", "customer_id", "lead_id")},
        )
        event_emit(
            org=org,
            type=events.INQUIRY_RECEIVED,
            actor=actor,
            payload={
                "id": inquiry.pk,
                "number": inquiry.number,
                "customer_id": inquiry.customer_id,
                "lead_id": inquiry.lead_id,
                "interaction_id": inquiry.interaction_id,
            },
        )
        notification_create(
            org=org,
            permission=VIEW,
            kind=NotificationKind.INQUIRY,
            title=f"New inquiry from {clean['name']}",
            body=clean["message"][:300],
            link=reverse("inquiries:detail", args=[inquiry.pk]),
            key=f"inquiry:{inquiry.pk}",
        )
    return inquiry


def _lock(inquiry: Inquiry) -> Inquiry:
    return Inquiry.objects.select_for_update().get(pk=inquiry.pk)


def _ensure_open(inquiry: Inquiry) -> None:
    if inquiry.status not in OPEN_STATUSES:
        raise InvalidState(
            f"{inquiry.number} is {inquiry.get_status_display().lower()}.",
            current_status=inquiry.status,
        )


def inquiry_assign(*, org: Organization, actor: Actor, inquiry: Inquiry, assignee_id) -> Inquiry:
    """Give the inquiry (and its lead) to a staff member. Assigning to the same person
    again changes nothing."""
    assignee = get_referenced(Membership, assignee_id, field="assignee_id", status=404)
    if not assignee.is_active:
        raise ValidationFailed({"assignee_id": "This staff member is deactivated."})
    with transaction.atomic():
        inquiry = _lock(inquiry)
        _ensure_open(inquiry)
        if inquiry.assignee_id == assignee.pk:
            return inquiry
        before = (inquiry.assignee_id, inquiry.status)
        inquiry.assignee = assignee
        if inquiry.status == InquiryStatus.NEW:
            inquiry.status = InquiryStatus.ASSIGNED
        inquiry.save(update_fields=["assignee", "status", "updated_at"])
        if inquiry.lead is not None and inquiry.lead.is_open:
            lead_assign(org=org, actor=actor, lead=inquiry.lead, owner=assignee)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=inquiry,
            changes={
                "assignee_id": (before[0], assignee.pk),
                "status": (before[1], inquiry.status),
            },
        )
        event_emit(
            org=org,
            type=events.INQUIRY_ASSIGNED,
            actor=actor,
            payload={"id": inquiry.pk, "number": inquiry.number, "assignee_id": assignee.pk},
        )
        if assignee.pk != actor.membership_id:
            notification_create(
                org=org,
                recipients=[assignee],
                kind=NotificationKind.INQUIRY,
                title=f"{inquiry.number} from {inquiry.name} is yours",
                link=reverse("inquiries:detail", args=[inquiry.pk]),
                key=f"inquiry-assigned:{inquiry.pk}:{assignee.pk}",
            )
    return inquiry


def inquiry_reply(
    *,
    org: Organization,
    actor: Actor,
    inquiry: Inquiry,
    channel: str,
    body: str,
    subject: str = "",
) -> tuple[Inquiry, Any]:
    """Answer the visitor: a message through the messaging service, so review (rule 4)
    and consent at send time (rule 5) apply. A staff member's own message goes out as
    theirs; an assistant's waits for approval. The message reaches the customer's
    timeline when it is sent (the pipeline logs ``message.sent`` as an interaction)."""
    if not actor.has(DRAFT):
        raise PermissionDenied("Your role may not draft messages.", permission=DRAFT)
    origin = "assistant" if actor.kind == "assistant" else "staff"
    with transaction.atomic():
        inquiry = _lock(inquiry)
        _ensure_open(inquiry)
        message = message_create(
            org=org,
            actor=actor,
            origin=origin,
            customer=inquiry.customer,
            channel=channel,
            subject=subject or f"Re: your inquiry {inquiry.number}",
            body=body,
        )
        before = inquiry.status
        inquiry.status = InquiryStatus.REPLIED
        inquiry.replied_at = timezone.now()
        inquiry.save(update_fields=["status", "replied_at", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=inquiry,
            changes={"status": (before, inquiry.status)},
            metadata={"message_id": str(message.pk)},
        )
        event_emit(
            org=org,
            type=events.INQUIRY_REPLIED,
            actor=actor,
            payload={
                "id": inquiry.pk,
                "number": inquiry.number,
                "message_id": message.pk,
                "channel": channel,
            },
        )
    return inquiry, message


def inquiry_resolve(
    *, org: Organization, actor: Actor, inquiry: Inquiry, resolution: str, note: str = ""
) -> Inquiry:
    """Close the inquiry as converted or lost. Repeating the same resolution changes
    nothing; a different one on a closed inquiry is 409."""
    if resolution not in Resolution.values:
        raise ValidationFailed({"resolution": "One of: converted, lost."})
    note = " ".join((note or "").split())[:2000]
    with transaction.atomic():
        inquiry = _lock(inquiry)
        if inquiry.resolution == resolution:
            return inquiry
        _ensure_open(inquiry)
        before = inquiry.status
        inquiry.status = resolution
        inquiry.resolution = resolution
        inquiry.resolution_note = note
        inquiry.resolved_at = timezone.now()
        inquiry.save(
            update_fields=["status", "resolution", "resolution_note", "resolved_at", "updated_at"]
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=inquiry,
            changes={"status": (before, resolution), "resolution_note": ("", note)},
        )
        event_emit(
            org=org,
            type=events.INQUIRY_RESOLVED,
            actor=actor,
            payload={
                "id": inquiry.pk,
                "number": inquiry.number,
                "resolution": resolution,
                "note": note,
            },
        )
    return inquiry
