"""Reviewers' "these two are different people" decisions (the duplicates review)."""

from __future__ import annotations

from django.db import transaction

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.core.locks import lock_keys
from frontdesk.customers.models import Customer, NotDuplicate
from frontdesk.organizations.models import Organization


def duplicate_dismiss(
    *, org: Organization, actor: Actor, customer: Customer, other: Customer, note: str = ""
) -> tuple[NotDuplicate, bool]:
    """Record that ``customer`` and ``other`` are not the same person, so the pair leaves
    the duplicates review. Returns (decision, created); asking again changes nothing."""
    if customer.pk == other.pk:
        raise ValidationFailed({"other_id": "Choose two different customers."})
    if customer.merged_into_id or other.merged_into_id:
        raise InvalidState("A merged customer is no longer reviewed for duplicates.")
    note = " ".join((note or "").split())
    if len(note) > 500:
        raise ValidationFailed({"note": f"At most 500 characters (this has {len(note)})."})
    a, b = sorted((customer, other), key=lambda c: c.pk)
    with transaction.atomic():
        lock_keys(f"customers:{org.pk}:not-duplicate:{a.pk}:{b.pk}")
        existing = NotDuplicate.objects.filter(customer_a=a, customer_b=b).first()
        if existing is not None:
            return existing, False
        decision = NotDuplicate.objects.create(
            organization_id=org.pk, customer_a=a, customer_b=b, note=note, decided_by=actor.label
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=decision,
            changes={"customers": (None, [a.number, b.number]), "note": (None, note)},
        )
    return decision, True


def duplicate_dismissal_undo(*, org: Organization, actor: Actor, decision: NotDuplicate) -> None:
    """Forget the decision: the pair is offered for review again."""
    with transaction.atomic():
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.DELETE,
            obj=decision,
            changes={"customers": ([decision.customer_a_id, decision.customer_b_id], None)},
        )
        decision.delete()
