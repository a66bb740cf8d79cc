"""The service catalog and the organization's tax rate."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, ValidationFailed
from frontdesk.core.services import model_update
from frontdesk.customers.normalize import clean_text
from frontdesk.money.models import Service
from frontdesk.money.pricing import tax_rate_bp

MAX_AMOUNT = 10**12  # minor units


def money_amount(value: Any, field: str, *, positive: bool = False) -> int:
    """A whole number of minor units: never a float, a string or a bool."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed({field: "A whole amount in minor units (cents), not a string."})
    low = 1 if positive else 0
    if not low <= value <= MAX_AMOUNT:
        raise ValidationFailed({field: f"From {low} to {MAX_AMOUNT} minor units."})
    return value


def check_currency(org, currency: Any, field: str = "currency") -> None:
    if currency is not None and currency != org.currency:
        raise ValidationFailed({field: f"Amounts are in {org.currency}, the organization's."})


def text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    try:
        cleaned = clean_text(value or "", max_length=max_length)
    except ValueError as exc:
        raise ValidationFailed({field: str(exc)})
    if required and not cleaned:
        raise ValidationFailed({field: "May not be empty."})
    return cleaned


def _clean(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    unknown = set(data) - {"code", "name", "price", "taxable", "active"}
    if unknown:
        raise ValidationFailed({name: "Unknown field." for name in sorted(unknown)})
    out: dict[str, Any] = {}
    if "code" in data or not partial:
        out["code"] = text(data.get("code"), "code", 40, required=True).upper()
    if "name" in data or not partial:
        out["name"] = text(data.get("name"), "name", 200, required=True)
    if "price" in data or not partial:
        out["price"] = money_amount(data.get("price", 0), "price")
    for flag in ("taxable", "active"):
        if flag in data:
            if not isinstance(data[flag], bool):
                raise ValidationFailed({flag: "true or false."})
            out[flag] = data[flag]
    return out


def _unique_code(code: str, *, exclude=None) -> None:
    qs = Service.objects.filter(code=code)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    if qs.exists():
        raise Conflict(f"A service with code {code} exists.", field="code")


def service_create(*, org, actor: Actor, data: dict[str, Any]) -> Service:
    values = _clean(data, partial=False)
    with transaction.atomic():
        _unique_code(values["code"])
        service = Service(organization_id=org.pk, **values)
        service.save(force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=service,
            changes={k: (None, v) for k, v in values.items()},
        )
    return service


def service_update(*, org, actor: Actor, service: Service, data: dict[str, Any]) -> Service:
    """Change a catalog item; documents already priced keep their prices."""
    values = _clean(data, partial=True)
    with transaction.atomic():
        if "code" in values and values["code"] != service.code:
            _unique_code(values["code"], exclude=service)
        service, _ = model_update(instance=service, org=org, actor=actor, data=values)
    return service


def tax_rate_set(*, org, actor: Actor, tax_rate_bp_value: Any) -> int:
    """Set the organization's sales tax rate in basis points (825 = 8.25 %)."""
    if (
        isinstance(tax_rate_bp_value, bool)
        or not isinstance(tax_rate_bp_value, int)
        or not 0 <= tax_rate_bp_value <= 10_000
    ):
        raise ValidationFailed({"tax_rate_bp": "Whole basis points from 0 to 10000."})
    before = tax_rate_bp(org)
    with transaction.atomic():
        org.settings = {**(org.settings or {}), "tax_rate_bp": tax_rate_bp_value}
        org.save(update_fields=["settings", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=org,
            changes={"tax_rate_bp": (before, tax_rate_bp_value)},
        )
    return tax_rate_bp_value
