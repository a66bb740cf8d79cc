"""Cleaning the input of customer, company and vehicle services.

Services receive plain dicts (from API schemas, forms, imports or the assistant) and
must not trust them: every value is checked and normalized here, and all problems are
reported together as one 422 whose fields read like ``phones[0].number``.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone

from frontdesk.core.errors import ValidationFailed
from frontdesk.customers.choices import (
    AddressKind,
    Channel,
    CompanyStatus,
    CompanyType,
    CustomerType,
    EmailKind,
    FinanceType,
    Gender,
    LifecycleStage,
    PhoneKind,
    PurchaseType,
    Source,
    VehicleLinkStatus,
    VehicleRelationship,
)
from frontdesk.customers.normalize import (
    clean_text,
    email_normalize,
    fold,
    phone_e164,
    plate_key,
    tag_normalize,
    vin_normalize,
)

MAX_PHONES = 10
MAX_EMAILS = 10
MAX_ADDRESSES = 10
MAX_TAGS = 50
NOTES_MAX = 20_000
NOTE_BODY_MAX = 5_000


class Errors:
    """Collects ``{field, message}`` and raises them as one ValidationFailed."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def check(self, field: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValueError as exc:
            self.add(field, str(exc))
            return None

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


@functools.cache
def _values_of(choices: type[models.TextChoices]) -> frozenset[str]:
    return frozenset(choices.values)  # ``.values`` builds a new list on every access


def _choice(value: Any, choices: type[models.TextChoices], *, blank: bool = False) -> str:
    if value in (None, "") and blank:
        return ""
    if value not in _values_of(choices):
        raise ValueError(f"One of: {', '.join(choices.values)}.")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false.")
    return value


def _int(value: Any, *, low: int, high: int, nullable: bool = True) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"A whole number from {low} to {high}.")
    return value


def _date(value: Any, *, nullable: bool = True) -> dt.date | None:
    if value in (None, "") and nullable:
        return None
    if isinstance(value, dt.datetime):
        raise ValueError("A date (YYYY-MM-DD), not a timestamp.")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError("A date as YYYY-MM-DD.")


def _datetime(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError("A timestamp in ISO 8601 with its offset.")
    if timezone.is_naive(value):
        raise ValueError("Give the timestamp's UTC offset (e.g. 2026-01-31T09:00:00-06:00).")
    return value


def _uuid(value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValueError("Not an id.")


def _time_zone(value: Any) -> str:
    value = clean_text(value, max_length=64)
    if value:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("Not an IANA time zone (e.g. America/Chicago).")
    return value


def _locale(value: Any) -> str:
    value = clean_text(value, max_length=16)
    parts = value.replace("_", "-").split("-") if value else []
    if parts and not (
        parts[0].isalpha()
        and 2 <= len(parts[0]) <= 3
        and all(p.isalnum() and 2 <= len(p) <= 8 for p in parts[1:])
    ):
        raise ValueError("A language tag such as en-US or es.")
    if not parts:
        return ""
    return "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])


def _country(value: Any) -> str:
    value = clean_text(value, max_length=2).upper()
    if value and not (len(value) == 2 and value.isalpha() and value.isascii()):
        raise ValueError("A two-letter ISO country code (e.g. US).")
    return value


def _list(value: Any, *, limit: int) -> list:
    if not isinstance(value, list | tuple):
        raise ValueError("A list.")
    if len(value) > limit:
        raise ValueError(f"At most {limit}.")
    return list(value)


def _object(value: Any, allowed: set[str], errors: Errors, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(field, "An object.")
        return {}
    for key in set(value) - allowed:
        errors.add(f"{field}.{key}", "Unknown field.")
    return value


# --- customers ---------------------------------------------------------------------------
CUSTOMER_TEXT = {
    "first_name": 100,
    "last_name": 100,
    "display_name": 200,
    "accounting_customer_id": 64,
}
CUSTOMER_CHOICES: dict[str, tuple[type[models.TextChoices], bool]] = {
    "type": (CustomerType, False),
    "preferred_channel": (Channel, True),
    "source": (Source, False),
    "lifecycle_stage": (LifecycleStage, False),
}
COMMUNICATION = ("opt_in_email", "opt_in_sms", "opt_in_mail", "do_not_contact")
DEMOGRAPHICS_TEXT = {"occupation": 100, "income_range": 50, "education_level": 50}
CUSTOMER_KEYS = {
    *CUSTOMER_TEXT,
    *CUSTOMER_CHOICES,
    "notes",
    "locale",
    "time_zone",
    "status",
    "company_id",
    "communication",
    "demographics",
    "atlas_sharing",
    "lead_score",
    "phones",
    "emails",
    "addresses",
    "tags",
}


def clean_customer(data: dict[str, Any], *, region: str, errors: Errors) -> dict[str, Any]:
    """Model field values for the keys present in ``data``, plus cleaned ``phones``,
    ``emails``, ``addresses`` and ``tags`` lists when given."""
    out: dict[str, Any] = {}
    for key in set(data) - CUSTOMER_KEYS:
        errors.add(key, "Unknown field.")
    for name, size in CUSTOMER_TEXT.items():
        if name in data:
            out[name] = errors.check(name, clean_text, data[name], max_length=size)
    if "notes" in data:
        out["notes"] = errors.check(
            "notes", clean_text, data["notes"], max_length=NOTES_MAX, multiline=True
        )
    for name, (choices, blank) in CUSTOMER_CHOICES.items():
        if name in data:
            out[name] = errors.check(name, _choice, data[name], choices, blank=blank)
    if "status" in data:
        if data["status"] in ("active", "deactivated"):
            out["status"] = data["status"]
        else:
            errors.add("status", "active or deactivated (archive with DELETE, merge to combine).")
    if "locale" in data:
        out["locale"] = errors.check("locale", _locale, data["locale"])
    if "time_zone" in data:
        out["time_zone"] = errors.check("time_zone", _time_zone, data["time_zone"])
    if "lead_score" in data:
        out["lead_score"] = errors.check(
            "lead_score", _int, data["lead_score"], low=0, high=100, nullable=False
        )
    if "company_id" in data:
        out["company_id"] = errors.check("company_id", _uuid, data["company_id"])
    if "communication" in data:
        communication = _object(data["communication"], set(COMMUNICATION), errors, "communication")
        for name in COMMUNICATION:
            if name in communication:
                out[name] = errors.check(f"communication.{name}", _bool, communication[name])
    if "demographics" in data:
        out["demographics"] = clean_demographics(data["demographics"], errors)
    if "atlas_sharing" in data:
        sharing = _object(data["atlas_sharing"], {"vehicles", "vendors"}, errors, "atlas_sharing")
        out["atlas_sharing"] = {
            k: bool(errors.check(f"atlas_sharing.{k}", _bool, sharing.get(k, False)))
            for k in ("vehicles", "vendors")
        }
    if "phones" in data:
        out["phones"] = clean_phones(data["phones"], region=region, errors=errors)
    if "emails" in data:
        out["emails"] = clean_emails(data["emails"], errors=errors)
    if "addresses" in data:
        out["addresses"] = clean_addresses(data["addresses"], region=region, errors=errors)
    if "tags" in data:
        out["tags"] = clean_tags(data["tags"], errors=errors)
    return out


def clean_demographics(value: Any, errors: Errors) -> dict[str, Any]:
    allowed = {"birth_date", "gender", *DEMOGRAPHICS_TEXT}
    raw = _object(value, allowed, errors, "demographics")
    out: dict[str, Any] = {}
    if raw.get("birth_date") not in (None, ""):
        born = errors.check("demographics.birth_date", _date, raw["birth_date"])
        if born and not dt.date(1900, 1, 1) <= born <= timezone.localdate():
            errors.add("demographics.birth_date", "Between 1900-01-01 and today.")
        elif born:
            out["birth_date"] = born.isoformat()
    if raw.get("gender") not in (None, ""):
        out["gender"] = errors.check("demographics.gender", _choice, raw["gender"], Gender)
    for name, size in DEMOGRAPHICS_TEXT.items():
        if raw.get(name) not in (None, ""):
            text = errors.check(f"demographics.{name}", clean_text, raw[name], max_length=size)
            if text:
                out[name] = text
    return out


def _entries(value: Any, field: str, limit: int, errors: Errors) -> list[dict]:
    items = errors.check(field, _list, value if value is not None else [], limit=limit) or []
    good = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.add(f"{field}[{i}]", "An object.")
            good.append({})
        else:
            good.append(item)
    return good


def _single_primary(entries: list[dict], field: str, errors: Errors) -> None:
    primaries = [i for i, e in enumerate(entries) if e.get("primary")]
    for i in primaries[1:]:
        errors.add(f"{field}[{i}].primary", "Only one can be primary.")
    if entries and not primaries:
        entries[0]["primary"] = True


def clean_phones(value: Any, *, region: str, errors: Errors) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    allowed = {"number", "kind", "primary", "consent_to_call", "consent_at"}
    for i, raw in enumerate(_entries(value, "phones", MAX_PHONES, errors)):
        f = f"phones[{i}]"
        for key in set(raw) - allowed:
            errors.add(f"{f}.{key}", "Unknown field.")
        number = errors.check(f"{f}.number", phone_e164, raw.get("number") or "", region=region)
        if number and number in seen:
            errors.add(f"{f}.number", f"The same number as phones[{seen[number]}].")
        elif number:
            seen[number] = i
        consent = bool(
            errors.check(f"{f}.consent_to_call", _bool, raw.get("consent_to_call", False))
        )
        consent_at = errors.check(f"{f}.consent_at", _datetime, raw.get("consent_at"))
        if consent and consent_at is None:
            consent_at = timezone.now()
        out.append(
            {
                "number": number or "",
                "digits": (number or "")[1:],
                "kind": errors.check(f"{f}.kind", _choice, raw.get("kind", "mobile"), PhoneKind),
                "primary": bool(errors.check(f"{f}.primary", _bool, raw.get("primary", False))),
                "consent_to_call": consent,
                "consent_at": consent_at if consent else None,
            }
        )
    _single_primary(out, "phones", errors)
    return out


def clean_emails(value: Any, *, errors: Errors) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(_entries(value, "emails", MAX_EMAILS, errors)):
        f = f"emails[{i}]"
        for key in set(raw) - {"address", "kind", "primary"}:
            errors.add(f"{f}.{key}", "Unknown field.")
        address, key = errors.check(f"{f}.address", email_normalize, raw.get("address") or "") or (
            "",
            "",
        )
        if key and key in seen:
            errors.add(f"{f}.address", f"The same address as emails[{seen[key]}].")
        elif key:
            seen[key] = i
        out.append(
            {
                "address": address,
                "key": key,
                "kind": errors.check(f"{f}.kind", _choice, raw.get("kind", "personal"), EmailKind),
                "primary": bool(errors.check(f"{f}.primary", _bool, raw.get("primary", False))),
            }
        )
    _single_primary(out, "emails", errors)
    return out


ADDRESS_TEXT = {"street": 200, "city": 100, "state": 100, "postal_code": 20}


def address_key(street: str, postal_code: str, city: str) -> str:
    street = fold(street)
    return f"{street}|{fold(postal_code) or fold(city)}"[:240] if street else ""


def clean_address(raw: dict, *, region: str, errors: Errors, field: str) -> dict[str, Any]:
    allowed = {*ADDRESS_TEXT, "kind", "country", "primary"}
    for key in set(raw) - allowed:
        errors.add(f"{field}.{key}", "Unknown field.")
    out: dict[str, Any] = {
        name: errors.check(f"{field}.{name}", clean_text, raw.get(name) or "", max_length=size)
        or ""
        for name, size in ADDRESS_TEXT.items()
    }
    out["country"] = errors.check(f"{field}.country", _country, raw.get("country") or region) or ""
    if not (out["street"] or out["city"] or out["postal_code"]):
        errors.add(field, "An address needs a street, a city or a postal code.")
    return out


def clean_addresses(value: Any, *, region: str, errors: Errors) -> list[dict[str, Any]]:
    out = []
    for i, raw in enumerate(_entries(value, "addresses", MAX_ADDRESSES, errors)):
        f = f"addresses[{i}]"
        address = clean_address(raw, region=region, errors=errors, field=f)
        address["kind"] = errors.check(f"{f}.kind", _choice, raw.get("kind", "home"), AddressKind)
        address["primary"] = bool(errors.check(f"{f}.primary", _bool, raw.get("primary", False)))
        address["key"] = address_key(address["street"], address["postal_code"], address["city"])
        out.append(address)
    _single_primary(out, "addresses", errors)
    return out


def clean_tags(value: Any, *, errors: Errors) -> list[str]:
    tags: list[str] = []
    for i, raw in enumerate(errors.check("tags", _list, value or [], limit=MAX_TAGS) or []):
        tag = errors.check(f"tags[{i}]", tag_normalize, raw if isinstance(raw, str) else None)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def clean_note(body: Any) -> str:
    errors = Errors()
    text = errors.check("body", clean_text, body, max_length=NOTE_BODY_MAX, multiline=True)
    if not errors.items and not text:
        errors.add("body", "A note cannot be empty.")
    errors.raise_if_any()
    return text


# --- companies ---------------------------------------------------------------------------
COMPANY_KEYS = {
    "name",
    "type",
    "main_phone",
    "billing_address",
    "primary_contact_id",
    "status",
    "accounting_customer_id",
}


def clean_company(data: dict[str, Any], *, region: str, errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in set(data) - COMPANY_KEYS:
        errors.add(key, "Unknown field.")
    if "name" in data:
        out["name"] = errors.check("name", clean_text, data["name"], max_length=200)
        if out["name"] == "":
            errors.add("name", "A company needs a name.")
    if "type" in data:
        out["type"] = errors.check("type", _choice, data["type"], CompanyType)
    if "status" in data:
        if data["status"] == "archived":
            errors.add("status", "Archive with DELETE /companies/{id}.")
        else:
            out["status"] = errors.check("status", _choice, data["status"], CompanyStatus)
    if "main_phone" in data:
        raw = data["main_phone"]
        out["main_phone"] = (
            errors.check("main_phone", phone_e164, raw, region=region) if raw else ""
        )
    if "billing_address" in data:
        raw = data["billing_address"]
        if raw in (None, {}):
            out["billing_address"] = {}
        elif not isinstance(raw, dict):
            errors.add("billing_address", "An object.")
        else:
            out["billing_address"] = clean_address(
                raw, region=region, errors=errors, field="billing_address"
            )
    if "accounting_customer_id" in data:
        out["accounting_customer_id"] = errors.check(
            "accounting_customer_id", clean_text, data["accounting_customer_id"], max_length=64
        )
    if "primary_contact_id" in data:
        out["primary_contact_id"] = errors.check(
            "primary_contact_id", _uuid, data["primary_contact_id"]
        )
    return out


# --- vehicles ----------------------------------------------------------------------------
VEHICLE_TEXT = {"make": 50, "model": 50, "trim": 50, "engine": 100, "plate": 16, "color": 30}
VEHICLE_KEYS = {*VEHICLE_TEXT, "vin", "year", "mileage"}
LINK_KEYS = {
    "relationship",
    "purchase_date",
    "purchase_type",
    "finance_type",
    "finance_company",
    "estimated_payoff_date",
    "status",
    "is_current",
    "is_serviced_here",
    "primary_driver",
    "annual_mileage",
}


def clean_vehicle(data: dict[str, Any], *, errors: Errors, field: str = "") -> dict[str, Any]:
    prefix = f"{field}." if field else ""
    out: dict[str, Any] = {}
    for key in set(data) - VEHICLE_KEYS:
        errors.add(f"{prefix}{key}", "Unknown field.")
    if "vin" in data:
        out["vin"] = (
            errors.check(f"{prefix}vin", vin_normalize, data["vin"]) if data["vin"] else None
        )
    for name, size in VEHICLE_TEXT.items():
        if name in data:
            out[name] = errors.check(f"{prefix}{name}", clean_text, data[name], max_length=size)
    if "plate" in data and out.get("plate") is not None:
        out["plate"] = out["plate"].upper()
        out["plate_key"] = plate_key(out["plate"])
    if "year" in data:
        high = timezone.localdate().year + 2
        out["year"] = errors.check(f"{prefix}year", _int, data["year"], low=1886, high=high)
    if "mileage" in data:
        out["mileage"] = errors.check(
            f"{prefix}mileage", _int, data["mileage"], low=0, high=5_000_000
        )
    return out


def clean_link(data: dict[str, Any], *, errors: Errors) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in set(data) - LINK_KEYS:
        errors.add(key, "Unknown field.")
    choices = {
        "relationship": (VehicleRelationship, False),
        "purchase_type": (PurchaseType, True),
        "finance_type": (FinanceType, True),
        "status": (VehicleLinkStatus, False),
    }
    for name, (enum, blank) in choices.items():
        if name in data:
            out[name] = errors.check(name, _choice, data[name], enum, blank=blank)
    for name in ("purchase_date", "estimated_payoff_date"):
        if name in data:
            out[name] = errors.check(name, _date, data[name])
    if "finance_company" in data:
        out["finance_company"] = errors.check(
            "finance_company", clean_text, data["finance_company"], max_length=100
        )
    for name in ("is_current", "is_serviced_here", "primary_driver"):
        if name in data:
            out[name] = errors.check(name, _bool, data[name])
    if "annual_mileage" in data:
        out["annual_mileage"] = errors.check(
            "annual_mileage", _int, data["annual_mileage"], low=0, high=1_000_000
        )
    return out
