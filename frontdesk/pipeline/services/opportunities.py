"""Writing opportunities: create, update, win (rule 6: two steps) and lose (with an
optional re-engagement follow-up). Opportunities are never deleted (rule 3)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, PermissionDenied, ValidationFailed
from frontdesk.core.refnums import reference_next
from frontdesk.customers.models import Customer
from frontdesk.customers.services import customer_update
from frontdesk.events.services import event_emit
from frontdesk.organizations.models import Membership, Organization
from frontdesk.pipeline import events
from frontdesk.pipeline.choices import (
    OPEN_OPPORTUNITY_STAGES,
    InteractionType,
    LostReason,
    OpportunityStage,
)
from frontdesk.pipeline.models import Lead, Opportunity, WinConfirmation
from frontdesk.pipeline.permissions import CONFIRM
from frontdesk.pipeline.services._common import (
    choice,
    currency_check,
    date_value,
    member,
    money,
    text,
)
from frontdesk.pipeline.services.interactions import interaction_log
from frontdesk.pipeline.services.leads import _live_customer
from frontdesk.scheduling.times import local_today

CONFIRMATION_TTL = dt.timedelta(minutes=15)
MAX_REENGAGE_DAYS = 730


def opportunity_payload(opportunity: Opportunity) -> dict[str, Any]:
    return {
        "id": opportunity.pk,
        "number": opportunity.number,
        "name": opportunity.name,
        "customer_id": opportunity.customer_id,
        "lead_id": opportunity.lead_id,
        "amount": opportunity.amount,
        "stage": opportunity.stage,
        "owner_id": opportunity.owner_id,
    }


def lock_opportunity(opportunity: Opportunity) -> Opportunity:
    qs = Opportunity.objects.select_related("customer")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=opportunity.pk)


def opportunity_create(
    *,
    org: Organization,
    actor: Actor,
    name: str,
    customer: Customer,
    amount: int | None = None,
    currency: str | None = None,
    stage: str = OpportunityStage.ESTIMATING,
    close_date=None,
    owner: Membership | None = None,
    lead: Lead | None = None,
) -> Opportunity:
    """An opportunity straight away (without converting a lead), numbered ``O-0001``….
    Won and lost are reached only through :func:`opportunity_win` / :func:`opportunity_lose`."""
    name = text(name, field="name", max_length=200, required=True)
    if customer is None:
        raise ValidationFailed({"customer_id": "An opportunity needs a customer."})
    _live_customer(customer)
    amount = money(amount, field="amount")
    currency_check(org, currency)
    stage = choice(stage, field="stage", choices=OpportunityStage)
    if stage not in OPEN_OPPORTUNITY_STAGES:
        raise ValidationFailed({"stage": "Win or lose it with its own action."})
    close_date = date_value(close_date, field="close_date")
    owner = member(owner, field="owner_id")
    if lead is not None and lead.customer_id and lead.customer_id != customer.pk:
        raise ValidationFailed({"lead_id": "This lead belongs to another customer."})
    with transaction.atomic():
        opportunity = Opportunity(
            organization_id=org.pk,
            number=reference_next(org=org, kind="opportunity"),
            name=name,
            customer=customer,
            amount=amount,
            stage=stage,
            close_date=close_date,
            owner=owner,
            lead=lead,
        )
        opportunity.save(force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=opportunity,
            changes={k: (None, v) for k, v in opportunity_payload(opportunity).items()},
        )
    return opportunity


def opportunity_update(
    *, org: Organization, actor: Actor, opportunity: Opportunity, data: dict[str, Any]
) -> Opportunity:
    """Change name, amount, open stage, close date or owner of an open opportunity."""
    unknown = set(data) - {"name", "amount", "currency", "stage", "close_date", "owner"}
    if unknown:
        raise ValidationFailed({k: "Not editable here." for k in sorted(unknown)})
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = text(data["name"], field="name", max_length=200, required=True)
    if "amount" in data:
        values["amount"] = money(data["amount"], field="amount")
    currency_check(org, data.get("currency"))
    if "stage" in data:
        values["stage"] = choice(data["stage"], field="stage", choices=OpportunityStage)
        if values["stage"] not in OPEN_OPPORTUNITY_STAGES:
            raise ValidationFailed({"stage": "Win or lose it with its own action."})
    if "close_date" in data:
        values["close_date"] = date_value(data["close_date"], field="close_date")
    if "owner" in data:
        values["owner"] = member(data["owner"], field="owner_id")
    with transaction.atomic():
        opportunity = lock_opportunity(opportunity)
        if not opportunity.is_open:
            raise InvalidState(f"{opportunity} is {opportunity.stage}; it can no longer change.")
        changes = {}
        for name, value in values.items():
            if getattr(opportunity, name) != value:
                changes[name] = (getattr(opportunity, name), value)
                setattr(opportunity, name, value)
        if changes:
            opportunity.save(update_fields=[*changes, "updated_at"])
            audit_record(
                org=org,
                actor=actor,
                action=AuditAction.UPDATE,
                obj=opportunity,
                changes={
                    ("owner_id" if k == "owner" else k): (getattr(b, "pk", b), getattr(a, "pk", a))
                    for k, (b, a) in changes.items()
                },
            )
    return opportunity


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def win_consequences(opportunity: Opportunity) -> list[str]:
    customer = opportunity.customer
    steps = [f"{opportunity.number or opportunity.name} is marked won"]
    if customer.lifecycle_stage != "customer":
        steps.append(f"{customer.number} {customer.display_name} becomes a customer")
    steps.append("an interaction is logged on the customer's timeline")
    steps.append("the opportunity.won event is emitted (webhooks, automation)")
    steps.append("the customer can then be pushed to the accounting system")
    return steps


def opportunity_win_request(
    *, org: Organization, actor: Actor, opportunity: Opportunity
) -> dict[str, Any]:
    """Step one of rule 6: nothing changes; a single-use token bound to this opportunity
    and this requester, expiring after 15 minutes, and what confirming will do."""
    if not opportunity.is_open:
        raise InvalidState(f"{opportunity} is {opportunity.stage} already.")
    token = secrets.token_urlsafe(24)
    expires_at = timezone.now() + CONFIRMATION_TTL
    WinConfirmation.objects.create(
        organization_id=org.pk,
        opportunity=opportunity,
        requested_by=actor.principal_key[:120],
        token_hash=_hash(token),
        expires_at=expires_at,
    )
    return {
        "confirmation_token": token,
        "expires_at": expires_at,
        "opportunity_id": opportunity.pk,
        "will": win_consequences(opportunity),
        "detail": "Nothing has changed yet: repeat the call with this confirmation_token.",
    }


def _redeem(actor: Actor, opportunity: Opportunity, token: str) -> None:
    """Claim the token (single use) or 422 naming ``confirmation_token``."""
    now = timezone.now()
    claimed = WinConfirmation.objects.filter(
        token_hash=_hash(str(token)),
        opportunity=opportunity,
        requested_by=actor.principal_key[:120],
        used_at__isnull=True,
        expires_at__gt=now,
    ).update(used_at=now)
    if claimed != 1:
        raise ValidationFailed(
            {
                "confirmation_token": "Unknown, expired, already used, or issued for another "
                "opportunity or requester; ask for a new one."
            }
        )


def opportunity_win(
    *,
    org: Organization,
    actor: Actor,
    opportunity: Opportunity,
    confirmation_token: str | None = None,
    confirm: bool = False,
    amount: int | None = None,
) -> Opportunity:
    """Step two of rule 6: with the token the first step returned (same requester), or
    ``confirm=True`` by a role holding ``opportunities.confirm``. Marks it won, makes the
    contact a customer, logs an interaction and emits ``opportunity.won``. An AI
    assistant never confirms (403)."""
    if actor.kind == "assistant" or actor.via == "public":
        raise PermissionDenied("A staff member must confirm a won opportunity.")
    if confirm and not confirmation_token and not actor.has(CONFIRM):
        raise PermissionDenied(
            'Only an owner or manager may confirm with "confirm": true; '
            "ask for a confirmation_token instead."
        )
    amount = money(amount, field="amount")
    with transaction.atomic():
        opportunity = lock_opportunity(opportunity)
        if not opportunity.is_open:
            raise InvalidState(f"{opportunity} is {opportunity.stage} already.")
        if confirmation_token:
            _redeem(actor, opportunity, confirmation_token)
        before = opportunity.stage
        opportunity.stage, opportunity.closed_at = OpportunityStage.WON, timezone.now()
        fields = ["stage", "closed_at", "updated_at"]
        changes = {"stage": (before, opportunity.stage)}
        if amount is not None and amount != opportunity.amount:
            changes["amount"] = (opportunity.amount, amount)
            opportunity.amount = amount
            fields.append("amount")
        opportunity.save(update_fields=fields)
        customer = opportunity.customer
        if customer.lifecycle_stage != "customer":
            customer_update(
                org=org, actor=actor, customer=customer, data={"lifecycle_stage": "customer"}
            )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CONFIRM,
            obj=opportunity,
            changes=changes,
            metadata={"confirmed_by": "token" if confirmation_token else "confirm"},
        )
        interaction_log(
            org=org,
            actor=actor,
            type=InteractionType.SYSTEM,
            opportunity=opportunity,
            subject=f"Won: {opportunity.name}"[:200],
            outcome="accepted_proposal",
        )
        event_emit(
            org=org,
            type=events.OPPORTUNITY_WON,
            actor=actor,
            payload=opportunity_payload(opportunity),
        )
    return opportunity


def opportunity_lose(
    *,
    org: Organization,
    actor: Actor,
    opportunity: Opportunity,
    reason: Any,
    note: Any = "",
    reengage_in_days: int | None = None,
) -> Opportunity:
    """Mark an open opportunity lost with a reason (422 without one). With
    ``reengage_in_days`` a pending follow-up is created that many days from today (local
    date) on the customer's timeline. Emits ``opportunity.lost``."""
    if reason in (None, ""):
        raise ValidationFailed({"reason": "A reason is required."})
    reason = choice(reason, field="reason", choices=LostReason)
    note = text(note, field="note", max_length=2000, multiline=True)
    if reengage_in_days is not None and (
        isinstance(reengage_in_days, bool)
        or not isinstance(reengage_in_days, int)
        or not 1 <= reengage_in_days <= MAX_REENGAGE_DAYS
    ):
        raise ValidationFailed(
            {"reengage_in_days": f"A whole number of days from 1 to {MAX_REENGAGE_DAYS}."}
        )
    with transaction.atomic():
        opportunity = lock_opportunity(opportunity)
        if not opportunity.is_open:
            raise InvalidState(f"{opportunity} is {opportunity.stage} already.")
        before = opportunity.stage
        opportunity.stage, opportunity.closed_at = OpportunityStage.LOST, timezone.now()
        opportunity.lost_reason, opportunity.lost_note = reason, note
        opportunity.save(
            update_fields=["stage", "closed_at", "lost_reason", "lost_note", "updated_at"]
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=opportunity,
            changes={
                "stage": (before, opportunity.stage),
                "lost_reason": ("", reason),
                "lost_note": ("", note),
            },
        )
        reengage_on = None
        if reengage_in_days:
            reengage_on = local_today(org, timezone.now()) + dt.timedelta(days=reengage_in_days)
            interaction_log(
                org=org,
                actor=actor,
                type=InteractionType.NOTE,
                opportunity=opportunity,
                subject=f"Re-engage: {opportunity.name}"[:200],
                body=f"Lost ({reason}). {note}".strip(),
                follow_up_date=reengage_on,
            )
        event_emit(
            org=org,
            type=events.OPPORTUNITY_LOST,
            actor=actor,
            payload={
                **opportunity_payload(opportunity),
                "reason": reason,
                "note": note,
                "reengage_on": reengage_on,
            },
        )
    return opportunity
