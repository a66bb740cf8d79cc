"""Request and response bodies of the messaging API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from frontdesk.messaging.choices import Category, Channel, Origin, Status

FORBID = ConfigDict(extra="forbid")
ChannelName = Literal["email", "sms"]
CategoryName = Literal["transactional", "marketing"]
HHMM = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["21:00"])


class MessageIn(Schema):
    """A message to one customer: ``body`` (and ``subject`` for email), or a template
    with its variables. Subject and body may use ``{{ first_name }}``-style placeholders.
    Who wrote it (``origin``) comes from the credential, not from here."""

    model_config = FORBID
    customer_id: UUID
    channel: ChannelName = Field(examples=["sms"])
    subject: str = Field("", max_length=200, examples=["Your car is ready"])
    body: str = Field("", max_length=100_000, examples=["Hi {{ first_name }}, your car is ready."])
    template_id: UUID | None = None
    variables: dict[str, Any] = Field(
        default_factory=dict, description="values for the template's placeholders"
    )
    category: CategoryName | None = Field(
        None,
        description="marketing needs the channel's opt-in and counts against the frequency "
        "cap; default: the template's, else transactional",
    )
    to: str | None = Field(
        None, max_length=254, description="one of the customer's addresses (default: primary)"
    )


class MessagePatch(Schema):
    model_config = FORBID
    subject: str | None = Field(None, max_length=200, examples=["Your car is ready"])
    body: str | None = Field(None, max_length=100_000, examples=["Hi, your car is ready."])


class ApproveIn(Schema):
    """Approve as is, or after editing (``subject``/``body``)."""

    model_config = FORBID
    subject: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=100_000)


class RejectIn(Schema):
    model_config = FORBID
    reason: str = Field(min_length=1, max_length=500, examples=["Wrong customer"])


class BulkApproveIn(Schema):
    model_config = FORBID
    ids: list[UUID] = Field(min_length=1, max_length=500)


class MessageOut(Schema):
    id: UUID
    customer_id: UUID
    channel: Channel
    category: Category
    origin: Origin
    status: Status
    to: str
    subject: str
    body: str
    template_id: UUID | None
    blocked_reason: str
    rejected_reason: str
    created_by_label: str
    approved_by_id: UUID | None
    approved_at: dt.datetime | None
    send_after: dt.datetime | None
    attempts: int
    last_error: str
    transport: str
    provider_id: str
    provider_status: str
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    failed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SkippedOut(Schema):
    id: UUID
    reason: str


class BulkApproveOut(Schema):
    approved: list[MessageOut]
    skipped: list[SkippedOut]


# --- templates -----------------------------------------------------------------------------
class TemplateIn(Schema):
    model_config = FORBID
    name: str = Field(min_length=1, max_length=100, examples=["Car ready"])
    channel: ChannelName = Field(examples=["sms"])
    category: CategoryName = "transactional"
    subject: str = Field("", max_length=200, examples=[""])
    body: str = Field(
        min_length=1, max_length=20_000, examples=["Hi {{ first_name }}, your car is ready."]
    )
    is_active: bool = True


class TemplatePatch(Schema):
    model_config = FORBID
    name: str | None = Field(None, min_length=1, max_length=100, examples=["Car ready"])
    category: CategoryName | None = None
    subject: str | None = Field(None, max_length=200)
    body: str | None = Field(None, min_length=1, max_length=20_000)
    is_active: bool | None = None


class TemplateOut(Schema):
    id: UUID
    name: str
    channel: Channel
    category: Category
    subject: str
    body: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class PreviewIn(Schema):
    model_config = FORBID
    customer_id: UUID
    variables: dict[str, Any] = Field(default_factory=dict)


class PreviewOut(Schema):
    subject: str
    body: str


# --- settings ------------------------------------------------------------------------------
class AutoSend(Schema):
    """Origins whose messages skip the approval queue (all off by default)."""

    model_config = FORBID
    automation: bool = False
    campaign: bool = False
    assistant: bool = False
    system: bool = False


class QuietHoursIn(Schema):
    model_config = FORBID
    start: str = HHMM
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["08:00"])

    @field_validator("end")
    @classmethod
    def _not_empty(cls, end: str, info) -> str:
        if info.data.get("start") == end:
            raise ValueError("Quiet hours end at another time than they start.")
        return end


class QuietHours(Schema):
    model_config = FORBID
    sms: QuietHoursIn | None = QuietHoursIn(start="21:00", end="08:00")
    email: QuietHoursIn | None = None


class FrequencyCap(Schema):
    model_config = FORBID
    max_messages: int = Field(3, ge=0, le=100, description="0: no cap")
    days: int = Field(7, ge=1, le=365)


class MessagingSettingsIn(Schema):
    """The whole of the organization's messaging settings (PUT replaces them)."""

    model_config = FORBID
    auto_send: AutoSend = Field(default_factory=AutoSend)
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    frequency_cap: FrequencyCap = Field(default_factory=FrequencyCap)
    email_from_name: str = Field("", max_length=100, examples=["Demo Auto Care"])
    email_from_address: str = Field("", max_length=254, examples=["service@demo-auto.example"])
    email_reply_to: str = Field("", max_length=254)
    sms_from: str = Field("", max_length=20, pattern=r"^(\+[1-9]\d{6,14})?$", examples=[""])
    sms_help_text: str = Field("", max_length=320)
    sms_stop_text: str = Field("", max_length=320)
    sms_start_text: str = Field("", max_length=320)
    notification_digest: bool = Field(
        False, description="a daily email to staff with their unread notifications"
    )

    @field_validator("email_from_address", "email_reply_to")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if value and ("@" not in value or any(c.isspace() for c in value)):
            raise ValueError("Enter an email address.")
        return value


class MessagingSettingsOut(Schema):
    auto_send: AutoSend
    quiet_hours: QuietHours
    frequency_cap: FrequencyCap
    email_from_name: str
    email_from_address: str
    email_reply_to: str
    sms_from: str
    sms_help_text: str
    sms_stop_text: str
    sms_start_text: str
    notification_digest: bool
    email_transport: str = Field(description="smtp, or outbox (no mail server configured)")
    sms_transport: str = Field(description="sms_api, or outbox (no SMS provider configured)")


# --- notifications -------------------------------------------------------------------------
class NotificationOut(Schema):
    id: UUID
    kind: str
    title: str
    body: str
    link: str
    read_at: dt.datetime | None
    created_at: dt.datetime


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None = None
    unread: int
