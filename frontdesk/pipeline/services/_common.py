"""Input checks shared by the pipeline services (each raises ``ValidationFailed`` naming
the field, so bad input is a 422 and nothing is written)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.errors import ValidationFailed
from frontdesk.core.lookups import get_referenced
from frontdesk.customers.normalize import clean_text
from frontdesk.organizations.models import Membership

MAX_MONEY = 10**13  # minor units: far beyond any deal, well inside a bigint


def text(value: Any, *, field: str, max_length: int, required: bool = False, multiline=False):
    try:
        cleaned = clean_text(value, max_length=max_length, multiline=multiline)
    except ValueError as exc:
        raise ValidationFailed({field: str(exc)})
    if required and not cleaned:
        raise ValidationFailed({field: "May not be empty."})
    return cleaned


def choice(value: Any, *, field: str, choices, allow_blank: bool = False) -> str:
    if allow_blank and value in ("", None):
        return ""
    if value not in choices.values or (value == "" and not allow_blank):
        allowed = ", ".join(v for v in choices.values if v)
        raise ValidationFailed({field: f"One of: {allowed}."})
    return value


def money(value: Any, *, field: str) -> int | None:
    """Minor units: a whole number ≥ 0 (never a float or a bool), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed({field: "A whole number of minor units (cents)."})
    if not 0 <= value <= MAX_MONEY:
        raise ValidationFailed({field: f"From 0 to {MAX_MONEY}."})
    return value


def currency_check(org, currency: Any, *, field: str = "currency") -> None:
    if currency not in (None, "") and currency != org.currency:
        raise ValidationFailed({field: f"Must be the organization's currency ({org.currency})."})


def date_value(value: Any, *, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        raise ValidationFailed({field: "A date (YYYY-MM-DD)."})
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed({field: "A date (YYYY-MM-DD)."})


def aware(value: Any, *, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationFailed({field: "A timestamp (ISO 8601 with offset)."})
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationFailed({field: "A timestamp with a UTC offset."})
    return value


def member(value: Any, *, field: str) -> Membership | None:
    """An active staff member of the organization (the scoped manager limits it)."""
    if value is None or value == "":
        return None
    if isinstance(value, Membership):
        membership = value
        if not Membership.objects.filter(pk=membership.pk).exists():
            raise ValidationFailed({field: "No staff member with this id."})
    else:
        membership = get_referenced(Membership, value, field=field)
    if not membership.is_active:
        raise ValidationFailed({field: "This staff member is deactivated."})
    return membership


def actor_membership_id(actor: Actor):
    return actor.membership_id if actor.kind in ("staff", "assistant") else None
