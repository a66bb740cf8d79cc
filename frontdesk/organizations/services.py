"""Organizations, staff and API tokens: every write, atomic and audited."""

from __future__ import annotations

import secrets
import zoneinfo
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.core.locks import lock_keys
from frontdesk.core.services import model_create, model_update
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.auth import TOKEN_PREFIX, hash_token
from frontdesk.organizations.choices import Role
from frontdesk.organizations.models import ApiToken, Membership, Organization

User = get_user_model()
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ORG_EDITABLE = {
    "name",
    "time_zone",
    "currency",
    "locale",
    "country",
    "business_hours",
    "uses_vehicles",
    "settings",
}


def validate_org_fields(data: dict[str, Any]) -> None:
    errors = {name: "May not be empty." for name, value in data.items() if value is None}
    if errors:
        raise ValidationFailed(errors)
    if "time_zone" in data:
        try:
            zoneinfo.ZoneInfo(data["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = "Not an IANA time zone (e.g. America/Chicago)."
    if "currency" in data and not (len(data["currency"]) == 3 and data["currency"].isalpha()):
        errors["currency"] = "Use a three-letter ISO 4217 code (e.g. USD)."
    if "country" in data and not (len(data["country"]) == 2 and data["country"].isalpha()):
        errors["country"] = "Use a two-letter ISO 3166 country code (e.g. US)."
    if "business_hours" in data:
        hours = data["business_hours"]
        if not isinstance(hours, dict) or set(hours) - set(WEEKDAYS):
            errors["business_hours"] = f"Use days {', '.join(WEEKDAYS)}."
        else:
            for day, spans in hours.items():
                for span in spans or []:
                    if (
                        not isinstance(span, list | tuple)
                        or len(span) != 2
                        or not all(_is_hhmm(x) for x in span)
                        or span[0] >= span[1]
                    ):
                        errors[f"business_hours.{day}"] = 'Use [["08:00", "18:00"], ...].'
    if errors:
        raise ValidationFailed(errors)


def _is_hhmm(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return False
    hh, mm = value[:2], value[3:]
    return hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60


def organization_create(
    *, name: str, slug: str | None = None, actor: Actor | None = None, **fields: Any
) -> Organization:
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationFailed({"slug": "A slug needs letters or digits."})
    fields = {k: v for k, v in fields.items() if v is not None}
    validate_org_fields(fields)
    if "currency" in fields:
        fields["currency"] = fields["currency"].upper()
    if "country" in fields:
        fields["country"] = fields["country"].upper()
    with transaction.atomic():
        if Organization.objects.filter(slug=slug).exists():
            raise Conflict(f"The slug {slug!r} is taken.", field="slug")
        org = Organization.objects.create(name=name.strip(), slug=slug, **fields)
        with tenant_scope(org):
            audit_record(
                org=org,
                actor=actor or Actor.system(label="cli"),
                action=AuditAction.CREATE,
                obj=org,
                changes={"name": (None, org.name), "slug": (None, slug)},
            )
    return org


def organization_update(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Organization:
    unknown = set(data) - ORG_EDITABLE
    if unknown:
        raise ValidationFailed({f: "Not editable." for f in unknown})
    validate_org_fields(data)
    for key in ("currency", "country"):
        if key in data:
            data[key] = data[key].upper()
    org, _ = model_update(instance=org, org=org, actor=actor, data=data)
    return org


def staff_add(
    *,
    org: Organization,
    actor: Actor,
    email: str,
    role: str,
    full_name: str = "",
    password: str | None = None,
    is_advisor: bool = False,
) -> Membership:
    """Give a person a role in ``org``, creating their user if they have none yet."""
    if role not in Role.values:
        raise ValidationFailed({"role": f"One of: {', '.join(Role.values)}."})
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed({"email": "Enter a valid email address."})
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=password, full_name=full_name.strip()
            )
            if not password:
                user.set_unusable_password()
                user.save(update_fields=["password"])
        if Membership.objects.filter(user=user).exists():
            raise Conflict(f"{email} is already on the staff.", field="email")
        return model_create(
            model=Membership, org=org, actor=actor, user=user, role=role, is_advisor=is_advisor
        )


def staff_update(
    *, org: Organization, actor: Actor, membership: Membership, data: dict[str, Any]
) -> Membership:
    """Change role, advisor flag or active state. Takes effect on the member's next request."""
    if "role" in data and data["role"] not in Role.values:
        raise ValidationFailed({"role": f"One of: {', '.join(Role.values)}."})
    with transaction.atomic():
        if data.get("role", Role.OWNER) != Role.OWNER or data.get("is_active") is False:
            # two owners demoting each other at the same instant: the second waits for the
            # first and then sees it, so the organization never ends up without an owner
            lock_keys(f"organizations:{org.pk}:owners")
            membership.refresh_from_db(fields=["role", "is_active"])
        demoting_owner = membership.role == Role.OWNER and (
            data.get("role", Role.OWNER) != Role.OWNER or data.get("is_active") is False
        )
        if (
            demoting_owner
            and not Membership.objects.filter(role=Role.OWNER, is_active=True)
            .exclude(pk=membership.pk)
            .exists()
        ):
            raise Conflict("An organization keeps at least one active owner.")
        membership, _ = model_update(instance=membership, org=org, actor=actor, data=data)
    return membership


def token_create(
    *,
    org: Organization,
    actor: Actor,
    membership: Membership,
    name: str,
    is_assistant: bool = False,
) -> tuple[ApiToken, str]:
    """Create a token; returns (token, raw). The raw value is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": "Give the token a name."})
    if actor.kind == "assistant":
        raise PermissionDenied("An assistant token may not create tokens.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = model_create(
        model=ApiToken,
        org=org,
        actor=actor,
        membership=membership,
        name=name[:100],
        prefix=raw[:10],
        token_hash=hash_token(raw),
        is_assistant=is_assistant,
        audit_fields=["name", "prefix", "is_assistant"],
    )
    return token, raw


def token_revoke(*, org: Organization, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke; idempotent (revoking a revoked token changes nothing)."""
    if token.revoked_at is not None:
        return token
    token, _ = model_update(
        instance=token,
        org=org,
        actor=actor,
        data={"revoked_at": timezone.now()},
        action=AuditAction.REVOKE,
    )
    return token
