"""API shapes of webhook endpoints and deliveries. Secrets appear only in the answers of
create and rotate-secret."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict, StringConstraints

from frontdesk.integrations.webhooks.choices import DeliveryStatus, DeliveryTrigger

URL_EXAMPLE = "https://hooks.example.com/frontdesk"
EVENTS_EXAMPLE = ["customer.created", "appointment.booked"]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
EventName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: Url = Field(examples=[URL_EXAMPLE], description="http(s); not a private address")
    events: list[EventName] = Field(
        min_length=1,
        max_length=100,
        examples=[EVENTS_EXAMPLE],
        description='event types, "family.*" (e.g. "customer.*") or "*" for all',
    )
    description: Description = Field("", examples=["Our booking system"])
    active: bool = True


class WebhookPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    url: Url | None = Field(None, examples=[URL_EXAMPLE])
    events: list[EventName] | None = Field(
        None, min_length=1, max_length=100, examples=[EVENTS_EXAMPLE]
    )
    description: Description | None = Field(None, examples=["Our booking system"])
    active: bool | None = Field(None, description="false turns it off; true turns it back on")


class WebhookOut(Schema):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    url: str
    description: str
    events: list[str]
    active: bool
    disabled_reason: str
    disabled_at: dt.datetime | None
    consecutive_failures: int = Field(description="deliveries in a row that gave up")
    previous_secret_expires_at: dt.datetime | None = Field(
        description="until then the previous secret signs too (after a rotation)"
    )
    archived_at: dt.datetime | None = Field(description="set when the endpoint was deleted")
    created_at: dt.datetime
    updated_at: dt.datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="whsec_…: shown in this answer only; store it now")


class SecretOut(Schema):
    id: UUID
    secret: str = Field(description="the new whsec_… secret: shown in this answer only")
    previous_secret_expires_at: dt.datetime | None


class DeliveryOut(Schema):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    endpoint_id: UUID
    event_id: UUID = Field(description="the webhook-id header, the same on every attempt")
    event_type: str
    trigger: DeliveryTrigger
    replay_of_id: UUID | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    succeeded_at: dt.datetime | None
    response_status: int | None
    duration_ms: int | None
    error: str
    created_at: dt.datetime


class DeliveryDetailOut(DeliveryOut):
    body: str = Field(description="the JSON sent")
    response_body: str = Field(description="the first 64 KB of the latest answer")


class DeliveryFilter(Schema):
    status: DeliveryStatus | None = None
