"""Writes of memberships: plans, assigning a plan to a customer (new, renewal, upgrade,
downgrade), cancelling, the daily expiry and renewal reminders, and the merge mover.

One active membership per customer holds under concurrency: the assignment locks the
customer's row first, and a partial unique constraint is the last word.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, DomainError, InvalidState, ValidationFailed
from frontdesk.core.lookups import get_referenced
from frontdesk.core.services import model_create, model_update
from frontdesk.customers.models import Customer
from frontdesk.customers.services.customers import lock_customer
from frontdesk.events.services import event_emit
from frontdesk.memberships import events
from frontdesk.memberships.choices import ChangeKind, MembershipStatus
from frontdesk.memberships.models import CustomerMembership, MembershipPlan, PlanService
from frontdesk.memberships.selectors import org_today
from frontdesk.messaging.choices import Category, Channel, Origin
from frontdesk.messaging.services.messages import message_create
from frontdesk.money.models import Service
from frontdesk.organizations.models import Organization

MAX_START_OFFSET = dt.timedelta(days=366)
DEFAULT_REMINDER_DAYS = 14
MAX_REMINDER_DAYS = 90  # what the settings accept


def reminder_days(org: Organization) -> int:
    """Days before expiry the renewal reminder is drafted
    (``Organization.settings["memberships"]["reminder_days"]``, 0 = none)."""
    value = ((org.settings or {}).get("memberships") or {}).get("reminder_days")
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 365:
        return value
    return DEFAULT_REMINDER_DAYS


def membership_settings_update(
    *, org: Organization, actor: Actor, data: dict[str, Any]
) -> dict[str, Any]:
    """Change the memberships settings (``Organization.settings["memberships"]``):
    ``reminder_days``, how many days before expiry the renewal reminder is drafted (0 to
    90; 0 = none). Audited like the other settings (the settings before and after)."""
    unknown = set(data) - {"reminder_days"}
    if unknown:
        raise ValidationFailed({name: "Unknown setting." for name in sorted(unknown)})
    values: dict[str, Any] = {}
    if "reminder_days" in data:
        days = data["reminder_days"]
        if (
            isinstance(days, bool)
            or not isinstance(days, int)
            or not 0 <= days <= MAX_REMINDER_DAYS
        ):
            raise ValidationFailed(
                {"reminder_days": f"Whole days from 0 to {MAX_REMINDER_DAYS} (0 = no reminders)."}
            )
        values["reminder_days"] = days
    with transaction.atomic():
        org.refresh_from_db(fields=["settings"])
        settings = dict(org.settings or {})
        current = dict(settings.get("memberships") or {})
        merged = {**current, **values}
        if merged != current:
            settings["memberships"] = merged
            model_update(instance=org, org=org, actor=actor, data={"settings": settings})
    return {"reminder_days": reminder_days(org)}


# --- plans -------------------------------------------------------------------------------
def percent_to_bp(value: Any, field: str = "discount_percent") -> int:
    try:
        percent = Decimal(str(value))
    except Exception as exc:  # noqa: BLE001 - any unreadable number
        raise ValidationFailed({field: "A percentage from 0 to 100."}) from exc
    bp = percent * 100
    if not 0 <= percent <= 100 or bp != bp.to_integral_value():
        raise ValidationFailed({field: "A percentage from 0 to 100, at most two decimals."})
    return int(bp)


def _included(items: list[dict[str, Any]]) -> list[tuple[Service, int]]:
    seen: set = set()
    out = []
    for i, item in enumerate(items):
        service = get_referenced(
            Service, item.get("service_id"), field=f"included_services[{i}].service_id"
        )
        price = item.get("price", 0)
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            raise ValidationFailed(
                {f"included_services[{i}].price": "Minor units, a whole number from 0."}
            )
        if service.pk in seen:
            raise ValidationFailed(
                {f"included_services[{i}].service_id": "This service is listed twice."}
            )
        seen.add(service.pk)
        out.append((service, price))
    return out


def _plan_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {
        k: v for k, v in data.items() if k in ("name", "priority_label", "duration_days", "active")
    }
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationFailed({"name": "A plan needs a name."})
    if "discount_percent" in data and data["discount_percent"] is not None:
        fields["discount_bp"] = percent_to_bp(data["discount_percent"])
    return fields


def _name_free(name: str, exclude: Any = None) -> None:
    qs = MembershipPlan.objects.filter(name__iexact=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise Conflict(f"A plan named {name!r} exists.", field="name")


def _set_included(org, plan: MembershipPlan, items: list[tuple[Service, int]]) -> None:
    PlanService.objects.filter(plan=plan).delete()
    PlanService.objects.bulk_create(
        [
            PlanService(organization_id=org.pk, plan=plan, service=service, price=price)
            for service, price in items
        ]
    )


def _included_audit(items: list[tuple[Service, int]]) -> list[dict[str, Any]]:
    return [{"service_id": str(s.pk), "code": s.code, "price": p} for s, p in items]


def plan_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> MembershipPlan:
    fields = _plan_fields(data)
    items = _included(data.get("included_services") or [])
    with transaction.atomic():
        _name_free(fields["name"])
        plan = model_create(model=MembershipPlan, org=org, actor=actor, **fields)
        _set_included(org, plan, items)
        if items:
            audit_record(
                org=org,
                actor=actor,
                action=AuditAction.UPDATE,
                obj=plan,
                changes={"included_services": (None, _included_audit(items))},
            )
    return plan


def plan_update(
    *, org: Organization, actor: Actor, plan: MembershipPlan, data: dict[str, Any]
) -> MembershipPlan:
    """Change a plan. Memberships already assigned keep their dates; new documents price
    with the plan as it is on their date (the plan's current terms)."""
    fields = _plan_fields(data)
    items = _included(data["included_services"]) if "included_services" in data else None
    with transaction.atomic():
        if "name" in fields:
            _name_free(fields["name"], exclude=plan.pk)
        plan, _ = model_update(instance=plan, org=org, actor=actor, data=fields)
        if items is not None:
            before = [
                {"service_id": str(i.service_id), "price": i.price} for i in plan.included.all()
            ]
            _set_included(org, plan, items)
            audit_record(
                org=org,
                actor=actor,
                action=AuditAction.UPDATE,
                obj=plan,
                changes={"included_services": (before, _included_audit(items))},
            )
    return plan


# --- assigning ---------------------------------------------------------------------------
def _level(plan: MembershipPlan) -> tuple[int, int, int]:
    """How plans compare for upgrade/downgrade: discount, then included services, then
    duration."""
    return (plan.discount_bp, plan.included.count(), plan.duration_days)


def change_kind(*, previous: CustomerMembership | None, plan: MembershipPlan) -> str:
    """``new`` without history; ``renewal`` for the same plan as the latest membership;
    otherwise ``upgrade`` or ``downgrade`` by comparing the plans."""
    if previous is None:
        return ChangeKind.NEW
    if previous.plan_id == plan.pk:
        return ChangeKind.RENEWAL
    return ChangeKind.UPGRADE if _level(plan) > _level(previous.plan) else ChangeKind.DOWNGRADE


def _writable(customer: Customer) -> None:
    if customer.merged_into_id:
        raise InvalidState(f"{customer.number} was merged into another customer.")
    if customer.status == "archived":
        raise InvalidState(f"{customer.number} is archived.")


def _payload(m: CustomerMembership, **extra: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "customer_id": m.customer_id,
        "plan_id": m.plan_id,
        "plan_name": m.plan.name,
        "kind": m.kind,
        "starts_on": m.starts_on,
        "expires_on": m.expires_on,
        **extra,
    }


def membership_assign(
    *,
    org: Organization,
    actor: Actor,
    customer: Customer,
    plan: MembershipPlan,
    starts_on: dt.date | None = None,
) -> CustomerMembership:
    """Put ``customer`` on ``plan`` from ``starts_on`` (default: today) for the plan's
    duration. An active membership is marked ``replaced`` and stops applying the day the
    new one starts (a renewal in advance starts when the current one expires if no date
    is given)."""
    if not plan.active:
        raise InvalidState(f"The plan {plan.name!r} is no longer offered.", field="plan_id")
    today = org_today(org)
    with transaction.atomic():
        customer = lock_customer(customer)
        _writable(customer)
        current = (
            CustomerMembership.objects.select_related("plan")
            .filter(customer=customer, status=MembershipStatus.ACTIVE)
            .first()
        )
        latest = current or (
            CustomerMembership.objects.select_related("plan")
            .filter(customer=customer)
            .order_by("-starts_on", "-created_at")
            .first()
        )
        kind = change_kind(previous=latest, plan=plan)
        if starts_on is None:
            starts_on = (
                max(current.expires_on, today)
                if current is not None and kind == ChangeKind.RENEWAL
                else today
            )
        if abs(starts_on - today) > MAX_START_OFFSET:
            raise ValidationFailed({"starts_on": "Within a year of today."})
        if current is not None:
            if starts_on < current.starts_on:
                raise ValidationFailed(
                    {"starts_on": f"The current membership starts on {current.starts_on}."}
                )
            CustomerMembership.objects.filter(pk=current.pk).update(
                status=MembershipStatus.REPLACED, ended_on=min(starts_on, current.expires_on)
            )
            audit_record(
                org=org,
                actor=actor,
                action=AuditAction.UPDATE,
                obj=current,
                changes={
                    "status": (current.status, MembershipStatus.REPLACED),
                    "ended_on": (None, min(starts_on, current.expires_on)),
                },
            )
        membership = model_create(
            model=CustomerMembership,
            org=org,
            actor=actor,
            customer=customer,
            plan=plan,
            kind=kind,
            status=MembershipStatus.ACTIVE,
            starts_on=starts_on,
            expires_on=starts_on + dt.timedelta(days=plan.duration_days),
            previous=latest,
            assigned_by_id=actor.membership_id,
            assigned_by_label=actor.label[:300],
            audit_fields=["customer", "plan", "kind", "starts_on", "expires_on"],
        )
        event_emit(
            org=org,
            type=events.MEMBERSHIP_ASSIGNED,
            actor=actor,
            payload=_payload(membership, previous_id=latest.pk if latest else None),
        )
    return membership


def membership_cancel(
    *, org: Organization, actor: Actor, customer: Customer, reason: str = ""
) -> CustomerMembership:
    """End the customer's active membership today (it stays in the history)."""
    today = org_today(org)
    with transaction.atomic():
        customer = lock_customer(customer)
        current = (
            CustomerMembership.objects.select_related("plan")
            .filter(customer=customer, status=MembershipStatus.ACTIVE)
            .first()
        )
        if current is None:
            raise InvalidState(f"{customer.number} has no active membership.")
        ended = max(min(today, current.expires_on), current.starts_on)
        current, _ = model_update(
            instance=current,
            org=org,
            actor=actor,
            data={
                "status": MembershipStatus.CANCELLED,
                "ended_on": ended,
                "cancel_reason": (reason or "").strip()[:300],
            },
        )
        event_emit(
            org=org,
            type=events.MEMBERSHIP_CANCELLED,
            actor=actor,
            payload=_payload(current, reason=current.cancel_reason),
        )
    return current


# --- the daily run -----------------------------------------------------------------------
def memberships_expire(*, org: Organization, today: dt.date | None = None) -> int:
    """Mark active memberships whose expiry day has come ``expired`` and announce each
    (``membership.expired``). Idempotent: an expired one is not active any more."""
    today = today or org_today(org)
    actor = Actor.system(org_id=org.pk, label="membership expiry")
    done = 0
    due = CustomerMembership.objects.select_related("plan").filter(
        status=MembershipStatus.ACTIVE, expires_on__lte=today
    )
    for membership in due:
        with transaction.atomic():
            changed = CustomerMembership.objects.filter(
                pk=membership.pk, status=MembershipStatus.ACTIVE
            ).update(status=MembershipStatus.EXPIRED)
            if not changed:
                continue
            audit_record(
                org=org,
                actor=actor,
                action=AuditAction.UPDATE,
                obj=membership,
                changes={"status": (MembershipStatus.ACTIVE, MembershipStatus.EXPIRED)},
            )
            event_emit(
                org=org, type=events.MEMBERSHIP_EXPIRED, actor=actor, payload=_payload(membership)
            )
            done += 1
    return done


def _channel(customer: Customer) -> str | None:
    has = {Channel.EMAIL: customer.emails.exists(), Channel.SMS: customer.phones.exists()}
    if customer.preferred_channel in has and has[customer.preferred_channel]:
        return customer.preferred_channel
    return next((c for c, present in has.items() if present), None)


def membership_reminders_queue(*, org: Organization, today: dt.date | None = None) -> int:
    """Draft a renewal reminder (origin ``automation``: it waits in the approval queue
    unless the owner enabled auto-send; consent is checked again when it is sent) for
    each active membership expiring within ``reminder_days`` — once per membership."""
    days = reminder_days(org)
    if days == 0:
        return 0
    today = today or org_today(org)
    actor = Actor.system(org_id=org.pk, label="membership renewal reminders")
    due = CustomerMembership.objects.select_related("plan", "customer").filter(
        status=MembershipStatus.ACTIVE,
        reminder_queued_on__isnull=True,
        expires_on__gt=today,
        expires_on__lte=today + dt.timedelta(days=days),
    )
    queued = 0
    for membership in due:
        customer = membership.customer
        with transaction.atomic():
            claimed = CustomerMembership.objects.filter(
                pk=membership.pk, reminder_queued_on__isnull=True
            ).update(reminder_queued_on=today)
            if not claimed:
                continue
            channel = _channel(customer)
            if channel is None or customer.merged_into_id or customer.status == "archived":
                continue
            name = customer.first_name or customer.display_name
            expires = f"{membership.expires_on:%B} {membership.expires_on.day}"
            body = (
                f"Hi {name}, your {membership.plan.name} membership with {org.name} "
                f"ends on {expires}. Reply or call us to renew it."
            )
            try:
                with transaction.atomic():
                    message_create(
                        org=org,
                        actor=actor,
                        origin=Origin.AUTOMATION,
                        customer=customer,
                        channel=channel,
                        subject=f"Your {membership.plan.name} membership ends on {expires}"
                        if channel == Channel.EMAIL
                        else "",
                        body=body,
                        category=Category.TRANSACTIONAL,
                    )
            except DomainError:
                continue  # no usable address: the claim stays, nothing to send
            queued += 1
    return queued


# --- merge -------------------------------------------------------------------------------
def memberships_merge(survivor: Customer, duplicate: Customer) -> int:
    """Merge mover: the duplicate's memberships join the survivor's history. If both
    have an active one, the one that runs longer stays active and the other is marked
    replaced (ending today)."""
    active = list(
        CustomerMembership.objects.filter(
            customer__in=[survivor, duplicate], status=MembershipStatus.ACTIVE
        ).order_by("-expires_on", "-created_at")
    )
    if len(active) > 1:
        loser = active[1]
        today = org_today(survivor.organization)
        CustomerMembership.objects.filter(pk=loser.pk).update(
            status=MembershipStatus.REPLACED,
            ended_on=max(min(today, loser.expires_on), loser.starts_on),
        )
    return CustomerMembership.objects.filter(customer=duplicate).update(customer=survivor)
