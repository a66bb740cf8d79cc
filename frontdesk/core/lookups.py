"""Fetching tenant records by id, the way every endpoint and service should.

The scoped manager already limits queries to the active organization, so another
organization's id is simply not found: 404 for ids in the path, 422 naming the field
for ids in a request body (the caller cannot tell "foreign" from "missing")."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from django.db import models

from frontdesk.core.errors import NotFound, ValidationFailed

M = TypeVar("M", bound=models.Model)


def _as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def get_or_404(queryset: models.QuerySet[M] | type[M], pk: Any) -> M:
    qs = queryset.objects.all() if isinstance(queryset, type) else queryset
    key = _as_uuid(pk)
    obj = qs.filter(pk=key).first() if key else None
    if obj is None:
        raise NotFound(f"No {qs.model._meta.verbose_name} with id {pk}.")
    return obj


def get_referenced(
    queryset: models.QuerySet[M] | type[M], pk: Any, *, field: str, status: int = 422
) -> M:
    """The record a body field points at. ``status=404`` where the contract answers a
    foreign or missing id in a body with 404 (the problem still names the field)."""
    qs = queryset.objects.all() if isinstance(queryset, type) else queryset
    key = _as_uuid(pk)
    obj = qs.filter(pk=key).first() if key else None
    if obj is None:
        message = f"No {qs.model._meta.verbose_name} with this id."
        if status == 404:
            raise NotFound(f"{field}: {message}", field=field)
        raise ValidationFailed({field: message})
    return obj
