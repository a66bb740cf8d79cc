"""Writing the audit trail. Services call :func:`audit_record` inside their transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models

from frontdesk.audit.models import AuditEntry
from frontdesk.core.actor import Actor
from frontdesk.core.context import request_meta


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def object_type_of(obj: models.Model) -> str:
    return obj._meta.label_lower


def audit_entry(
    *,
    org,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> AuditEntry:
    """The entry :func:`audit_record` writes, not saved (for ``bulk_create``)."""
    meta = request_meta()
    return AuditEntry(
        organization_id=org.pk if hasattr(org, "pk") else org,
        action=action,
        object_type=object_type or (object_type_of(obj) if obj is not None else ""),
        object_id=str(object_id if object_id is not None else getattr(obj, "pk", "")),
        object_repr=str(obj)[:200] if obj is not None else "",
        changes={k: [jsonable(b), jsonable(a)] for k, (b, a) in (changes or {}).items()},
        metadata=jsonable(metadata or {}),
        actor_kind=actor.kind,
        actor_label=actor.label[:300],
        actor_user_id=actor.user_id,
        actor_token_id=actor.token_id,
        request_id=meta.request_id if meta else "",
        ip=meta.ip if meta else None,
        user_agent=meta.user_agent if meta else "",
    )


def audit_record(
    *,
    org,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = audit_entry(
        org=org,
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        changes=changes,
        metadata=metadata,
    )
    entry.save(force_insert=True)
    return entry
