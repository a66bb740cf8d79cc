"""Write helpers every service uses, so that creating and updating tenant records is
always audited and always within the caller's organization."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import ValidationFailed

M = TypeVar("M", bound=models.Model)


def _reject_nulls(model: type[models.Model], data: dict[str, Any]) -> None:
    """``full_clean`` lets ``None`` through for ``blank=True`` fields; the database would
    then refuse it with an IntegrityError (a misleading 409). Say 422 instead."""
    errors = {
        name: "May not be null."
        for name, value in data.items()
        if value is None and not model._meta.get_field(name).null
    }
    if errors:
        raise ValidationFailed(errors)


def model_create(
    *, model: type[M], org, actor: Actor, audit_fields: list[str] | None = None, **fields: Any
) -> M:
    """Create a tenant record in ``org`` and audit it with its initial field values."""
    _reject_nulls(model, fields)
    with transaction.atomic():
        instance = model(organization_id=org.pk, **fields)
        instance.full_clean(exclude=["organization"], validate_unique=False)
        instance.save(force_insert=True)
        names = audit_fields if audit_fields is not None else list(fields)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=instance,
            changes={name: (None, getattr(instance, name)) for name in names},
        )
    return instance


def model_update(
    *, instance: M, org, actor: Actor, data: dict[str, Any], action: str = AuditAction.UPDATE
) -> tuple[M, dict[str, tuple[Any, Any]]]:
    """Apply ``data`` to ``instance``, save only the changed fields and audit them.

    Returns the instance and ``{field: (before, after)}`` of what actually changed
    (empty when nothing did, in which case nothing is written)."""
    _reject_nulls(type(instance), data)
    changes: dict[str, tuple[Any, Any]] = {}
    for name, value in data.items():
        before = getattr(instance, name)
        if before != value:
            changes[name] = (before, value)
            setattr(instance, name, value)
    if not changes:
        return instance, changes
    with transaction.atomic():
        instance.full_clean(exclude=["organization"], validate_unique=False)
        update_fields = list(changes)
        if any(f.name == "updated_at" for f in instance._meta.fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
        audit_record(org=org, actor=actor, action=action, obj=instance, changes=changes)
    return instance, changes
