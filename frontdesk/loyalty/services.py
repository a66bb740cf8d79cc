"""Writes of loyalty: the program settings, the rewards catalog and every movement of
points. Each movement is one new ``PointsEntry`` (never an update), written with its
audit record and its event in one transaction.

"Never below zero, safe under concurrency": every debit locks the customer's row first
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs write transactions one at a time),
then re-reads the balance, so two redemptions that together exceed it cannot both pass.
"Earned once per invoice": a partial unique constraint on ``(invoice_id) WHERE kind =
'earn'``; a second delivery of the same ``invoice.paid`` finds the entry (or hits the
constraint inside a savepoint) and does nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, InvalidState, ValidationFailed
from frontdesk.core.services import model_create, model_update
from frontdesk.customers.models import Customer
from frontdesk.customers.services.customers import lock_customer
from frontdesk.events.services import event_emit
from frontdesk.loyalty import events
from frontdesk.loyalty.choices import EntryKind
from frontdesk.loyalty.models import PointsEntry, Reward
from frontdesk.loyalty.program import LoyaltySettings
from frontdesk.loyalty.selectors import expirable_points, points_balance
from frontdesk.organizations.models import Organization

MAX_POINTS = 10_000_000  # one manual adjustment or redemption


# --- settings and rewards ----------------------------------------------------------------
def loyalty_settings_update(
    *, org: Organization, actor: Actor, data: dict[str, Any]
) -> LoyaltySettings:
    """Change some of the program's settings; the others keep their values."""
    with transaction.atomic():
        org.refresh_from_db(fields=["settings"])
        values = LoyaltySettings.validate(LoyaltySettings.of(org), data)
        settings = dict(org.settings or {})
        current = dict(settings.get("loyalty") or {})
        merged = {**current, **values}
        if merged != current:
            settings["loyalty"] = merged
            model_update(instance=org, org=org, actor=actor, data={"settings": settings})
    return LoyaltySettings.of(org)


def _reward_name_free(name: str, *, exclude: Any = None) -> None:
    qs = Reward.objects.filter(name__iexact=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise Conflict(f"A reward named {name!r} exists.", field="name")


def reward_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Reward:
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationFailed({"name": "A reward needs a name."})
    with transaction.atomic():
        _reward_name_free(name)
        return model_create(model=Reward, org=org, actor=actor, **{**data, "name": name})


def reward_update(
    *, org: Organization, actor: Actor, reward: Reward, data: dict[str, Any]
) -> Reward:
    if "name" in data:
        data = {**data, "name": (data["name"] or "").strip()}
        if not data["name"]:
            raise ValidationFailed({"name": "A reward needs a name."})
    with transaction.atomic():
        if "name" in data:
            _reward_name_free(data["name"], exclude=reward.pk)
        reward, _ = model_update(instance=reward, org=org, actor=actor, data=data)
    return reward


# --- points ------------------------------------------------------------------------------
def _writable(customer: Customer) -> None:
    if customer.merged_into_id:
        raise InvalidState(f"{customer.number} was merged into another customer; use the survivor.")
    if customer.status == "archived":
        raise InvalidState(f"{customer.number} is archived.")


def _entry_write(
    *,
    org: Organization,
    actor: Actor,
    customer: Customer,
    kind: str,
    points: int,
    reason: str = "",
    invoice_id: Any = None,
    credit_note_id: Any = None,
    reward: Reward | None = None,
    event_type: str | None = None,
) -> PointsEntry:
    """Insert one entry, audit it and emit its event (the caller holds the transaction
    and, for debits, the customer lock)."""
    entry = PointsEntry(
        organization_id=org.pk,
        customer=customer,
        kind=kind,
        points=points,
        reason=reason[:300],
        invoice_id=invoice_id,
        credit_note_id=credit_note_id,
        reward=reward,
        created_by_id=actor.membership_id,
        created_by_label=actor.label[:300],
    )
    entry.save(force_insert=True)
    balance = points_balance(customer=customer)
    audit_record(
        org=org,
        actor=actor,
        action=AuditAction.CREATE,
        obj=entry,
        changes={
            "customer": (None, str(customer.pk)),
            "kind": (None, kind),
            "points": (None, points),
            "reason": (None, entry.reason),
        },
        metadata={"balance": balance},
    )
    if event_type:
        event_emit(
            org=org,
            type=event_type,
            actor=actor,
            payload={
                "customer_id": customer.pk,
                "entry_id": entry.pk,
                "kind": kind,
                "points": abs(points),
                "reason": entry.reason,
                "invoice_id": invoice_id,
                "credit_note_id": credit_note_id,
                "reward_id": reward.pk if reward else None,
                "balance": balance,
            },
        )
    return entry


def _check_points(points: Any, field: str = "points") -> int:
    if not isinstance(points, int) or isinstance(points, bool) or not 0 < points <= MAX_POINTS:
        raise ValidationFailed({field: f"A whole number from 1 to {MAX_POINTS}."})
    return points


def points_add(
    *, org: Organization, actor: Actor, customer: Customer, points: int, reason: str
) -> PointsEntry:
    """Credit points by hand (a goodwill gesture, a migration); the reason is required."""
    _check_points(points)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Say why the points are added."})
    with transaction.atomic():
        customer = lock_customer(customer)
        _writable(customer)
        return _entry_write(
            org=org,
            actor=actor,
            customer=customer,
            kind=EntryKind.ADD,
            points=points,
            reason=reason,
            event_type=events.POINTS_EARNED,
        )


def _debit(
    *,
    org: Organization,
    actor: Actor,
    customer: Customer,
    points: int,
    reason: str,
    reward: Reward | None = None,
    invoice_id: Any = None,
    credit_note_id: Any = None,
) -> PointsEntry:
    """A redemption; the caller holds the customer's lock."""
    balance = points_balance(customer=customer)
    if points > balance:
        raise Conflict(
            f"{customer.number} has {balance} points; {points} are needed.",
            balance=balance,
            needed=points,
        )
    return _entry_write(
        org=org,
        actor=actor,
        customer=customer,
        kind=EntryKind.REDEEM,
        points=-points,
        reason=reason,
        reward=reward,
        invoice_id=invoice_id,
        credit_note_id=credit_note_id,
        event_type=events.POINTS_REDEEMED,
    )


def points_redeem_reward(
    *, org: Organization, actor: Actor, customer: Customer, reward: Reward, note: str = ""
) -> PointsEntry:
    """Spend ``reward.points_cost`` points on a reward; 409 if the balance is short or
    the reward is switched off."""
    if not reward.active:
        raise InvalidState(f"The reward {reward.name!r} is switched off.", field="reward_id")
    with transaction.atomic():
        customer = lock_customer(customer)
        _writable(customer)
        reason = f"Reward: {reward.name}" + (f" — {note.strip()}" if note.strip() else "")
        return _debit(
            org=org,
            actor=actor,
            customer=customer,
            points=reward.points_cost,
            reason=reason,
            reward=reward,
        )


def points_earn_for_invoice(
    *,
    org: Organization,
    customer: Customer,
    invoice_id: Any,
    amount: int,
    currency: str,
    reference: str = "",
    actor: Actor | None = None,
) -> PointsEntry | None:
    """Credit the points a paid invoice earns — once per invoice: a second call (a
    redelivered event, a concurrent worker) finds the first entry and returns ``None``."""
    actor = actor or Actor.system(org_id=org.pk, label="loyalty")
    program = LoyaltySettings.of(org)
    points = program.points_for(amount, currency)
    if points <= 0:
        return None
    invoice_id = uuid.UUID(str(invoice_id))
    with transaction.atomic():
        customer = lock_customer(customer)
        if customer.merged_into_id:
            customer = Customer.objects.get(pk=customer.merged_into_id)
        if PointsEntry.objects.filter(kind=EntryKind.EARN, invoice_id=invoice_id).exists():
            return None
        try:
            with transaction.atomic():  # a savepoint: the constraint is the last word
                return _entry_write(
                    org=org,
                    actor=actor,
                    customer=customer,
                    kind=EntryKind.EARN,
                    points=points,
                    reason=f"Paid invoice {reference}".strip(),
                    invoice_id=invoice_id,
                    event_type=events.POINTS_EARNED,
                )
        except IntegrityError:
            if PointsEntry.objects.filter(kind=EntryKind.EARN, invoice_id=invoice_id).exists():
                return None
            raise


def points_reverse_for_credit(
    *,
    org: Organization,
    invoice_id: Any,
    credit_note_id: Any,
    amount: int,
    invoice_total: int,
    reference: str = "",
    actor: Actor | None = None,
) -> PointsEntry | None:
    """Take back the share of an invoice's earned points that a credit note or refund of
    ``amount`` (out of ``invoice_total``) undoes: ``earned × amount ÷ total``, rounded
    down, never more than is still unreversed on that invoice, and never more than the
    customer holds (points already spent stay spent). Once per credit note."""
    actor = actor or Actor.system(org_id=org.pk, label="loyalty")
    invoice_id = uuid.UUID(str(invoice_id))
    credit_note_id = uuid.UUID(str(credit_note_id))
    earned = PointsEntry.objects.filter(kind=EntryKind.EARN, invoice_id=invoice_id).first()
    if earned is None or amount <= 0 or invoice_total <= 0:
        return None
    with transaction.atomic():
        customer = lock_customer(earned.customer)
        if customer.merged_into_id:
            customer = Customer.objects.get(pk=customer.merged_into_id)
        if PointsEntry.objects.filter(
            kind=EntryKind.REVERSE, credit_note_id=credit_note_id
        ).exists():
            return None
        already = -sum(
            PointsEntry.objects.filter(kind=EntryKind.REVERSE, invoice_id=invoice_id).values_list(
                "points", flat=True
            )
        )
        share = earned.points * min(amount, invoice_total) // invoice_total
        points = min(share, earned.points - already, points_balance(customer=customer))
        if points <= 0:
            return None
        try:
            with transaction.atomic():
                return _entry_write(
                    org=org,
                    actor=actor,
                    customer=customer,
                    kind=EntryKind.REVERSE,
                    points=-points,
                    reason=f"Credit {reference}".strip() + f" ({share} of {earned.points})",
                    invoice_id=invoice_id,
                    credit_note_id=credit_note_id,
                    event_type=events.POINTS_REVERSED,
                )
        except IntegrityError:
            return None


def points_expire(
    *, org: Organization, customer: Customer, now: dt.datetime | None = None
) -> PointsEntry | None:
    """Expire the customer's points older than the program's ``expiry_days`` that have
    not been spent (oldest first). Safe to run again: a second run finds nothing."""
    program = LoyaltySettings.of(org)
    if not program.expiry_days:
        return None
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=program.expiry_days)
    with transaction.atomic():
        customer = lock_customer(customer)
        points = min(
            expirable_points(customer=customer, cutoff=cutoff),
            points_balance(customer=customer),
        )
        if points <= 0:
            return None
        return _entry_write(
            org=org,
            actor=Actor.system(org_id=org.pk, label="loyalty expiry"),
            customer=customer,
            kind=EntryKind.EXPIRE,
            points=-points,
            reason=f"Points older than {program.expiry_days} days",
            event_type=events.POINTS_EXPIRED,
        )


def loyalty_expire_org(*, org: Organization, now: dt.datetime | None = None) -> int:
    """The daily expiry run of one organization: every customer holding points credited
    before the cutoff. Returns how many customers lost points."""
    program = LoyaltySettings.of(org)
    if not program.expiry_days:
        return 0
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=program.expiry_days)
    candidates = (
        PointsEntry.objects.filter(points__gt=0, created_at__lt=cutoff)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    expired = 0
    for customer in Customer.objects.filter(pk__in=list(candidates)):
        if points_expire(org=org, customer=customer, now=now):
            expired += 1
    return expired


# --- merge -------------------------------------------------------------------------------
def points_merge(survivor: Customer, duplicate: Customer) -> int:
    """Merge mover: the duplicate's entries now belong to the survivor (the one change an
    entry ever sees; its points and kind stay), so the sum over both is unchanged."""
    return QuerySet.update(  # the plain update: the append-only guard is for everything else
        PointsEntry.objects.filter(customer=duplicate), customer=survivor
    )
