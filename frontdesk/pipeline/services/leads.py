"""Writing leads: create (finding or creating the contact), update, move stage, assign,
qualify, disqualify, convert to an opportunity. Each is one transaction that validates,
writes, records its audit entry and emits its event (SPEC 4.3, rules 2 and 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.core.refnums import reference_next
from frontdesk.customers.models import Customer
from frontdesk.customers.services import customer_create, customer_find_or_create
from frontdesk.events.services import event_emit
from frontdesk.organizations.models import Membership, Organization
from frontdesk.pipeline import events
from frontdesk.pipeline.choices import (
    OPEN_LEAD_STATUSES,
    STALE_LEAD_STATUSES,
    DisqualificationReason,
    LeadSource,
    LeadStatus,
    OpportunityStage,
)
from frontdesk.pipeline.models import Lead, Opportunity, PipelineStage
from frontdesk.pipeline.services._common import (
    choice,
    currency_check,
    date_value,
    member,
    money,
    text,
)
from frontdesk.pipeline.services.scoring import RECENCY_STEPS, lead_score_compute
from frontdesk.pipeline.services.stages import stage_resolve, stages_ensure

CONTACT_KEYS = {"name", "first_name", "last_name", "phone", "email"}


def lead_payload(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "number": lead.number,
        "title": lead.title,
        "customer_id": lead.customer_id,
        "source": lead.source,
        "stage": lead.stage.key,
        "status": lead.status,
        "owner_id": lead.owner_id,
        "estimated_value": lead.estimated_value,
    }


def _live_customer(customer: Customer, field: str = "customer_id") -> Customer:
    if not Customer.objects.filter(pk=customer.pk).exists():
        raise ValidationFailed({field: "No customer with this id."})
    if customer.merged_into_id:
        raise ValidationFailed({field: "This customer was merged; use the surviving record."})
    if customer.status == "archived":
        raise ValidationFailed({field: "This customer is archived; restore it first."})
    return customer


def _split_name(contact: dict[str, Any]) -> tuple[str, str]:
    first = contact.get("first_name") or ""
    last = contact.get("last_name") or ""
    if not (first or last) and contact.get("name"):
        name = text(contact["name"], field="contact.name", max_length=200)
        first, _, last = name.partition(" ")
        if not last:
            first, last = "", first
    return first, last


def contact_resolve(
    *, org: Organization, actor: Actor, contact: dict[str, Any], source: str
) -> tuple[Customer, bool]:
    """The customer behind ``contact`` (name/phone/email): found by phone or email
    (rule 2: a match is linked, never duplicated) or created as a prospect through the
    customers app's own services. Returns (customer, created)."""
    if not isinstance(contact, dict):
        raise ValidationFailed({"contact": "An object with name, phone and/or email."})
    unknown = set(contact) - CONTACT_KEYS
    if unknown:
        raise ValidationFailed({f"contact.{k}": "Unknown field." for k in sorted(unknown)})
    first, last = _split_name(contact)
    phone, email = contact.get("phone") or "", contact.get("email") or ""
    customer_source = source if source in LeadSource.values else "other"
    try:
        if phone or email:
            return customer_find_or_create(
                org=org,
                actor=actor,
                first_name=first,
                last_name=last,
                phone=phone,
                email=email,
                source=customer_source,
            )
        if not (first or last):
            raise ValidationFailed({"contact": "Give a name, a phone number or an email."})
        data = {"first_name": first, "last_name": last, "source": customer_source}
        return customer_create(org=org, actor=actor, data=data), True
    except ValidationFailed as exc:
        raise ValidationFailed(
            [{"field": f"contact.{e['field']}", "message": e["message"]} for e in exc.errors]
        )


def _score(lead: Lead) -> dict[str, Any]:
    return lead_score_compute(lead=lead, interaction_count=lead.interactions.count())


def lead_rescore(lead: Lead) -> Lead:
    """Store the lead's current score (a derived figure, so not audited)."""
    score = _score(lead)["score"]
    if score != lead.score:
        lead.score = score
        Lead.objects.filter(pk=lead.pk).update(score=score)
    return lead


def leads_rescore_aged(*, org: Organization, now=None, window_hours: int = 48) -> int:
    """Store the score again for open leads whose recency points dropped since they were
    last scored: time alone moves a lead across a recency step (1, 3, 7, 30 days since
    the last touch) without any change that would rescore it. Run daily; it looks at the
    leads that crossed a step within the last ``window_hours`` (more than a day, so a
    missed run is caught up by the next). Returns how many leads it looked at."""
    now = now or timezone.now()
    window = dt.timedelta(hours=window_hours)
    crossed = Q()
    for days, _points in RECENCY_STEPS:
        step = now - dt.timedelta(days=days)
        crossed |= Q(last_touch_at__gt=step - window, last_touch_at__lte=step)
    leads = list(
        Lead.objects.filter(crossed, status__in=OPEN_LEAD_STATUSES).select_related("customer")
    )
    for lead in leads:
        lead_rescore(lead)
    return len(leads)


def open_touch_sync(lead_ids) -> None:
    """Keep ``open_touch_at`` = ``last_touch_at`` for new/working leads, null otherwise
    (the stale scan's index key). Called after every status or touch change."""
    Lead.objects.filter(pk__in=list(lead_ids)).update(
        open_touch_at=Case(
            When(status__in=STALE_LEAD_STATUSES, then=F("last_touch_at")), default=None
        )
    )


def lock_lead(lead: Lead) -> Lead:
    qs = Lead.objects.select_related("stage", "customer")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=lead.pk)


def lead_create(
    *,
    org: Organization,
    actor: Actor,
    title: str,
    source: str,
    customer: Customer | None = None,
    contact: dict[str, Any] | None = None,
    description: str = "",
    estimated_value: int | None = None,
    currency: str | None = None,
    owner: Membership | None = None,
    stage: PipelineStage | str | None = None,
    expected_close_date=None,
) -> Lead:
    """Create a lead numbered ``L-0001``… in ``org``.

    ``customer`` is a Customer of ``org`` (already looked up); otherwise ``contact``
    (``{name | first_name, last_name, phone, email}``) is found by phone/email or created
    as a prospect (:func:`contact_resolve`). ``stage`` is a stage row or key (default:
    the first stage). Audited; emits ``lead.created``. 422 for bad input."""
    title = text(title, field="title", max_length=200, required=True)
    source = choice(source, field="source", choices=LeadSource)
    description = text(description, field="description", max_length=10000, multiline=True)
    estimated_value = money(estimated_value, field="estimated_value")
    currency_check(org, currency)
    expected_close_date = date_value(expected_close_date, field="expected_close_date")
    owner = member(owner, field="owner_id")
    if customer is not None:
        _live_customer(customer)
    stage_row = (
        stage_resolve(org=org, value=stage) if stage is not None else stages_ensure(org=org)[0]
    )
    with transaction.atomic():
        created_contact = False
        if customer is None and contact:
            customer, created_contact = contact_resolve(
                org=org, actor=actor, contact=contact, source=source
            )
        now = timezone.now()
        lead = Lead(
            organization_id=org.pk,
            number=reference_next(org=org, kind="lead"),
            title=title,
            description=description,
            customer=customer,
            source=source,
            estimated_value=estimated_value,
            stage=stage_row,
            expected_close_date=expected_close_date,
            owner=owner,
            stage_changed_at=now,
            last_touch_at=now,
            open_touch_at=now,
        )
        lead.score = lead_score_compute(lead=lead, interaction_count=0)["score"]
        lead.save(force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=lead,
            changes={k: (None, v) for k, v in lead_payload(lead).items() if k != "id"},
            metadata={"contact_created": created_contact} if customer else {},
        )
        event_emit(org=org, type=events.LEAD_CREATED, actor=actor, payload=lead_payload(lead))
    return lead


EDITABLE = {"title", "description", "estimated_value", "expected_close_date", "customer"}


def lead_update(*, org: Organization, actor: Actor, lead: Lead, data: dict[str, Any]) -> Lead:
    """Change title, description, estimated value, expected close date or the linked
    customer. Stage, owner and status have their own services (and events)."""
    unknown = set(data) - EDITABLE - {"currency"}
    if unknown:
        raise ValidationFailed({k: "Not editable here." for k in sorted(unknown)})
    values: dict[str, Any] = {}
    if "title" in data:
        values["title"] = text(data["title"], field="title", max_length=200, required=True)
    if "description" in data:
        values["description"] = text(
            data["description"], field="description", max_length=10000, multiline=True
        )
    if "estimated_value" in data:
        values["estimated_value"] = money(data["estimated_value"], field="estimated_value")
    currency_check(org, data.get("currency"))
    if "expected_close_date" in data:
        values["expected_close_date"] = date_value(
            data["expected_close_date"], field="expected_close_date"
        )
    if "customer" in data:
        if data["customer"] is None:
            raise ValidationFailed({"customer_id": "A lead's contact can be changed, not removed."})
        values["customer"] = _live_customer(data["customer"])
    with transaction.atomic():
        lead = lock_lead(lead)
        if not lead.is_open:
            raise InvalidState(f"{lead.number} is {lead.status}; it can no longer be edited.")
        changes = {}
        for name, value in values.items():
            if getattr(lead, name) != value:
                changes[name] = (getattr(lead, name), value)
                setattr(lead, name, value)
        if changes:
            lead.save(update_fields=[*changes, "updated_at"])
            lead_rescore(lead)
            audit_record(
                org=org,
                actor=actor,
                action=AuditAction.UPDATE,
                obj=lead,
                changes={
                    ("customer_id" if k == "customer" else k): (
                        getattr(b, "pk", b),
                        getattr(a, "pk", a),
                    )
                    for k, (b, a) in changes.items()
                },
            )
    return lead


def lead_move_stage(*, org: Organization, actor: Actor, lead: Lead, stage: Any) -> Lead:
    """Move an open lead to another stage (key or id; 422 for an unknown one); a new lead
    becomes working. Emits ``lead.stage_changed`` with from/to. Moving to the stage it is
    in already changes nothing and emits nothing."""
    target = stage_resolve(org=org, value=stage)
    with transaction.atomic():
        lead = lock_lead(lead)
        if not lead.is_open:
            raise InvalidState(f"{lead.number} is {lead.status}; its stage can no longer change.")
        if lead.stage_id == target.pk:
            return lead
        before, before_status = lead.stage, lead.status
        lead.stage, lead.stage_changed_at = target, timezone.now()
        if lead.status == LeadStatus.NEW:
            lead.status = LeadStatus.WORKING
        lead.save(update_fields=["stage", "stage_changed_at", "status", "updated_at"])
        changes = {"stage": (before.key, target.key)}
        if before_status != lead.status:
            changes["status"] = (before_status, lead.status)
        audit_record(org=org, actor=actor, action=AuditAction.UPDATE, obj=lead, changes=changes)
        event_emit(
            org=org,
            type=events.LEAD_STAGE_CHANGED,
            actor=actor,
            payload={
                **lead_payload(lead),
                "from_stage": before.key,
                "to_stage": target.key,
                "from_stage_id": before.pk,
                "to_stage_id": target.pk,
            },
        )
    return lead


def lead_assign(*, org: Organization, actor: Actor, lead: Lead, owner: Any) -> Lead:
    """Give the lead an owner (a staff member id or Membership), or none with ``None``."""
    owner = member(owner, field="owner_id")
    with transaction.atomic():
        lead = lock_lead(lead)
        if not lead.is_open:
            raise InvalidState(f"{lead.number} is {lead.status}; it can no longer be assigned.")
        if lead.owner_id == (owner.pk if owner else None):
            return lead
        before = lead.owner_id
        lead.owner = owner
        lead.save(update_fields=["owner", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=lead,
            changes={"owner_id": (before, lead.owner_id)},
        )
    return lead


def lead_qualify(*, org: Organization, actor: Actor, lead: Lead) -> Lead:
    """new/working → qualified (409 from any other status; qualified again is a no-op)."""
    with transaction.atomic():
        lead = lock_lead(lead)
        if lead.status == LeadStatus.QUALIFIED:
            return lead
        if lead.status not in (LeadStatus.NEW, LeadStatus.WORKING):
            raise InvalidState(f"{lead.number} is {lead.status}; it cannot be qualified.")
        before = lead.status
        lead.status = LeadStatus.QUALIFIED
        lead.save(update_fields=["status", "updated_at"])
        open_touch_sync([lead.pk])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=lead,
            changes={"status": (before, lead.status)},
        )
    return lead


def lead_disqualify(
    *, org: Organization, actor: Actor, lead: Lead, reason: Any, note: Any = ""
) -> Lead:
    """Close an open lead as disqualified with a reason (422 without one). The lead stays
    (rule 3). Emits ``lead.disqualified``."""
    if reason in (None, ""):
        raise ValidationFailed({"reason": "A reason is required."})
    reason = choice(reason, field="reason", choices=DisqualificationReason)
    note = text(note, field="note", max_length=2000, multiline=True)
    with transaction.atomic():
        lead = lock_lead(lead)
        if not lead.is_open:
            raise InvalidState(f"{lead.number} is {lead.status}; it cannot be disqualified.")
        before = lead.status
        lead.status = LeadStatus.DISQUALIFIED
        lead.disqualification_reason, lead.disqualification_note = reason, note
        lead.closed_at = timezone.now()
        lead.save(
            update_fields=[
                "status",
                "disqualification_reason",
                "disqualification_note",
                "closed_at",
                "updated_at",
            ]
        )
        open_touch_sync([lead.pk])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=lead,
            changes={
                "status": (before, lead.status),
                "disqualification_reason": ("", reason),
                "disqualification_note": ("", note),
            },
        )
        event_emit(
            org=org,
            type=events.LEAD_DISQUALIFIED,
            actor=actor,
            payload={**lead_payload(lead), "reason": reason, "note": note},
        )
    return lead


def contact_missing(customer: Customer | None) -> list[str]:
    """What a contact lacks to convert a lead: of name, phone, address."""
    if customer is None:
        return ["name", "phone", "address"]
    missing = []
    if not (customer.first_name or customer.last_name or customer.company_id):
        missing.append("name")
    if not customer.phones.exists():
        missing.append("phone")
    if not customer.addresses.exists():
        missing.append("address")
    return missing


def lead_convert(
    *,
    org: Organization,
    actor: Actor,
    lead: Lead,
    name: str | None = None,
    amount: int | None = None,
    close_date=None,
    owner: Membership | None = None,
) -> Opportunity:
    """Convert an open lead into an opportunity (stage estimating). The contact must have a
    name, a phone and an address — else 409 listing ``missing``. The lead becomes
    converted and points at the opportunity. Emits ``lead.converted``."""
    name = text(name, field="name", max_length=200) if name is not None else None
    amount = money(amount, field="amount")
    close_date = date_value(close_date, field="close_date")
    owner = member(owner, field="owner_id")
    with transaction.atomic():
        lead = lock_lead(lead)
        if lead.status == LeadStatus.CONVERTED:
            raise InvalidState(
                f"{lead.number} was converted already.",
                opportunity_id=str(lead.converted_opportunity_id),
            )
        if lead.status not in OPEN_LEAD_STATUSES:
            raise InvalidState(f"{lead.number} is {lead.status}; it cannot be converted.")
        missing = contact_missing(lead.customer)
        if missing:
            raise InvalidState(
                f"The contact needs {', '.join(missing)} before the lead can be converted.",
                missing=missing,
            )
        opportunity = Opportunity(
            organization_id=org.pk,
            number=reference_next(org=org, kind="opportunity"),
            name=name or lead.title,
            stage=OpportunityStage.ESTIMATING,
            amount=amount if amount is not None else lead.estimated_value,
            close_date=close_date or lead.expected_close_date,
            lead=lead,
            customer=lead.customer,
            owner=owner or lead.owner,
        )
        opportunity.save(force_insert=True)
        before = lead.status
        lead.status, lead.converted_opportunity = LeadStatus.CONVERTED, opportunity
        lead.closed_at = timezone.now()
        lead.save(update_fields=["status", "converted_opportunity", "closed_at", "updated_at"])
        open_touch_sync([lead.pk])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=opportunity,
            changes={
                "number": (None, opportunity.number),
                "name": (None, opportunity.name),
                "amount": (None, opportunity.amount),
                "lead_id": (None, lead.pk),
                "customer_id": (None, opportunity.customer_id),
            },
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=lead,
            changes={
                "status": (before, lead.status),
                "converted_opportunity_id": (None, opportunity.pk),
            },
        )
        event_emit(
            org=org,
            type=events.LEAD_CONVERTED,
            actor=actor,
            payload={**lead_payload(lead), "opportunity_id": opportunity.pk},
        )
    return opportunity
