"""API shapes of customers, companies and vehicles.

Input schemas forbid unknown fields, strip and bound every string and reject control
characters (the services check again, for callers that are not the API). Each schema
carries an OpenAPI example.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StringConstraints

from frontdesk.core.api import Page, ProblemOut
from frontdesk.customers.choices import (
    AddressKind,
    Channel,
    CompanyStatus,
    CompanyType,
    CustomerStatus,
    CustomerType,
    EmailKind,
    FinanceType,
    Gender,
    LifecycleStage,
    PhoneKind,
    PurchaseType,
    Segment,
    Source,
    VehicleLinkStatus,
    VehicleRelationship,
)
from frontdesk.customers.normalize import clean_text


def _line(value: str) -> str:
    return clean_text(value, max_length=100_000)


def _multiline(value: str) -> str:
    return clean_text(value, max_length=100_000, multiline=True)


def Line(max_length: int):  # noqa: N802 - reads like a type
    """One line of text: stripped, at most ``max_length``, no control characters."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length),
        AfterValidator(_line),
    ]


def Text(max_length: int):  # noqa: N802
    """Multi-line text: newlines and tabs allowed, other control characters not."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length),
        AfterValidator(_multiline),
    ]


def _example(example: dict[str, Any], *, forbid: bool = False) -> ConfigDict:
    config = ConfigDict(json_schema_extra={"examples": [example]})
    if forbid:
        config["extra"] = "forbid"
    return config


def _config(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(from_attributes=True, json_schema_extra={"examples": [example]})


Blank = Literal[""]
UUID_EXAMPLE = "6f1c2a9e-4d0b-4c55-9a51-2f0e8b7d3c11"


# --- contact points ----------------------------------------------------------------------
class PhoneIn(Schema):
    model_config = _example(
        {"number": "(512) 555-0142", "kind": "mobile", "primary": True, "consent_to_call": True},
        forbid=True,
    )
    number: Line(40) = Field(description="any format; read with the organization's country")
    kind: PhoneKind = PhoneKind.MOBILE
    primary: bool = False
    consent_to_call: bool = False
    consent_at: dt.datetime | None = Field(None, description="defaults to now when consenting")


class PhoneOut(Schema):
    model_config = _config(
        {
            "number": "+15125550142",
            "kind": "mobile",
            "primary": True,
            "consent_to_call": True,
            "consent_at": "2026-01-31T09:00:00-06:00",
        }
    )
    number: str = Field(description="E.164")
    kind: str
    primary: bool
    consent_to_call: bool
    consent_at: dt.datetime | None


class EmailIn(Schema):
    model_config = _example(
        {"address": "maria.garcia@example.com", "kind": "personal", "primary": True}, forbid=True
    )
    address: Line(254)
    kind: EmailKind = EmailKind.PERSONAL
    primary: bool = False


class EmailOut(Schema):
    model_config = _config(
        {"address": "maria.garcia@example.com", "kind": "personal", "primary": True}
    )
    address: str
    kind: str
    primary: bool


ADDRESS_EXAMPLE = {
    "kind": "home",
    "street": "1200 S Congress Ave",
    "city": "Austin",
    "state": "TX",
    "postal_code": "78704",
    "country": "US",
    "primary": True,
}


class AddressIn(Schema):
    model_config = _example(ADDRESS_EXAMPLE, forbid=True)
    kind: AddressKind = AddressKind.HOME
    street: Line(200) = ""
    city: Line(100) = ""
    state: Line(100) = ""
    postal_code: Line(20) = ""
    country: Line(2) = Field("", description="ISO 3166-1 alpha-2; the organization's by default")
    primary: bool = False


class AddressOut(Schema):
    model_config = _config(ADDRESS_EXAMPLE)
    kind: str
    street: str
    city: str
    state: str
    postal_code: str
    country: str
    primary: bool


class BillingAddress(Schema):
    model_config = _example(
        {k: v for k, v in ADDRESS_EXAMPLE.items() if k not in ("kind", "primary")}, forbid=True
    )
    street: Line(200) = ""
    city: Line(100) = ""
    state: Line(100) = ""
    postal_code: Line(20) = ""
    country: Line(2) = ""


class Communication(Schema):
    model_config = _example(
        {"opt_in_email": True, "opt_in_sms": False, "opt_in_mail": False, "do_not_contact": False},
        forbid=True,
    )
    opt_in_email: bool = False
    opt_in_sms: bool = False
    opt_in_mail: bool = False
    do_not_contact: bool = False


class Demographics(Schema):
    model_config = _example(
        {
            "birth_date": "1984-06-02",
            "gender": "female",
            "occupation": "Teacher",
            "income_range": "50-75k",
            "education_level": "bachelor",
        },
        forbid=True,
    )
    birth_date: dt.date | None = None
    gender: Gender | None = None
    occupation: Line(100) | None = None
    income_range: Line(50) | None = None
    education_level: Line(50) | None = None


class AtlasSharing(Schema):
    model_config = _example({"vehicles": True, "vendors": False}, forbid=True)
    vehicles: bool = False
    vendors: bool = False


# --- customers ---------------------------------------------------------------------------
CUSTOMER_IN_EXAMPLE = {
    "first_name": "Maria",
    "last_name": "Garcia",
    "phones": [{"number": "(512) 555-0142", "kind": "mobile"}],
    "emails": [{"address": "maria.garcia@example.com"}],
    "addresses": [ADDRESS_EXAMPLE],
    "preferred_channel": "sms",
    "communication": {"opt_in_sms": True},
    "source": "phone_call",
    "tags": ["fleet"],
}


class CustomerIn(Schema):
    """A new customer (POST) — and, with ``status``, the whole customer (PUT)."""

    model_config = _example(CUSTOMER_IN_EXAMPLE, forbid=True)
    type: CustomerType = CustomerType.INDIVIDUAL
    first_name: Line(100) = ""
    last_name: Line(100) = ""
    display_name: Line(200) = Field("", description="made from the names when empty")
    company_id: UUID | None = None
    phones: list[PhoneIn] = Field(default_factory=list, max_length=10)
    emails: list[EmailIn] = Field(default_factory=list, max_length=10)
    addresses: list[AddressIn] = Field(default_factory=list, max_length=10)
    preferred_channel: Channel | Blank = ""
    communication: Communication = Field(default_factory=Communication)
    demographics: Demographics = Field(default_factory=Demographics)
    locale: Line(16) = Field("", examples=["en-US"])
    time_zone: Line(64) = Field("", examples=["America/Chicago"])
    source: Source = Source.OTHER
    lifecycle_stage: LifecycleStage = LifecycleStage.PROSPECT
    tags: list[Line(40)] = Field(default_factory=list, max_length=50)
    notes: Text(20_000) = ""
    lead_score: int = Field(0, ge=0, le=100)
    atlas_sharing: AtlasSharing = Field(default_factory=AtlasSharing)
    accounting_customer_id: Line(64) = ""
    allow_duplicate: bool = Field(
        False, description="create even though a phone or email matches (audited)"
    )


class CustomerPutIn(CustomerIn):
    model_config = _example({**CUSTOMER_IN_EXAMPLE, "status": "active"}, forbid=True)
    status: Literal["active", "deactivated"] = "active"


class CustomerPatch(Schema):
    """Only the fields sent change; lists sent replace the customer's list."""

    model_config = _example(
        {"last_name": "Garcia-Lopez", "phones": [{"number": "+1 512 555 0142"}]}, forbid=True
    )
    type: CustomerType | None = None
    first_name: Line(100) | None = None
    last_name: Line(100) | None = None
    display_name: Line(200) | None = None
    company_id: UUID | None = None
    phones: list[PhoneIn] | None = Field(None, max_length=10)
    emails: list[EmailIn] | None = Field(None, max_length=10)
    addresses: list[AddressIn] | None = Field(None, max_length=10)
    preferred_channel: Channel | Blank | None = None
    communication: Communication | None = None
    demographics: Demographics | None = None
    locale: Line(16) | None = None
    time_zone: Line(64) | None = None
    source: Source | None = None
    lifecycle_stage: LifecycleStage | None = None
    status: Literal["active", "deactivated"] | None = None
    tags: list[Line(40)] | None = Field(None, max_length=50)
    notes: Text(20_000) | None = None
    lead_score: int | None = Field(None, ge=0, le=100)
    atlas_sharing: AtlasSharing | None = None
    accounting_customer_id: Line(64) | None = None
    allow_duplicate: bool = False


class CompanyRef(Schema):
    model_config = _config({"id": UUID_EXAMPLE, "name": "Garcia Landscaping LLC"})
    id: UUID
    name: str


class CustomerRef(Schema):
    """A customer in a few fields (matches, duplicates, owners)."""

    model_config = _config(
        {
            "id": UUID_EXAMPLE,
            "number": "C-0042",
            "display_name": "Maria Garcia",
            "status": "active",
            "primary_phone": "+15125550142",
            "primary_email": "maria.garcia@example.com",
        }
    )
    id: UUID
    number: str
    display_name: str
    status: CustomerStatus
    primary_phone: str
    primary_email: str


CUSTOMER_LIST_EXAMPLE = {
    "id": UUID_EXAMPLE,
    "number": "C-0042",
    "type": "individual",
    "display_name": "Maria Garcia",
    "first_name": "Maria",
    "last_name": "Garcia",
    "company": None,
    "primary_phone": "+15125550142",
    "primary_email": "maria.garcia@example.com",
    "status": "active",
    "lifecycle_stage": "customer",
    "segment": "active",
    "source": "phone_call",
    "tags": ["fleet"],
    "lead_score": 40,
    "last_visit_at": "2026-01-12T15:30:00-06:00",
    "created_at": "2025-03-02T10:00:00-06:00",
    "updated_at": "2026-01-12T15:31:00-06:00",
}


class CustomerListItem(Schema):
    model_config = _config(CUSTOMER_LIST_EXAMPLE)
    id: UUID
    number: str
    type: str
    display_name: str
    first_name: str
    last_name: str
    company: CompanyRef | None
    primary_phone: str
    primary_email: str
    status: str
    lifecycle_stage: str
    segment: Segment
    source: str
    tags: list[str]
    lead_score: int
    last_visit_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        if isinstance(obj, dict):  # a row of selectors.customer_page(rows=True)
            return obj["tags"]
        return [t.tag for t in obj.tags.all()]


class CustomerPage(Page[CustomerListItem]):
    close_matches: bool = Field(
        False,
        description="true when nothing matched `q` and the items are customers with a close "
        "name (a typo, a transposition) instead",
    )

    @classmethod
    def data_from_rows(cls, page: dict) -> dict:
        """The page from ``selectors.customer_page(rows=True)`` as the JSON-ready dict
        ``model_dump()`` would give, without building and validating 25 models only to
        dump them again: the rows come from the database with the types of these fields
        (a test checks the answer equals the validated one). The API renders it as it
        is (``core.api.json_response``)."""
        fields = LIST_ITEM_FIELDS
        return {
            "items": [{name: row[name] for name in fields} for row in page["items"]],
            "next_cursor": page["next_cursor"],
            "close_matches": page.get("close_matches", False),
        }


LIST_ITEM_FIELDS = tuple(CustomerListItem.model_fields)


class CustomerOut(CustomerListItem):
    model_config = _config(
        {
            **CUSTOMER_LIST_EXAMPLE,
            "phones": [PhoneOut.model_config["json_schema_extra"]["examples"][0]],
            "emails": [
                {"address": "maria.garcia@example.com", "kind": "personal", "primary": True}
            ],
            "addresses": [ADDRESS_EXAMPLE],
            "preferred_channel": "sms",
            "communication": {
                "opt_in_email": False,
                "opt_in_sms": True,
                "opt_in_mail": False,
                "do_not_contact": False,
            },
            "demographics": {"birth_date": "1984-06-02"},
            "locale": "es-US",
            "time_zone": "America/Chicago",
            "notes": "Prefers text messages.",
            "total_appointments": 4,
            "atlas_sharing": {"vehicles": False, "vendors": False},
            "accounting_customer_id": "",
            "archived_at": None,
            "merged_into_id": None,
        }
    )
    phones: list[PhoneOut]
    emails: list[EmailOut]
    addresses: list[AddressOut]
    preferred_channel: str
    communication: Communication
    demographics: dict[str, Any]
    locale: str
    time_zone: str
    notes: str
    total_appointments: int
    atlas_sharing: dict[str, bool]
    accounting_customer_id: str
    archived_at: dt.datetime | None
    merged_into_id: UUID | None

    @staticmethod
    def resolve_communication(obj) -> dict[str, bool]:
        return {
            "opt_in_email": obj.opt_in_email,
            "opt_in_sms": obj.opt_in_sms,
            "opt_in_mail": obj.opt_in_mail,
            "do_not_contact": obj.do_not_contact,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CustomerOut:
        """From ``selectors.customer_detail_row`` without validating again (the values
        come from the database with these fields' types; a test checks the answer equals
        the validated one, as ``CustomerPage.data_from_rows``)."""
        company = row["company"]
        values = {name: row[name] for name in cls.model_fields}
        values["company"] = company and CompanyRef.model_construct(**company)
        values["segment"] = Segment(row["segment"])
        values["phones"] = [PhoneOut.model_construct(**p) for p in row["phones"]]
        values["emails"] = [EmailOut.model_construct(**e) for e in row["emails"]]
        values["addresses"] = [AddressOut.model_construct(**a) for a in row["addresses"]]
        values["communication"] = Communication.model_construct(**row["communication"])
        return cls.model_construct(**values)

    @classmethod
    def data_from_row(cls, row: dict[str, Any]) -> dict[str, Any]:
        """What ``from_row(row).model_dump()`` gives, built directly as plain data for
        ``core.api.json_response`` (no models built only to be dumped again)."""

        def part(schema, value):
            return {name: value[name] for name in schema.model_fields}

        data = {name: row[name] for name in cls.model_fields}
        data["company"] = row["company"] and part(CompanyRef, row["company"])
        data["phones"] = [part(PhoneOut, p) for p in row["phones"]]
        data["emails"] = [part(EmailOut, e) for e in row["emails"]]
        data["addresses"] = [part(AddressOut, a) for a in row["addresses"]]
        data["communication"] = part(Communication, row["communication"])
        return data


class CustomerFilter(Schema):
    """Query parameters of ``GET /customers`` (the UI list and the export use the same)."""

    model_config = _example({"status": "active", "tag": "fleet", "has_vehicle": True})
    q: str | None = Field(
        None,
        max_length=200,
        description="name prefix, phone fragment (3+ digits: area code, last four,"
        " middle), email, C-number, company, tag, VIN or plate; several words narrow"
        " down (joh smi aus)",
    )
    status: str | None = Field(
        None,
        description="active, deactivated, archived (comma-separated) or all; default: not archived",
    )
    lifecycle_stage: LifecycleStage | None = None
    segment: Segment | None = None
    tag: str | None = Field(None, max_length=40)
    company_id: UUID | None = None
    source: Source | None = None
    has_vehicle: bool | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None


class MatchOut(CustomerRef):
    model_config = _config(
        {
            **CustomerRef.model_config["json_schema_extra"]["examples"][0],
            "matched_on": ["phone:+15125550142"],
            "score": 93,
        }
    )
    matched_on: list[str] = Field(description='"phone:+1…" or "email:…"; empty: name only')
    score: int = Field(description="name similarity 0–100")


class DuplicateProblemOut(ProblemOut):
    """409 of a create or update whose phone or email belongs to another customer."""

    model_config = _config(
        {
            "type": "https://frontdesk.dev/problems/conflict",
            "title": "Conflict",
            "status": 409,
            "detail": "A customer with this phone exists already: merge, or repeat with"
            ' "allow_duplicate": true.',
            "request_id": "4c1e…",
            "matches": [MatchOut.model_config["json_schema_extra"]["examples"][0]],
            "likely": [MatchOut.model_config["json_schema_extra"]["examples"][0]],
        }
    )
    matches: list[MatchOut] = Field(default_factory=list)
    likely: list[MatchOut] = Field(default_factory=list)


# --- notes, tags, merge, duplicates ------------------------------------------------------
class NoteIn(Schema):
    model_config = _example(
        {"body": "Asked for a quote on brake pads; call back Friday."}, forbid=True
    )
    body: Text(5_000) = Field(min_length=1)


class NoteOut(Schema):
    model_config = _config(
        {
            "id": UUID_EXAMPLE,
            "body": "Asked for a quote on brake pads; call back Friday.",
            "author_label": "ava@demo-auto.example",
            "created_at": "2026-01-12T15:31:00-06:00",
        }
    )
    id: UUID
    body: str
    author_label: str
    created_at: dt.datetime


class TagsIn(Schema):
    model_config = _example({"tags": ["vip", "fleet"]}, forbid=True)
    tags: list[Line(40)] = Field(min_length=1, max_length=50)


class TagsOut(Schema):
    model_config = _config({"tags": ["fleet", "vip"]})
    tags: list[str]


class MergeIn(Schema):
    model_config = _example({"duplicate_id": UUID_EXAMPLE, "dry_run": True}, forbid=True)
    duplicate_id: UUID
    dry_run: bool = Field(False, description="only report what would move")


class MergeOut(Schema):
    model_config = _config(
        {
            "survivor_id": UUID_EXAMPLE,
            "duplicate_id": "0b9a…",
            "dry_run": True,
            "moves": {"phones": 1, "notes": 3, "vehicles": 1},
            "fields": {"time_zone": "America/Chicago"},
            "survivor": None,
        }
    )
    survivor_id: UUID
    duplicate_id: UUID
    dry_run: bool
    moves: dict[str, int] = Field(description="relation → rows moved (or that would move)")
    fields: dict[str, Any] = Field(description="survivor fields taken from the duplicate")
    survivor: CustomerOut | None = None


class DuplicatePairOut(Schema):
    model_config = _config(
        {
            "reason": "phone",
            "value": "+15125550142",
            "score": 91,
            "a": CustomerRef.model_config["json_schema_extra"]["examples"][0],
            "b": CustomerRef.model_config["json_schema_extra"]["examples"][0],
        }
    )
    reason: Literal["phone", "email", "name_address"]
    value: str
    score: int = Field(description="name similarity 0–100")
    a: CustomerRef = Field(description="the older record")
    b: CustomerRef


class NotDuplicateIn(Schema):
    model_config = _example(
        {
            "customer_id": UUID_EXAMPLE,
            "other_id": "0b9a4c1e-2d3f-4a5b-8c7d-6e5f4a3b2c1d",
            "note": "Father and son, same house",
        },
        forbid=True,
    )
    customer_id: UUID
    other_id: UUID
    note: str = Field("", max_length=500)


class NotDuplicateOut(Schema):
    model_config = _config(
        {
            "id": UUID_EXAMPLE,
            "customer_a": CustomerRef.model_config["json_schema_extra"]["examples"][0],
            "customer_b": CustomerRef.model_config["json_schema_extra"]["examples"][0],
            "note": "Father and son, same house",
            "decided_by": "Dana Owner",
            "created_at": "2026-11-22T10:15:00+00:00",
        }
    )
    id: UUID
    customer_a: CustomerRef
    customer_b: CustomerRef
    note: str
    decided_by: str
    created_at: dt.datetime


# --- companies ---------------------------------------------------------------------------
COMPANY_EXAMPLE = {
    "name": "Garcia Landscaping LLC",
    "type": "business",
    "main_phone": "(512) 555-0188",
    "billing_address": {
        "street": "PO Box 42",
        "city": "Austin",
        "state": "TX",
        "postal_code": "78701",
        "country": "US",
    },
    "status": "active_customer",
}


class CompanyIn(Schema):
    model_config = _example(COMPANY_EXAMPLE, forbid=True)
    name: Line(200) = Field(min_length=1)
    type: CompanyType = CompanyType.BUSINESS
    main_phone: Line(40) = ""
    billing_address: BillingAddress | None = None
    primary_contact_id: UUID | None = None
    status: Literal["prospect", "active_customer", "inactive"] = "prospect"
    accounting_customer_id: Line(64) = ""


class CompanyPatch(Schema):
    model_config = _example({"status": "inactive"}, forbid=True)
    name: Line(200) | None = Field(None, min_length=1)
    type: CompanyType | None = None
    main_phone: Line(40) | None = None
    billing_address: BillingAddress | None = None
    primary_contact_id: UUID | None = None
    status: Literal["prospect", "active_customer", "inactive"] | None = None
    accounting_customer_id: Line(64) | None = None


class CompanyOut(Schema):
    model_config = _config(
        {
            **COMPANY_EXAMPLE,
            "id": UUID_EXAMPLE,
            "main_phone": "+15125550188",
            "primary_contact_id": None,
            "accounting_customer_id": "",
            "created_at": "2025-03-02T10:00:00-06:00",
            "updated_at": "2025-03-02T10:00:00-06:00",
        }
    )
    id: UUID
    name: str
    type: CompanyType
    main_phone: str
    billing_address: dict[str, Any]
    primary_contact_id: UUID | None
    status: CompanyStatus
    accounting_customer_id: str
    created_at: dt.datetime
    updated_at: dt.datetime


# --- vehicles ----------------------------------------------------------------------------
VEHICLE_EXAMPLE = {
    "vin": "1HGCM82633A004352",
    "year": 2003,
    "make": "Honda",
    "model": "Accord",
    "trim": "EX",
    "engine": "3.0L V6",
    "plate": "KHX 4821",
    "color": "Silver",
    "mileage": 148200,
}


class VehicleIn(Schema):
    model_config = _example(VEHICLE_EXAMPLE, forbid=True)
    vin: Line(40) | None = Field(
        None, description="17 characters, no I/O/Q; check digit verified for North-American VINs"
    )
    year: int | None = Field(None, ge=1886, le=2100)
    make: Line(50) = ""
    model: Line(50) = ""
    trim: Line(50) = ""
    engine: Line(100) = ""
    plate: Line(16) = ""
    color: Line(30) = ""
    mileage: int | None = Field(None, ge=0, le=5_000_000)


class VehiclePatch(Schema):
    model_config = _example({"mileage": 151000, "plate": "KHX 4822"}, forbid=True)
    vin: Line(40) | None = None
    year: int | None = Field(None, ge=1886, le=2100)
    make: Line(50) | None = None
    model: Line(50) | None = None
    trim: Line(50) | None = None
    engine: Line(100) | None = None
    plate: Line(16) | None = None
    color: Line(30) | None = None
    mileage: int | None = Field(None, ge=0, le=5_000_000)


class VehicleOut(Schema):
    model_config = _config(
        {
            **VEHICLE_EXAMPLE,
            "id": UUID_EXAMPLE,
            "created_at": "2025-03-02T10:00:00-06:00",
            "updated_at": "2025-03-02T10:00:00-06:00",
        }
    )
    id: UUID
    vin: str | None
    year: int | None
    make: str
    model: str
    trim: str
    engine: str
    plate: str
    color: str
    mileage: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


LINK_EXAMPLE = {
    "relationship": "owner",
    "purchase_date": "2021-05-14",
    "purchase_type": "used",
    "finance_type": "finance",
    "finance_company": "Capital Auto Credit",
    "estimated_payoff_date": "2026-05-14",
    "status": "active",
    "is_current": True,
    "is_serviced_here": True,
    "primary_driver": True,
    "annual_mileage": 12000,
}


class _LinkFields(Schema):
    relationship: VehicleRelationship = VehicleRelationship.OWNER
    purchase_date: dt.date | None = None
    purchase_type: PurchaseType | Blank = ""
    finance_type: FinanceType | Blank = ""
    finance_company: Line(100) = ""
    estimated_payoff_date: dt.date | None = None
    status: VehicleLinkStatus = VehicleLinkStatus.ACTIVE
    is_current: bool = True
    is_serviced_here: bool = True
    primary_driver: bool = False
    annual_mileage: int | None = Field(None, ge=0, le=1_000_000)


class CustomerVehicleIn(_LinkFields):
    """Link a new vehicle (``vehicle``) or an existing one (``vehicle_id``)."""

    model_config = _example({**LINK_EXAMPLE, "vehicle": VEHICLE_EXAMPLE}, forbid=True)
    vehicle: VehicleIn | None = None
    vehicle_id: UUID | None = None


class CustomerVehiclePatch(Schema):
    model_config = _example({"status": "sold", "is_current": False}, forbid=True)
    relationship: VehicleRelationship | None = None
    purchase_date: dt.date | None = None
    purchase_type: PurchaseType | Blank | None = None
    finance_type: FinanceType | Blank | None = None
    finance_company: Line(100) | None = None
    estimated_payoff_date: dt.date | None = None
    status: VehicleLinkStatus | None = None
    is_current: bool | None = None
    is_serviced_here: bool | None = None
    primary_driver: bool | None = None
    annual_mileage: int | None = Field(None, ge=0, le=1_000_000)


class CustomerVehicleOut(Schema):
    model_config = _config(
        {
            **LINK_EXAMPLE,
            "id": UUID_EXAMPLE,
            "customer_id": UUID_EXAMPLE,
            "vehicle": VehicleOut.model_config["json_schema_extra"]["examples"][0],
            "created_at": "2025-03-02T10:00:00-06:00",
        }
    )
    id: UUID
    customer_id: UUID
    vehicle: VehicleOut
    relationship: str
    purchase_date: dt.date | None
    purchase_type: str
    finance_type: str
    finance_company: str
    estimated_payoff_date: dt.date | None
    status: str
    is_current: bool
    is_serviced_here: bool
    primary_driver: bool
    annual_mileage: int | None
    created_at: dt.datetime


class VehicleOwnerOut(Schema):
    model_config = _config(
        {
            "customer": CustomerRef.model_config["json_schema_extra"]["examples"][0],
            "relationship": "owner",
            "status": "active",
            "is_current": True,
            "purchase_date": "2021-05-14",
            "created_at": "2025-03-02T10:00:00-06:00",
        }
    )
    customer: CustomerRef
    relationship: str
    status: str
    is_current: bool
    purchase_date: dt.date | None
    created_at: dt.datetime


class VehicleHistoryOut(Schema):
    model_config = _config(
        {
            "vehicle": VehicleOut.model_config["json_schema_extra"]["examples"][0],
            "owners": [VehicleOwnerOut.model_config["json_schema_extra"]["examples"][0]],
            "sections": {},
        }
    )
    vehicle: VehicleOut
    owners: list[VehicleOwnerOut]
    sections: dict[str, Any] = Field(
        description="one list per domain that registered (jobs, appointments, invoices…)"
    )


# --- the 360 -----------------------------------------------------------------------------
class PhoneConsentOut(Schema):
    model_config = _config(
        {
            "number": "+15125550142",
            "consent_to_call": True,
            "consent_at": "2026-01-31T09:00:00-06:00",
        }
    )
    number: str
    consent_to_call: bool
    consent_at: dt.datetime | None


class ConsentOut(Communication):
    model_config = _config(
        {
            "opt_in_email": True,
            "opt_in_sms": True,
            "opt_in_mail": False,
            "do_not_contact": False,
            "preferred_channel": "sms",
            "phones": [PhoneConsentOut.model_config["json_schema_extra"]["examples"][0]],
        }
    )
    preferred_channel: str
    phones: list[PhoneConsentOut]


class OverviewOut(Schema):
    model_config = _config(
        {
            "customer": CustomerOut.model_config["json_schema_extra"]["examples"][0],
            "consent": ConsentOut.model_config["json_schema_extra"]["examples"][0],
            "vehicles": [CustomerVehicleOut.model_config["json_schema_extra"]["examples"][0]],
            "recent_notes": [NoteOut.model_config["json_schema_extra"]["examples"][0]],
            "sections": {"appointments": []},
        }
    )
    customer: CustomerOut
    consent: ConsentOut
    vehicles: list[CustomerVehicleOut] = Field(description="current, active vehicles")
    recent_notes: list[NoteOut]
    sections: dict[str, Any] = Field(description="one entry per domain that registered a section")

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OverviewOut:
        """From ``overview.customer_overview_data`` without validating again (plain rows
        with these fields' types; a test checks the answer equals the validated one)."""
        consent = data["consent"]
        return cls.model_construct(
            customer=CustomerOut.from_row(data["customer"]),
            consent=ConsentOut.model_construct(
                **{
                    **consent,
                    "phones": [PhoneConsentOut.model_construct(**p) for p in consent["phones"]],
                }
            ),
            vehicles=[
                CustomerVehicleOut.model_construct(
                    **{**link, "vehicle": VehicleOut.model_construct(**link["vehicle"])}
                )
                for link in data["vehicles"]
            ],
            recent_notes=[NoteOut.model_construct(**note) for note in data["recent_notes"]],
            sections=data["sections"],
        )
