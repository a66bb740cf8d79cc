"""API shapes of inquiries. Input schemas forbid unknown fields (the public form allows
its honeypot field) and carry an example on every field (the crawler builds requests
from them)."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from frontdesk.customers.schemas import Line, Text
from frontdesk.inquiries.choices import InquiryStatus

UUID_EXAMPLE = "6f1c2a9e-4d0b-4c55-9a51-2f0e8b7d3c11"
FORBID = ConfigDict(extra="forbid")


class InquiryIn(Schema):
    """The website form. ``website`` is the honeypot: a hidden field people never fill."""

    model_config = FORBID
    name: Line(200) = Field("", examples=["Maria Garcia"])
    email: Line(254) = Field("", examples=["maria.garcia@example.com"])
    phone: Line(40) = Field("", examples=["(512) 555-0142"])
    business: Line(200) = Field("", examples=["Garcia Landscaping"])
    message: Text(5000) = Field("", examples=["Can you look at the brakes of our two vans?"])
    consent: bool = Field(False, examples=[True], description="agrees to be contacted")
    website: str = Field("", max_length=500, examples=[""], description="honeypot: leave empty")


class InquiryAck(Schema):
    received: bool = True
    message: str = Field(examples=["Thank you: we will get back to you shortly."])


class InquiryAssigneeOut(Schema):
    id: UUID
    name: str


class InquiryOut(Schema):
    id: UUID
    number: str
    status: InquiryStatus
    name: str
    email: str
    phone: str
    business: str
    message: str
    consent: bool
    customer_id: UUID
    customer_number: str = Field(alias="customer.number")
    lead_id: UUID | None
    lead_number: str | None = None
    interaction_id: UUID | None
    assignee: InquiryAssigneeOut | None = None
    resolution: str
    resolution_note: str
    replied_at: dt.datetime | None
    resolved_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_lead_number(obj) -> str | None:
        return obj.lead.number if obj.lead_id else None

    @staticmethod
    def resolve_assignee(obj) -> dict | None:
        if not obj.assignee_id:
            return None
        user = obj.assignee.user
        return {"id": obj.assignee_id, "name": user.full_name or user.email}


class InquiryAssignIn(Schema):
    model_config = FORBID
    assignee_id: UUID = Field(examples=[UUID_EXAMPLE], description="a staff member (membership)")


class InquiryReplyIn(Schema):
    model_config = FORBID
    channel: Literal["email", "sms"] = Field(examples=["email"])
    subject: Line(200) = Field("", examples=["About your brakes"])
    body: Text(5000) = Field(min_length=1, examples=["Hi Maria, we can see both vans on Tuesday."])


class InquiryReplyOut(Schema):
    inquiry: InquiryOut
    message_id: UUID
    message_status: str


class InquiryResolveIn(Schema):
    model_config = FORBID
    resolution: Literal["converted", "lost"] = Field(examples=["converted"])
    note: Text(2000) = Field("", examples=["Booked both vans for Tuesday."])
