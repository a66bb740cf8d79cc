"""API shapes of bays, closures, appointments, availability, the calendar, jobs and
recommendations.

Input schemas forbid unknown fields and carry an example on every field (the tenancy
crawler builds its requests from them). Times are ISO 8601: with an offset they are
exact instants; without one they are the organization's wall-clock time (see
``times.py``). Output times are in the organization's time zone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from frontdesk.core.api import ProblemOut
from frontdesk.customers.schemas import Line, Text
from frontdesk.scheduling.choices import (
    PENDING_FOLLOW_UPS,
    BayKind,
    FollowUpStatus,
    JobLineKind,
    JobStatus,
    RecommendationStatus,
    Urgency,
)
from frontdesk.scheduling.times import org_zone

UUID_EXAMPLE = "6f1c2a9e-4d0b-4c55-9a51-2f0e8b7d3c11"
FORBID = ConfigDict(extra="forbid")


def _local(value: dt.datetime | None, context: Any) -> dt.datetime | None:
    request = (context or {}).get("request")
    org = getattr(request, "org", None)
    if value is None or org is None:
        return value
    return value.astimezone(org_zone(org))


# --- references --------------------------------------------------------------------------
class CustomerRefOut(Schema):
    id: UUID
    number: str = Field(examples=["C-0042"])
    display_name: str = Field(examples=["Maria Garcia"])


class VehicleRefOut(Schema):
    id: UUID
    label: str = Field(examples=["2019 Honda Accord (ABC 123)"])

    @staticmethod
    def resolve_label(obj) -> str:
        label = str(obj)
        return f"{label} ({obj.plate})" if obj.plate and obj.plate not in label else label


class AdvisorRefOut(Schema):
    id: UUID
    name: str = Field(examples=["Ava Patel"])

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.user.full_name or obj.user.email


class BayRefOut(Schema):
    id: UUID
    name: str = Field(examples=["Bay 2"])


# --- bays, closures, settings ------------------------------------------------------------
class BayIn(Schema):
    model_config = FORBID
    name: Line(80) = Field(examples=["Bay 3"])
    kind: BayKind = Field(BayKind.BAY, examples=["lift"])
    active: bool = Field(True, examples=[True])
    position: int = Field(0, ge=0, le=999, examples=[3])


class BayPatch(Schema):
    model_config = FORBID
    name: Line(80) | None = Field(None, examples=["Alignment lift"])
    kind: BayKind | None = Field(None, examples=["lift"])
    active: bool | None = Field(None, examples=[False])
    position: int | None = Field(None, ge=0, le=999, examples=[1])


class BayOut(Schema):
    id: UUID
    name: str = Field(examples=["Bay 3"])
    kind: str = Field(examples=["lift"])
    active: bool
    position: int
    created_at: dt.datetime

    @staticmethod
    def resolve_created_at(obj, context) -> dt.datetime:
        return _local(obj.created_at, context)


class ClosureIn(Schema):
    model_config = FORBID
    start_date: dt.date = Field(examples=["2026-12-24"])
    end_date: dt.date | None = Field(
        None, examples=["2026-12-26"], description="inclusive; default: start_date"
    )
    reason: Line(200) = Field(examples=["Holidays"])


class ClosurePatch(Schema):
    model_config = FORBID
    start_date: dt.date | None = Field(None, examples=["2026-12-24"])
    end_date: dt.date | None = Field(None, examples=["2026-12-27"])
    reason: Line(200) | None = Field(None, examples=["Holidays and inventory"])


class ClosureOut(Schema):
    id: UUID
    start_date: dt.date
    end_date: dt.date
    reason: str = Field(examples=["Holidays"])
    booked: int | None = Field(
        None, description="active appointments on these days (after a change), to move"
    )

    @staticmethod
    def resolve_booked(obj) -> int | None:
        return getattr(obj, "booked", None)


class SchedulingSettingsPatch(Schema):
    model_config = FORBID
    slot_minutes: int | None = Field(None, examples=[30], description="grid of start times")
    buffer_minutes: int | None = Field(None, examples=[10], description="kept free between")
    default_duration_minutes: int | None = Field(None, examples=[60])
    reminder_lead_hours: int | None = Field(None, examples=[24])
    declined_follow_up_days: int | None = Field(None, examples=[30])
    online_min_notice_minutes: int | None = Field(None, examples=[120])
    online_max_days_ahead: int | None = Field(None, examples=[90])


class SchedulingSettingsOut(Schema):
    slot_minutes: int = Field(examples=[30])
    buffer_minutes: int = Field(examples=[0])
    default_duration_minutes: int = Field(examples=[60])
    reminder_lead_hours: int = Field(examples=[24])
    declined_follow_up_days: int = Field(examples=[30])
    online_min_notice_minutes: int = Field(examples=[120])
    online_max_days_ahead: int = Field(examples=[90])


# --- appointments ------------------------------------------------------------------------
STARTS_AT = Field(
    examples=["2030-01-02T10:00:00"],
    description="with an offset: that instant; without: the organization's wall clock",
)


class AppointmentIn(Schema):
    model_config = FORBID
    customer_id: UUID
    vehicle_id: UUID | None = Field(None, description="required where the business uses vehicles")
    advisor_id: UUID | None = None
    bay_id: UUID | None = None
    starts_at: dt.datetime = STARTS_AT
    ends_at: dt.datetime | None = Field(None, examples=["2030-01-02T11:00:00"])
    duration_min: int | None = Field(
        None, ge=1, le=1440, examples=[60], description="instead of ends_at"
    )
    requested_services: list[Line(200)] = Field(
        default_factory=list, max_length=20, examples=[["Oil change", "Tire rotation"]]
    )
    notes: Text(5000) = Field("", examples=["Customer waits in the lounge."])
    status: Literal["draft", "confirmed"] = Field("draft", examples=["confirmed"])


class AppointmentPatch(Schema):
    model_config = FORBID
    starts_at: dt.datetime | None = Field(None, examples=["2030-01-02T14:00:00"])
    ends_at: dt.datetime | None = Field(None, examples=["2030-01-02T15:00:00"])
    duration_min: int | None = Field(None, ge=1, le=1440, examples=[90])
    bay_id: UUID | None = Field(None, description="null frees the bay")
    advisor_id: UUID | None = Field(None, description="null frees the advisor")
    vehicle_id: UUID | None = None
    requested_services: list[Line(200)] | None = Field(
        None, max_length=20, examples=[["Brake inspection"]]
    )
    notes: Text(5000) | None = Field(None, examples=["Moved at the customer's request."])


class CancelIn(Schema):
    model_config = FORBID
    reason: Line(200) = Field("", examples=["Customer called: car sold."])


class AppointmentOut(Schema):
    id: UUID
    number: str = Field(examples=["A-0042"])
    status: str = Field(examples=["confirmed"])
    source: str = Field(examples=["staff"])
    customer: CustomerRefOut
    vehicle: VehicleRefOut | None
    advisor: AdvisorRefOut | None
    bay: BayRefOut | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    duration_min: int
    requested_services: list[str]
    notes: str
    cancel_reason: str
    confirmed_at: dt.datetime | None
    closed_at: dt.datetime | None
    reminder_queued_at: dt.datetime | None
    job_id: UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_duration_min(obj) -> int:
        return int((obj.ends_at - obj.starts_at).total_seconds() // 60)

    @staticmethod
    def resolve_job_id(obj) -> UUID | None:
        job = getattr(obj, "job", None)
        return job.pk if job else None

    @staticmethod
    def resolve_starts_at(obj, context):
        return _local(obj.starts_at, context)

    @staticmethod
    def resolve_ends_at(obj, context):
        return _local(obj.ends_at, context)

    @staticmethod
    def resolve_confirmed_at(obj, context):
        return _local(obj.confirmed_at, context)

    @staticmethod
    def resolve_closed_at(obj, context):
        return _local(obj.closed_at, context)

    @staticmethod
    def resolve_reminder_queued_at(obj, context):
        return _local(obj.reminder_queued_at, context)

    @staticmethod
    def resolve_created_at(obj, context):
        return _local(obj.created_at, context)

    @staticmethod
    def resolve_updated_at(obj, context):
        return _local(obj.updated_at, context)


class ConflictOut(Schema):
    id: UUID
    number: str = Field(examples=["A-0041"])
    resource: Literal["bay", "advisor"]
    starts_at: dt.datetime
    ends_at: dt.datetime


class ConflictProblemOut(ProblemOut):
    """409: the bay or advisor is taken (``conflict`` names the appointment holding it),
    or a state-machine violation."""

    conflict: ConflictOut | None = None


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    bay_ids: list[UUID] = Field(description="bays free for the whole slot")
    advisor_ids: list[UUID] = Field(description="advisors free for the whole slot")


class AvailabilityOut(Schema):
    date: dt.date
    time_zone: str = Field(examples=["America/Chicago"])
    duration_min: int
    closed: str | None = Field(None, description="why the day has no slots, if closed")
    slots: list[SlotOut]


class CalendarCustomer(Schema):
    id: UUID
    number: str
    display_name: str


class CalendarVehicle(Schema):
    id: UUID
    label: str


class CalendarItem(Schema):
    id: UUID
    number: str
    status: str
    source: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    bay_id: UUID | None
    advisor_id: UUID | None
    customer: CalendarCustomer
    vehicle: CalendarVehicle | None
    requested_services: list[str]


class CalendarColumn(Schema):
    key: str | None = Field(description="the day, bay id or advisor id; null: unassigned")
    label: str
    appointments: list[CalendarItem]


class CalendarOut(Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date
    by: str
    time_zone: str
    columns: list[CalendarColumn]


# --- jobs --------------------------------------------------------------------------------
class JobLineIn(Schema):
    model_config = FORBID
    kind: JobLineKind = Field(JobLineKind.SERVICE, examples=["part"])
    description: Line(300) = Field(examples=["Brake pads, front"])
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=9, decimal_places=2, examples=["1.5"])
    unit_price: int = Field(0, ge=0, le=10**12, examples=[4500], description="minor units")


class JobLinePatch(Schema):
    model_config = FORBID
    kind: JobLineKind | None = Field(None, examples=["service"])
    description: Line(300) | None = Field(None, examples=["Brake pads, front axle"])
    quantity: Decimal | None = Field(None, gt=0, max_digits=9, decimal_places=2, examples=["2"])
    unit_price: int | None = Field(None, ge=0, le=10**12, examples=[4900])


class JobLineOut(Schema):
    id: UUID
    kind: str
    description: str
    quantity: Decimal = Field(examples=["1.50"])
    unit_price: int = Field(description="minor units")
    total: int = Field(description="quantity × unit_price, rounded half-up, minor units")

    @staticmethod
    def resolve_total(obj) -> int:
        return obj.total


class JobIn(Schema):
    model_config = FORBID
    customer_id: UUID
    vehicle_id: UUID | None = None
    advisor_id: UUID | None = None
    concern: Text(5000) = Field("", examples=["Squeaking brakes when cold."])
    lines: list[JobLineIn] = Field(default_factory=list, max_length=200)


class JobPatch(Schema):
    model_config = FORBID
    concern: Text(5000) | None = Field(None, examples=["Squeak from the front left."])
    vehicle_id: UUID | None = None
    advisor_id: UUID | None = None
    status: JobStatus | None = Field(None, examples=["in_progress"])


class RecommendationOut(Schema):
    id: UUID
    job_id: UUID
    job_number: str = Field(examples=["J-0311"])
    customer: CustomerRefOut
    vehicle: VehicleRefOut | None
    description: str = Field(examples=["Replace cabin air filter"])
    estimated_price: int = Field(description="minor units")
    urgency: str = Field(examples=["medium"])
    status: str = Field(examples=["declined"])
    decided_at: dt.datetime | None
    follow_up_status: str = Field(examples=["open"])
    due_date: dt.date | None
    overdue: bool = Field(description="still to chase and due before today")
    appointment_id: UUID | None = Field(description="the appointment it was booked into")
    created_at: dt.datetime

    @staticmethod
    def resolve_job_number(obj) -> str:
        return obj.job.number

    @staticmethod
    def resolve_overdue(obj, context) -> bool:
        request = (context or {}).get("request")
        org = getattr(request, "org", None)
        if obj.status != RecommendationStatus.DECLINED or obj.due_date is None or org is None:
            return False
        today = dt.datetime.now(org_zone(org)).date()
        return obj.follow_up_status in PENDING_FOLLOW_UPS and obj.due_date < today

    @staticmethod
    def resolve_decided_at(obj, context):
        return _local(obj.decided_at, context)

    @staticmethod
    def resolve_created_at(obj, context):
        return _local(obj.created_at, context)


class JobOut(Schema):
    id: UUID
    number: str = Field(examples=["J-0311"])
    status: str = Field(examples=["open"])
    customer: CustomerRefOut
    vehicle: VehicleRefOut | None
    advisor: AdvisorRefOut | None
    appointment_id: UUID | None
    concern: str
    lines: list[JobLineOut]
    total: int = Field(description="sum of the lines, minor units")
    currency: str = Field(examples=["USD"])
    recommendations: list[RecommendationOut]
    completed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_total(obj) -> int:
        return obj.total

    @staticmethod
    def resolve_currency(obj, context) -> str:
        request = (context or {}).get("request")
        return getattr(getattr(request, "org", None), "currency", "")

    @staticmethod
    def resolve_recommendations(obj):
        return list(obj.recommendations.all())

    @staticmethod
    def resolve_completed_at(obj, context):
        return _local(obj.completed_at, context)

    @staticmethod
    def resolve_created_at(obj, context):
        return _local(obj.created_at, context)

    @staticmethod
    def resolve_updated_at(obj, context):
        return _local(obj.updated_at, context)


class JobListItem(JobOut):
    recommendations: list[RecommendationOut] = Field(
        default_factory=list, description="not listed here: GET /jobs/{id}"
    )

    @staticmethod
    def resolve_recommendations(obj):
        return []


# --- recommendations ---------------------------------------------------------------------
class RecommendationIn(Schema):
    model_config = FORBID
    description: Line(300) = Field(examples=["Replace cabin air filter"])
    estimated_price: int = Field(0, ge=0, le=10**12, examples=[4500], description="minor units")
    urgency: Urgency = Field(Urgency.MEDIUM, examples=["medium"])
    due_date: dt.date | None = Field(None, examples=["2030-03-01"])


class RecommendationPatch(Schema):
    model_config = FORBID
    description: Line(300) | None = Field(None, examples=["Replace cabin and engine air filter"])
    estimated_price: int | None = Field(None, ge=0, le=10**12, examples=[6900])
    urgency: Urgency | None = Field(None, examples=["high"])
    follow_up_status: FollowUpStatus | None = Field(None, examples=["contacted"])
    due_date: dt.date | None = Field(None, examples=["2030-03-15"])


class DeclineIn(Schema):
    model_config = FORBID
    due_date: dt.date | None = Field(
        None, examples=["2030-03-01"], description="default: in declined_follow_up_days"
    )


class RecommendationBookIn(Schema):
    model_config = FORBID
    starts_at: dt.datetime = STARTS_AT
    ends_at: dt.datetime | None = Field(None, examples=["2030-01-02T11:00:00"])
    duration_min: int | None = Field(None, ge=1, le=1440, examples=[60])
    bay_id: UUID | None = None
    advisor_id: UUID | None = None
    notes: Text(5000) = Field("", examples=["Customer agreed on the phone."])
    status: Literal["draft", "confirmed"] = Field("draft", examples=["confirmed"])


# --- public ------------------------------------------------------------------------------
class PublicSlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime


class PublicAvailabilityOut(Schema):
    date: dt.date
    time_zone: str = Field(examples=["America/Chicago"])
    duration_min: int
    closed: str | None
    slots: list[PublicSlotOut]


class PublicVehicleIn(Schema):
    model_config = FORBID
    year: int | None = Field(None, ge=1900, le=2100, examples=[2019])
    make: Line(50) = Field("", examples=["Honda"])
    model: Line(50) = Field("", examples=["Accord"])
    plate: Line(16) = Field("", examples=["ABC 123"])


class AppointmentRequestIn(Schema):
    model_config = FORBID
    first_name: Line(100) = Field(min_length=1, examples=["Maria"])
    last_name: Line(100) = Field("", examples=["Garcia"])
    phone: Line(40) = Field("", examples=["(512) 555-0142"])
    email: Line(254) = Field("", examples=["maria.garcia@example.com"])
    starts_at: dt.datetime = Field(
        examples=["2030-01-02T10:00:00-06:00"], description="a start the availability offered"
    )
    requested_services: list[Line(200)] = Field(
        default_factory=list, max_length=10, examples=[["Oil change"]]
    )
    notes: Text(2000) = Field("", examples=["Rattle from the back."])
    vehicle: PublicVehicleIn | None = None


class AppointmentRequestOut(Schema):
    received: bool = True
    starts_at: dt.datetime
    ends_at: dt.datetime
    message: str = Field(examples=["Thank you: we will confirm your appointment shortly."])
