"""Merging two customer records into one (SPEC 4.2), and the registry that keeps merge
complete as later domains add records that point at customers.

A domain with a foreign key to ``Customer`` registers it once, from its
``AppConfig.ready()``::

    from frontdesk.customers.merge import register_relation
    register_relation(Lead, "customer")            # moved with one UPDATE
    register_relation(Membership, "customer", mover=membership_merge)  # custom rules

``customer_merge`` then moves those rows too, in the same transaction as everything
else, and the dry run lists them. A ``mover(survivor, duplicate) -> int`` is for
relations with their own rules (one active membership per customer, unique pairs…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.customers import events
from frontdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerNote,
    CustomerPhone,
    CustomerTag,
    CustomerVehicle,
)
from frontdesk.customers.search import index_customers
from frontdesk.customers.services.customers import lock_customer
from frontdesk.events.services import event_emit
from frontdesk.organizations.models import Organization

Mover = Callable[[Customer, Customer], int]


@dataclass(frozen=True)
class Relation:
    name: str
    model: type[models.Model]
    field: str
    mover: Mover | None = None
    counter: Mover | None = None  # how many rows would move (default: all of them)

    def pending(self, survivor: Customer, duplicate: Customer) -> int:
        if self.counter:
            return self.counter(survivor, duplicate)
        return self.model.objects.filter(**{self.field: duplicate}).count()

    def move(self, survivor: Customer, duplicate: Customer) -> int:
        if self.mover:
            return self.mover(survivor, duplicate)
        return self.model.objects.filter(**{self.field: duplicate}).update(**{self.field: survivor})


RELATIONS: dict[str, Relation] = {}


def register_relation(
    model: type[models.Model], field: str, *, name: str | None = None, mover: Mover | None = None
) -> Relation:
    """Declare that ``model.field`` points at a customer and must follow a merge."""
    name = name or f"{model._meta.label_lower}.{field}"
    relation = Relation(name=name, model=model, field=field, mover=mover)
    RELATIONS[name] = relation
    return relation


def unregister_relation(name: str) -> None:
    RELATIONS.pop(name, None)


# --- this app's own relations ------------------------------------------------------------
def _move_unique(model, survivor, duplicate, key: str) -> int:
    """Move rows whose ``key`` the survivor lacks; drop the ones it has (same value)."""
    taken = set(model.objects.filter(customer=survivor).values_list(key, flat=True))
    redundant = model.objects.filter(customer=duplicate, **{f"{key}__in": taken})
    redundant.delete()
    updates: dict[str, Any] = {"customer": survivor}
    names = {f.name for f in model._meta.fields}
    if "primary" in names:
        updates["primary"] = False
    if "position" in names:
        updates["position"] = F("position") + 100  # after the survivor's own
    return model.objects.filter(customer=duplicate).update(**updates)


def _count_unique(model, key: str) -> Mover:
    def count(survivor: Customer, duplicate: Customer) -> int:
        taken = model.objects.filter(customer=survivor).values(key)
        return model.objects.filter(customer=duplicate).exclude(**{f"{key}__in": taken}).count()

    return count


def _move_phones(survivor: Customer, duplicate: Customer) -> int:
    # a consent the duplicate recorded later for the same number is kept
    mine = {p.number: p for p in CustomerPhone.objects.filter(customer=survivor)}
    for phone in CustomerPhone.objects.filter(customer=duplicate, number__in=list(mine)):
        kept = mine[phone.number]
        if phone.consent_at and (not kept.consent_at or phone.consent_at > kept.consent_at):
            kept.consent_to_call, kept.consent_at = phone.consent_to_call, phone.consent_at
            kept.save(update_fields=["consent_to_call", "consent_at", "updated_at"])
    return _move_unique(CustomerPhone, survivor, duplicate, "number")


def _move_emails(survivor: Customer, duplicate: Customer) -> int:
    return _move_unique(CustomerEmail, survivor, duplicate, "key")


def _address_moves(survivor: Customer, duplicate: Customer) -> tuple[list, list]:
    """(addresses to move, identical ones to drop)."""
    taken = {
        (a.key or str(a)).casefold() for a in CustomerAddress.objects.filter(customer=survivor)
    }
    move, drop = [], []
    for address in CustomerAddress.objects.filter(customer=duplicate):
        (drop if (address.key or str(address)).casefold() in taken else move).append(address)
    return move, drop


def _move_addresses(survivor: Customer, duplicate: Customer) -> int:
    move, drop = _address_moves(survivor, duplicate)
    CustomerAddress.objects.filter(pk__in=[a.pk for a in drop]).delete()
    CustomerAddress.objects.filter(pk__in=[a.pk for a in move]).update(
        customer=survivor, primary=False, position=F("position") + 100
    )
    return len(move)


def _move_tags(survivor: Customer, duplicate: Customer) -> int:
    return _move_unique(CustomerTag, survivor, duplicate, "tag")


def _move_vehicle_links(survivor: Customer, duplicate: Customer) -> int:
    return _move_unique(CustomerVehicle, survivor, duplicate, "vehicle_id")


def _move_tombstones(survivor: Customer, duplicate: Customer) -> int:
    """Customers merged into the duplicate earlier now point at the survivor."""
    return Customer.objects.filter(merged_into=duplicate).update(merged_into=survivor)


BUILT_IN = [
    Relation(
        "phones", CustomerPhone, "customer", _move_phones, _count_unique(CustomerPhone, "number")
    ),
    Relation(
        "emails", CustomerEmail, "customer", _move_emails, _count_unique(CustomerEmail, "key")
    ),
    Relation(
        "addresses",
        CustomerAddress,
        "customer",
        _move_addresses,
        lambda s, d: len(_address_moves(s, d)[0]),
    ),
    Relation("tags", CustomerTag, "customer", _move_tags, _count_unique(CustomerTag, "tag")),
    Relation("notes", CustomerNote, "customer"),
    Relation(
        "vehicles",
        CustomerVehicle,
        "customer",
        _move_vehicle_links,
        _count_unique(CustomerVehicle, "vehicle_id"),
    ),
    Relation("merged_customers", Customer, "merged_into", _move_tombstones),
]


def relations() -> list[Relation]:
    return [*BUILT_IN, *RELATIONS.values()]


# --- field rules -------------------------------------------------------------------------
FILL_IF_BLANK = (
    "first_name",
    "last_name",
    "preferred_channel",
    "locale",
    "time_zone",
    "accounting_customer_id",
    "company_id",
)
LIFECYCLE_RANK = {"prospect": 0, "past_customer": 1, "customer": 2}


def merged_fields(survivor: Customer, duplicate: Customer) -> dict[str, Any]:
    """Field changes the survivor takes: blanks filled from the duplicate, the higher
    score and later visit, visits added up, do-not-contact from either; its own
    opt-ins stay (a merge never invents consent)."""
    out: dict[str, Any] = {}
    for name in FILL_IF_BLANK:
        if not getattr(survivor, name) and getattr(duplicate, name):
            out[name] = getattr(duplicate, name)
    demographics = {**duplicate.demographics, **survivor.demographics}
    if demographics != survivor.demographics:
        out["demographics"] = demographics
    if duplicate.lead_score > survivor.lead_score:
        out["lead_score"] = duplicate.lead_score
    if duplicate.last_visit_at and (
        not survivor.last_visit_at or duplicate.last_visit_at > survivor.last_visit_at
    ):
        out["last_visit_at"] = duplicate.last_visit_at
    if duplicate.total_appointments:
        out["total_appointments"] = survivor.total_appointments + duplicate.total_appointments
    if duplicate.do_not_contact and not survivor.do_not_contact:
        out["do_not_contact"] = True
    if LIFECYCLE_RANK[duplicate.lifecycle_stage] > LIFECYCLE_RANK[survivor.lifecycle_stage]:
        out["lifecycle_stage"] = duplicate.lifecycle_stage
    if duplicate.notes and duplicate.notes not in survivor.notes:
        joined = "\n\n".join(
            p for p in (survivor.notes, f"[{duplicate.number}] {duplicate.notes}") if p
        )
        out["notes"] = joined[:20_000]
    return out


# --- the service -------------------------------------------------------------------------
def _check(survivor: Customer, duplicate: Customer) -> None:
    if survivor.pk == duplicate.pk:
        raise ValidationFailed({"duplicate_id": "A customer cannot be merged into itself."})
    if survivor.merged_into_id:
        raise InvalidState(
            f"{survivor.number} was merged already; merge into the customer it points at.",
            merged_into=survivor.merged_into_id,
        )
    if duplicate.merged_into_id:
        raise InvalidState(
            f"{duplicate.number} was merged already.", merged_into=duplicate.merged_into_id
        )
    if survivor.status == "archived":
        raise InvalidState(f"{survivor.number} is archived; restore it before merging into it.")


def merge_preview(survivor: Customer, duplicate: Customer) -> dict[str, Any]:
    """What a merge would do, without doing it."""
    _check(survivor, duplicate)
    moves = {r.name: r.pending(survivor, duplicate) for r in relations()}
    return {
        "survivor_id": survivor.pk,
        "duplicate_id": duplicate.pk,
        "dry_run": True,
        "moves": {k: v for k, v in moves.items() if v},
        "fields": merged_fields(survivor, duplicate),
    }


def customer_merge(
    *,
    org: Organization,
    actor: Actor,
    survivor: Customer,
    duplicate: Customer,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Move everything of ``duplicate`` to ``survivor`` in one transaction and keep the
    duplicate as an archived tombstone pointing at it. ``dry_run`` only reports."""
    if dry_run:
        return merge_preview(survivor, duplicate)
    _check(survivor, duplicate)
    with transaction.atomic():
        first, second = sorted([survivor, duplicate], key=lambda c: str(c.pk))
        locked = {c.pk: lock_customer(c) for c in (first, second)}  # fixed order: no deadlock
        survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
        _check(survivor, duplicate)
        fields = merged_fields(survivor, duplicate)
        moved = {}
        for relation in relations():
            count = relation.move(survivor, duplicate)
            if count:
                moved[relation.name] = count
        before = {name: getattr(survivor, name) for name in fields}
        for name, value in fields.items():
            setattr(survivor, name, value)
        survivor.save(update_fields=[*fields, "updated_at"])
        now = timezone.now()
        duplicate_status = duplicate.status
        Customer.objects.filter(pk=duplicate.pk).update(
            status="archived",
            archived_at=duplicate.archived_at or now,
            merged_into=survivor,
            merged_at=now,
            updated_at=now,
        )
        # the survivor's primaries may have been the duplicate's only contact points
        _ensure_primaries(survivor)
        index_customers([survivor.pk, duplicate.pk])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.MERGE,
            obj=survivor,
            changes={k: (before[k], fields[k]) for k in fields},
            metadata={
                "duplicate_id": str(duplicate.pk),
                "duplicate_number": duplicate.number,
                "moved": moved,
            },
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.MERGE,
            obj=duplicate,
            changes={
                "status": (duplicate_status, "archived"),
                "merged_into": (None, str(survivor.pk)),
            },
            metadata={"survivor_id": str(survivor.pk), "survivor_number": survivor.number},
        )
        event_emit(
            org=org,
            type=events.CUSTOMER_MERGED,
            actor=actor,
            payload={"survivor_id": survivor.pk, "duplicate_id": duplicate.pk, "moved": moved},
        )
    return {
        "survivor_id": survivor.pk,
        "duplicate_id": duplicate.pk,
        "dry_run": False,
        "moves": moved,
        "fields": fields,
    }


def _ensure_primaries(customer: Customer) -> None:
    for model in (CustomerPhone, CustomerEmail, CustomerAddress):
        rows = model.objects.filter(customer=customer)
        if not rows.filter(primary=True).exists():
            first = rows.order_by("position", "created_at", "pk").first()
            if first:
                model.objects.filter(pk=first.pk).update(primary=True)
