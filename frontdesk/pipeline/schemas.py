"""API shapes of stages, leads, opportunities, interactions and reports (SPEC 4.3).

Input schemas forbid unknown fields and carry an example on every field (the tenancy
crawler builds its requests from them). Money is an integer of minor units in the
organization's currency (``StrictInt``: never a float); ``currency``, when given, must be
the organization's. Output times are in the organization's time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt

from frontdesk.core.api import Page
from frontdesk.customers.schemas import Line, Text
from frontdesk.pipeline.choices import (
    DisqualificationReason,
    DraftKind,
    FollowUpStatus,
    InteractionType,
    LeadSource,
    LeadStatus,
    LostReason,
    OpportunityStage,
)
from frontdesk.scheduling.times import org_zone

UUID_EXAMPLE = "6f1c2a9e-4d0b-4c55-9a51-2f0e8b7d3c11"
FORBID = ConfigDict(extra="forbid")
Money = StrictInt


def _local(value: dt.datetime | None, context: Any) -> dt.datetime | None:
    request = (context or {}).get("request")
    org = getattr(request, "org", None)
    if value is None or org is None:
        return value
    return value.astimezone(org_zone(org))


def _member_name(member) -> str | None:
    if member is None:
        return None
    return member.user.full_name or member.user.email


# --- references --------------------------------------------------------------------------
class CustomerRefOut(Schema):
    id: UUID
    number: str = Field(examples=["C-0042"])
    display_name: str = Field(examples=["Maria Garcia"])


class StaffRefOut(Schema):
    id: UUID
    name: str = Field(examples=["Ava Patel"])

    @staticmethod
    def resolve_name(obj) -> str:
        return _member_name(obj)


class StageOut(Schema):
    id: UUID
    key: str = Field(examples=["estimate_sent"])
    name: str = Field(examples=["Estimate sent"])
    position: int
    draft_kind: str = Field(examples=["estimate_pending"])


class StageIn(Schema):
    model_config = FORBID
    key: str = Field(examples=["estimate_sent"], max_length=40)
    name: Line(80) = Field(examples=["Quote sent"])
    draft_kind: DraftKind | None = Field(None, examples=["estimate_pending"])


class StagesIn(Schema):
    model_config = FORBID
    stages: list[StageIn] = Field(
        examples=[
            [{"key": "inquiry", "name": "Inquiry"}, {"key": "estimate_sent", "name": "Quote"}]
        ],
        description="the complete ordered list; a stage left out is retired (409 if open "
        "leads are in it); existing keys are renamed/reordered in place",
    )


class StagesOut(Schema):
    stages: list[StageOut]


# --- leads -------------------------------------------------------------------------------
class ContactIn(Schema):
    model_config = FORBID
    name: Line(200) | None = Field(None, examples=["Maria Garcia"])
    first_name: Line(100) | None = Field(None, examples=["Maria"])
    last_name: Line(100) | None = Field(None, examples=["Garcia"])
    phone: Line(40) | None = Field(None, examples=["+1 512 555 0142"])
    email: Line(254) | None = Field(None, examples=["maria@example.com"])


class LeadIn(Schema):
    model_config = FORBID
    title: Line(200) = Field(examples=["Brake noise, wants a quote"])
    source: LeadSource = Field(examples=["phone_call"])
    description: Text(10000) = Field("", examples=["Squeal from the front left at low speed."])
    customer_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    contact: ContactIn | None = Field(
        None,
        description="instead of customer_id: found by phone/email (a match is linked, "
        "never duplicated) or created as a prospect",
    )
    estimated_value: Money | None = Field(None, ge=0, examples=[45000])
    currency: str | None = Field(None, examples=["USD"])
    stage: str | None = Field(None, examples=["inquiry"], description="stage key or id")
    owner_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    expected_close_date: dt.date | None = Field(None, examples=["2026-12-15"])


class LeadPatch(Schema):
    model_config = FORBID
    title: Line(200) | None = Field(None, examples=["Brakes and rotors"])
    description: Text(10000) | None = Field(None, examples=["Also wants an oil change."])
    estimated_value: Money | None = Field(None, ge=0, examples=[62000])
    currency: str | None = Field(None, examples=["USD"])
    expected_close_date: dt.date | None = Field(None, examples=["2026-12-20"])
    customer_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])


class LeadOut(Schema):
    id: UUID
    number: str = Field(examples=["L-0042"])
    title: str
    description: str
    customer: CustomerRefOut | None
    source: str = Field(examples=["phone_call"])
    status: str = Field(examples=["new"])
    disqualification_reason: str
    disqualification_note: str
    estimated_value: int | None
    currency: str = Field(examples=["USD"])
    stage: StageOut
    expected_close_date: dt.date | None
    owner: StaffRefOut | None
    score: int
    converted_opportunity_id: UUID | None
    last_touch_at: dt.datetime
    stage_changed_at: dt.datetime | None
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_currency(obj, context) -> str:
        request = (context or {}).get("request")
        return getattr(getattr(request, "org", None), "currency", "") or ""

    @staticmethod
    def resolve_last_touch_at(obj, context):
        return _local(obj.last_touch_at, context)

    @staticmethod
    def resolve_created_at(obj, context):
        return _local(obj.created_at, context)


class MoveStageIn(Schema):
    model_config = FORBID
    stage: str = Field(examples=["estimate_sent"], description="stage key or id")


class AssignIn(Schema):
    model_config = FORBID
    owner_id: UUID | None = Field(examples=[UUID_EXAMPLE], description="null to unassign")


class DisqualifyIn(Schema):
    model_config = FORBID
    reason: DisqualificationReason | None = Field(examples=["budget"])
    note: Text(2000) = Field("", examples=["Went with a cheaper shop."])


class ConvertIn(Schema):
    model_config = FORBID
    name: Line(200) | None = Field(None, examples=["Front brakes, pads and rotors"])
    amount: Money | None = Field(None, ge=0, examples=[62000])
    close_date: dt.date | None = Field(None, examples=["2026-12-20"])
    owner_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])


class ScoreFactorOut(Schema):
    factor: str = Field(examples=["source"])
    points: int
    max: int
    detail: str


class ScoreOut(Schema):
    lead_id: UUID
    score: int = Field(examples=[63])
    breakdown: list[ScoreFactorOut]


class TouchpointOut(Schema):
    id: UUID
    type: str
    occurred_at: dt.datetime
    subject: str


class BoardColumnOut(Schema):
    stage: StageOut
    count: int = Field(description="open leads (new, working, qualified) in the stage")
    value: int = Field(
        description="their estimated value summed, in minor units", examples=[1250000]
    )
    leads: list[LeadOut] = Field(description="the first page of cards, newest first")
    next_cursor: str | None = Field(
        None, description="pass to GET /pipeline/board/{stage} as ?cursor= for more cards"
    )


class BoardOut(Schema):
    columns: list[BoardColumnOut]


class StaleLeadOut(Schema):
    lead: LeadOut
    last_touch_at: dt.datetime
    last_touchpoint: TouchpointOut | None
    business_days_cutoff: dt.datetime


class DraftIn(Schema):
    model_config = FORBID
    channel: Literal["email", "sms"] | None = Field(
        None, examples=["email"], description="default: email if the contact has one, else SMS"
    )


class DraftOut(Schema):
    message_id: UUID
    status: str = Field(examples=["pending_approval"])
    channel: str
    draft_kind: str = Field(examples=["estimate_pending"])
    subject: str
    body: str


# --- opportunities -----------------------------------------------------------------------
class OpportunityIn(Schema):
    model_config = FORBID
    name: Line(200) = Field(examples=["Fleet service contract"])
    customer_id: UUID = Field(examples=[UUID_EXAMPLE])
    amount: Money | None = Field(None, ge=0, examples=[250000])
    currency: str | None = Field(None, examples=["USD"])
    stage: OpportunityStage = Field(OpportunityStage.ESTIMATING, examples=["proposal_sent"])
    close_date: dt.date | None = Field(None, examples=["2026-12-31"])
    owner_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    lead_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])


class OpportunityPatch(Schema):
    model_config = FORBID
    name: Line(200) | None = Field(None, examples=["Fleet service, 12 vans"])
    amount: Money | None = Field(None, ge=0, examples=[300000])
    currency: str | None = Field(None, examples=["USD"])
    stage: OpportunityStage | None = Field(None, examples=["negotiating"])
    close_date: dt.date | None = Field(None, examples=["2027-01-15"])
    owner_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])


class OpportunityOut(Schema):
    id: UUID
    number: str = Field(examples=["O-0012"])
    name: str
    stage: str = Field(examples=["proposal_sent"])
    amount: int | None
    currency: str = Field(examples=["USD"])
    close_date: dt.date | None
    lost_reason: str
    lost_note: str
    lead_id: UUID | None
    customer: CustomerRefOut
    owner: StaffRefOut | None
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_currency(obj, context) -> str:
        request = (context or {}).get("request")
        return getattr(getattr(request, "org", None), "currency", "") or ""

    @staticmethod
    def resolve_created_at(obj, context):
        return _local(obj.created_at, context)


class WinIn(Schema):
    model_config = FORBID
    confirmation_token: str | None = Field(
        None, examples=["kq3…"], description="the token the first call returned"
    )
    confirm: bool = Field(False, examples=[False], description="owner/manager only")
    amount: Money | None = Field(None, ge=0, examples=[240000], description="final amount")


class WinPendingOut(Schema):
    confirmation_token: str
    expires_at: dt.datetime
    opportunity_id: UUID
    will: list[str]
    detail: str


class LoseIn(Schema):
    model_config = FORBID
    reason: LostReason | None = Field(examples=["price"])
    note: Text(2000) = Field("", examples=["Quoted 15% lower elsewhere."])
    reengage_in_days: int | None = Field(None, examples=[90])


# --- interactions ------------------------------------------------------------------------
class InteractionIn(Schema):
    model_config = FORBID
    type: InteractionType = Field(examples=["phone_call"])
    customer_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    lead_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    opportunity_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    occurred_at: dt.datetime | None = Field(None, examples=["2026-11-20T10:30:00-06:00"])
    direction: Literal["", "inbound", "outbound"] = Field("", examples=["outbound"])
    duration_s: int | None = Field(None, ge=0, examples=[240])
    subject: Line(200) = Field("", examples=["Called about the brake quote"])
    body: Text(20000) = Field("", examples=["Wants to book for next week."])
    outcome: str = Field("none", examples=["spoke"])
    sentiment: Literal["", "positive", "neutral", "negative"] = Field("", examples=["positive"])
    follow_up_date: dt.date | None = Field(None, examples=["2026-11-25"])
    staff_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    transcript: Text(200000) = Field("", examples=[""])
    summary: Text(5000) = Field("", examples=["Positive; book next week."])


class InteractionBulkIn(Schema):
    model_config = FORBID
    items: list[InteractionIn] = Field(min_length=1, max_length=500)


class ScheduleIn(Schema):
    model_config = FORBID
    type: InteractionType = Field(examples=["meeting"])
    occurred_at: dt.datetime = Field(
        examples=["2030-11-27T15:00:00-06:00"], description="in the future"
    )
    customer_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    lead_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    opportunity_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    subject: Line(200) = Field("", examples=["Walk-around of the estimate"])
    body: Text(20000) = Field("", examples=["Bring the printed estimate."])
    staff_id: UUID | None = Field(None, examples=[UUID_EXAMPLE])
    follow_up_date: dt.date | None = Field(
        None, examples=["2030-11-27"], description="default: the day of the touchpoint"
    )


class FollowUpPatch(Schema):
    model_config = FORBID
    follow_up_status: FollowUpStatus = Field(examples=["completed"])
    follow_up_date: dt.date | None = Field(None, examples=["2026-12-01"])


class InteractionOut(Schema):
    id: UUID
    type: str = Field(examples=["phone_call"])
    direction: str
    occurred_at: dt.datetime
    duration_s: int | None
    staff: StaffRefOut | None
    subject: str
    body: str
    outcome: str
    sentiment: str
    follow_up_date: dt.date | None
    follow_up_status: str
    customer: CustomerRefOut | None
    lead_id: UUID | None
    opportunity_id: UUID | None
    transcript: str
    summary: str
    scheduled: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_occurred_at(obj, context):
        return _local(obj.occurred_at, context)


def interaction_page_from_rows(page: dict[str, Any], *, org) -> Page[InteractionOut]:
    """The page of ``selectors.customer_timeline_page`` without validating it again: the
    rows come from the database with these fields' types (a test checks the answer
    equals the validated one); ``occurred_at`` in the organization's time zone, as the
    resolver gives it. Validation would cost more than the query."""
    zone = org_zone(org)
    refs: dict[tuple, Schema] = {}  # one reference per staff member and customer, shared

    def ref(schema: type[Schema], values: dict[str, Any] | None) -> Schema | None:
        if values is None:
            return None
        key = (schema, values["id"])
        if key not in refs:
            refs[key] = schema.model_construct(**values)
        return refs[key]

    items = [
        InteractionOut.model_construct(
            **{
                **row,
                "occurred_at": row["occurred_at"].astimezone(zone),
                "staff": ref(StaffRefOut, row["staff"]),
                "customer": ref(CustomerRefOut, row["customer"]),
            }
        )
        for row in page["items"]
    ]
    return Page[InteractionOut].model_construct(items=items, next_cursor=page["next_cursor"])


class InteractionBulkOut(Schema):
    items: list[InteractionOut]


# --- filters and reports -----------------------------------------------------------------
class LeadFilter(Schema):
    status: LeadStatus | None = None
    stage: str | None = Field(None, description="stage key or id")
    owner_id: UUID | None = None
    source: LeadSource | None = None
    customer_id: UUID | None = None
    q: str | None = Field(None, max_length=200, description="title, number, description, name")


class OpportunityFilter(Schema):
    stage: (
        Literal["open", "estimating", "proposal_sent", "negotiating", "scheduled", "won", "lost"]
        | None
    ) = None
    owner_id: UUID | None = None
    customer_id: UUID | None = None
    q: str | None = Field(None, max_length=200)


class InteractionFilter(Schema):
    text: str | None = Field(None, max_length=200, description="subject, body, summary")
    type: InteractionType | None = None
    staff_id: UUID | None = None
    since: dt.datetime | None = Field(None, description="occurred at or after")
    until: dt.datetime | None = Field(None, description="occurred before")
    follow_up_status: FollowUpStatus | None = None
    customer_id: UUID | None = None
    lead_id: UUID | None = None
    opportunity_id: UUID | None = None


class CountValue(Schema):
    count: int
    value: int


class PipelineReportOut(Schema):
    week: str = Field(examples=["2026-W47"])
    starts_at: dt.datetime
    ends_at: dt.datetime
    currency: str
    new_leads: int
    new_leads_by_source: dict[str, int]
    in_follow_up: dict[str, Any]
    proposals_out: CountValue
    won: CountValue
    lost: CountValue
    oldest_open_lead: dict[str, Any] | None
    open_by_stage: list[dict[str, Any]]


class WinLossReportOut(Schema):
    month: str = Field(examples=["2026-11"])
    currency: str
    won: CountValue
    lost: CountValue
    disqualified_leads: int
    win_rate: float | None
    lost_by_reason: dict[str, int]
    top_sources: list[dict[str, Any]]
    average_days_to_close: float | None


class SourcesReportOut(Schema):
    currency: str
    since: dt.date | None
    until: dt.date | None
    sources: list[dict[str, Any]]
    latest_lead_at: dt.datetime | None
