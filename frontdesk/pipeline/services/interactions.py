"""Logging interactions (calls, emails, SMS, meetings, notes …), past or scheduled, and
changing their follow-up status. Interactions are never deleted or rewritten (rule 3):
after logging, only the follow-up status changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from frontdesk.audit.models import AuditAction, AuditEntry
from frontdesk.audit.services import audit_entry, audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.customers.models import Customer
from frontdesk.events.services import event_emit
from frontdesk.organizations.models import Membership, Organization
from frontdesk.pipeline import events
from frontdesk.pipeline.choices import (
    Direction,
    FollowUpStatus,
    InteractionType,
    LeadStatus,
    Outcome,
    Sentiment,
)
from frontdesk.pipeline.models import Interaction, Lead, Opportunity
from frontdesk.pipeline.services._common import (
    actor_membership_id,
    aware,
    choice,
    date_value,
    member,
    text,
)
from frontdesk.pipeline.services.leads import lead_rescore, open_touch_sync

MAX_BULK = 500


def interaction_payload(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.pk,
        "type": interaction.type,
        "direction": interaction.direction,
        "occurred_at": interaction.occurred_at,
        "customer_id": interaction.customer_id,
        "lead_id": interaction.lead_id,
        "opportunity_id": interaction.opportunity_id,
        "staff_id": interaction.staff_id,
        "outcome": interaction.outcome,
        "follow_up_date": interaction.follow_up_date,
        "scheduled": interaction.scheduled,
    }


def _exists(model, obj, field: str):
    if obj is not None and not model.objects.filter(pk=obj.pk).exists():
        raise ValidationFailed({field: f"No {model._meta.verbose_name} with this id."})
    return obj


def interaction_build(
    *,
    org: Organization,
    actor: Actor,
    type: str,
    customer: Customer | None = None,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    occurred_at: dt.datetime | None = None,
    direction: str = "",
    subject: str = "",
    body: str = "",
    duration_s: int | None = None,
    outcome: str = "none",
    sentiment: str = "",
    follow_up_date=None,
    follow_up_status: str | None = None,
    transcript: str = "",
    summary: str = "",
    staff: Membership | None = None,
    now: dt.datetime | None = None,
) -> Interaction:
    """Validate and build (not save) one interaction; 422 naming the field otherwise.
    The customer is filled in from the lead or opportunity when not given."""
    now = now or timezone.now()
    type = choice(type, field="type", choices=InteractionType)
    if customer is None and lead is None and opportunity is None:
        raise ValidationFailed(
            {"customer_id": "Give at least one of customer_id, lead_id and opportunity_id."}
        )
    _exists(Customer, customer, "customer_id")
    _exists(Lead, lead, "lead_id")
    _exists(Opportunity, opportunity, "opportunity_id")
    if opportunity is not None:
        if lead is None:
            lead = opportunity.lead
        elif opportunity.lead_id and opportunity.lead_id != lead.pk:
            raise ValidationFailed({"opportunity_id": "Belongs to another lead."})
        if customer is None:
            customer = opportunity.customer
        elif customer.pk != opportunity.customer_id:
            raise ValidationFailed({"opportunity_id": "Belongs to another customer."})
    if lead is not None and lead.customer_id:
        if customer is None:
            customer = lead.customer
        elif customer.pk != lead.customer_id:
            raise ValidationFailed({"lead_id": "Belongs to another customer."})
    occurred_at = aware(occurred_at, field="occurred_at") or now
    direction = choice(direction or "", field="direction", choices=Direction, allow_blank=True)
    if duration_s is not None and (
        isinstance(duration_s, bool) or not isinstance(duration_s, int) or not duration_s >= 0
    ):
        raise ValidationFailed({"duration_s": "A whole number of seconds, 0 or more."})
    if duration_s is not None and duration_s > 86400 * 7:
        raise ValidationFailed({"duration_s": "At most a week."})
    outcome = choice(outcome or "none", field="outcome", choices=Outcome)
    sentiment = choice(sentiment or "", field="sentiment", choices=Sentiment, allow_blank=True)
    follow_up_date = date_value(follow_up_date, field="follow_up_date")
    if follow_up_status is None:
        follow_up_status = FollowUpStatus.PENDING if follow_up_date else FollowUpStatus.NONE
    follow_up_status = choice(follow_up_status, field="follow_up_status", choices=FollowUpStatus)
    if follow_up_status == FollowUpStatus.PENDING and follow_up_date is None:
        raise ValidationFailed({"follow_up_date": "A pending follow-up needs a date."})
    staff = member(staff, field="staff_id")
    return Interaction(
        organization_id=org.pk,
        type=type,
        direction=direction,
        occurred_at=occurred_at,
        duration_s=duration_s,
        staff_id=staff.pk if staff else actor_membership_id(actor),
        subject=text(subject, field="subject", max_length=200),
        body=text(body, field="body", max_length=20000, multiline=True),
        outcome=outcome,
        sentiment=sentiment,
        follow_up_date=follow_up_date,
        follow_up_status=follow_up_status,
        customer=customer,
        lead=lead,
        opportunity=opportunity,
        transcript=text(transcript, field="transcript", max_length=200000, multiline=True),
        summary=text(summary, field="summary", max_length=5000, multiline=True),
        scheduled=occurred_at > now,
    )


def _touch_leads(interactions: list[Interaction], now: dt.datetime) -> None:
    """A past touchpoint moves its lead's ``last_touch_at`` forward (the stale scan);
    our own outbound contact makes a new lead ``working``; the score follows."""
    touched: dict[Any, dt.datetime] = {}
    working = set()
    for item in interactions:
        if item.lead_id is None or item.occurred_at > now or item.type == InteractionType.SYSTEM:
            continue
        touched[item.lead_id] = max(touched.get(item.lead_id, item.occurred_at), item.occurred_at)
        if item.direction != Direction.INBOUND:
            working.add(item.lead_id)
    for lead_id, at in touched.items():
        Lead.objects.filter(pk=lead_id, last_touch_at__lt=at).update(last_touch_at=at)
    if working:
        Lead.objects.filter(pk__in=working, status=LeadStatus.NEW).update(
            status=LeadStatus.WORKING, updated_at=now
        )
    if touched:
        open_touch_sync(touched)
    for lead in Lead.objects.filter(pk__in={i.lead_id for i in interactions if i.lead_id}):
        lead_rescore(lead)


def _record(org, actor: Actor, interactions: list[Interaction]) -> None:

    AuditEntry.objects.bulk_create(
        [
            audit_entry(
                org=org,
                actor=actor,
                action=AuditAction.CREATE,
                obj=item,
                changes={k: (None, v) for k, v in interaction_payload(item).items() if k != "id"},
            )
            for item in interactions
        ]
    )
    for item in interactions:
        event_emit(
            org=org, type=events.INTERACTION_LOGGED, actor=actor, payload=interaction_payload(item)
        )


def interaction_log(
    *,
    org: Organization,
    actor: Actor,
    type: str,
    customer: Customer | None = None,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    occurred_at: dt.datetime | None = None,
    direction: str = "",
    subject: str = "",
    body: str = "",
    duration_s: int | None = None,
    outcome: str = "none",
    sentiment: str = "",
    follow_up_date=None,
    follow_up_status: str | None = None,
    transcript: str = "",
    summary: str = "",
    staff: Membership | None = None,
) -> Interaction:
    """Record one interaction about a customer, lead and/or opportunity (at least one,
    else 422; the database holds the same rule). ``occurred_at`` defaults to now; a future
    time makes it a scheduled touchpoint. A ``follow_up_date`` makes the follow-up pending.
    ``staff`` defaults to the acting staff member. Audited; emits ``interaction.logged``."""
    now = timezone.now()
    interaction = interaction_build(
        org=org,
        actor=actor,
        type=type,
        customer=customer,
        lead=lead,
        opportunity=opportunity,
        occurred_at=occurred_at,
        direction=direction,
        subject=subject,
        body=body,
        duration_s=duration_s,
        outcome=outcome,
        sentiment=sentiment,
        follow_up_date=follow_up_date,
        follow_up_status=follow_up_status,
        transcript=transcript,
        summary=summary,
        staff=staff,
        now=now,
    )
    with transaction.atomic():
        interaction.save(force_insert=True)
        _touch_leads([interaction], now)
        _record(org, actor, [interaction])
    return interaction


def interaction_log_bulk(
    *, org: Organization, actor: Actor, items: list[dict[str, Any]]
) -> list[Interaction]:
    """Record several interactions at once (each as :func:`interaction_log` takes it):
    all or nothing — one bad item is a 422 naming ``items[i].field`` and nothing is written."""
    if not items:
        raise ValidationFailed({"items": "Give at least one interaction."})
    if len(items) > MAX_BULK:
        raise ValidationFailed({"items": f"At most {MAX_BULK} at once."})
    now = timezone.now()
    built = []
    for i, item in enumerate(items):
        try:
            built.append(interaction_build(org=org, actor=actor, now=now, **item))
        except ValidationFailed as exc:
            raise ValidationFailed(
                [{"field": f"items[{i}].{e['field']}", "message": e["message"]} for e in exc.errors]
            )
    with transaction.atomic():
        Interaction.objects.bulk_create(built)
        _touch_leads(built, now)
        _record(org, actor, built)
    return built


def interaction_follow_up_set(
    *,
    org: Organization,
    actor: Actor,
    interaction: Interaction,
    status: str,
    follow_up_date=None,
) -> Interaction:
    """Change only the follow-up: complete or cancel it, or (re)open it with a date."""
    status = choice(status, field="follow_up_status", choices=FollowUpStatus)
    new_date = date_value(follow_up_date, field="follow_up_date")
    with transaction.atomic():
        interaction = Interaction.objects.select_for_update().get(pk=interaction.pk)
        date = new_date or interaction.follow_up_date
        if status == FollowUpStatus.PENDING and date is None:
            raise ValidationFailed({"follow_up_date": "A pending follow-up needs a date."})
        if status in (FollowUpStatus.COMPLETED, FollowUpStatus.CANCELED) and (
            interaction.follow_up_status == FollowUpStatus.NONE
        ):
            raise InvalidState("This interaction has no follow-up to close.")
        changes = {}
        if interaction.follow_up_status != status:
            changes["follow_up_status"] = (interaction.follow_up_status, status)
        if new_date and new_date != interaction.follow_up_date:
            changes["follow_up_date"] = (interaction.follow_up_date, new_date)
        if not changes:
            return interaction
        interaction.follow_up_status, interaction.follow_up_date = status, date
        interaction.save(update_fields=["follow_up_status", "follow_up_date", "updated_at"])
        audit_record(
            org=org, actor=actor, action=AuditAction.UPDATE, obj=interaction, changes=changes
        )
    return interaction


def due_follow_ups_q(day: dt.date) -> Q:
    return Q(follow_up_status=FollowUpStatus.PENDING, follow_up_date__lte=day)


__all__ = [
    "due_follow_ups_q",
    "interaction_build",
    "interaction_follow_up_set",
    "interaction_log",
    "interaction_log_bulk",
    "interaction_payload",
]
