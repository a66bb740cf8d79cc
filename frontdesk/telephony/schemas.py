"""API shapes of calls, the missed-call queue and the telephony settings."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt

from frontdesk.customers.schemas import Line, Text
from frontdesk.telephony.choices import CallDirection, CallStatus

UUID_EXAMPLE = "6f1c2a9e-4d0b-4c55-9a51-2f0e8b7d3c11"


class CallIn(Schema):
    """One call event from the telephony provider."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    call_id: Line(100) = Field(min_length=1, examples=["CA9f2c1e0b7d"])
    from_: Line(40) = Field(alias="from", examples=["+15125550142"])
    to: Line(40) = Field(examples=["+15125550100"])
    direction: Literal["inbound", "outbound"] = Field(examples=["inbound"])
    status: Literal["completed", "missed", "no_answer", "busy", "voicemail"] = Field(
        examples=["missed"]
    )
    started_at: dt.datetime = Field(examples=["2026-03-02T09:14:00-06:00"])
    duration_s: StrictInt = Field(0, ge=0, le=86400, examples=[0])
    recording_url: Line(1000) = Field("", examples=["https://calls.example/rec/CA9f2c1e0b7d.mp3"])
    transcript: Text(50000) = Field("", examples=["Hi, it's Maria, calling about my brakes."])


class CallCustomerOut(Schema):
    id: UUID
    number: str
    display_name: str


class CallOut(Schema):
    id: UUID
    call_id: str
    from_number: str
    to_number: str
    direction: CallDirection
    status: CallStatus
    started_at: dt.datetime
    duration_s: int
    recording_url: str
    transcript: str
    customer: CallCustomerOut
    created_customer: bool
    interaction_id: UUID | None
    missed: bool
    handled_at: dt.datetime | None
    handled_how: str
    handled_by_id: UUID | None
    sms_message_id: UUID | None
    overdue_notified_at: dt.datetime | None


class MissedCallSmsIn(Schema):
    model_config = ConfigDict(extra="forbid")
    template_id: UUID | None = Field(None, examples=[None], description="an SMS template")
    body: Text(1000) = Field(
        "",
        examples=["Hi Maria, sorry we missed you. Want us to call back at 2?"],
        description="the text; empty for the template or the organization's default",
    )


class MissedCallSmsOut(Schema):
    call: CallOut
    message_id: UUID
    message_status: str


class MissedCallHandledIn(Schema):
    model_config = ConfigDict(extra="forbid")
    note: Text(2000) = Field("", examples=["Called back, booked for Tuesday."])


class TelephonySettingsOut(Schema):
    missed_call_target_minutes: int
    sms_text: str
    has_signing_secret: bool
    secret_hint: str

    @staticmethod
    def resolve_has_signing_secret(obj) -> bool:
        return bool(obj.secret_hint)


class TelephonySettingsPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    missed_call_target_minutes: StrictInt | None = Field(None, ge=1, le=1440, examples=[15])
    sms_text: Text(1000) | None = Field(None, examples=["Sorry we missed your call!"])


class TelephonySecretOut(Schema):
    signing_secret: str = Field(description="shown once; give it to the telephony provider")
