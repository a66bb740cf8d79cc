"""Request and response shapes of ``/api/crm/loyalty``."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt

from frontdesk.customers.schemas import Line

FORBID = ConfigDict(extra="forbid")


class LoyaltySettingsOut(Schema):
    earn_rate: int = Field(examples=[1], description="points per whole currency unit paid")
    point_value: int = Field(examples=[1], description="minor units a point is worth")
    silver: int = Field(examples=[500], description="lifetime points for Silver")
    gold: int = Field(examples=[2000])
    platinum: int = Field(examples=[5000])
    expiry_days: int | None = Field(examples=[365], description="null: points never expire")


class LoyaltySettingsPatch(Schema):
    model_config = FORBID
    earn_rate: StrictInt | None = Field(None, examples=[2])
    point_value: StrictInt | None = Field(None, examples=[1])
    silver: StrictInt | None = Field(None, examples=[500])
    gold: StrictInt | None = Field(None, examples=[2000])
    platinum: StrictInt | None = Field(None, examples=[5000])
    expiry_days: StrictInt | None = Field(None, examples=[365], description="null: never")


class RewardIn(Schema):
    model_config = FORBID
    name: Line(120) = Field(examples=["Free car wash"])
    description: str = Field("", max_length=2000, examples=["Exterior wash and dry"])
    points_cost: StrictInt = Field(ge=1, le=10_000_000, examples=[500])
    active: bool = Field(True, examples=[True])


class RewardPatch(Schema):
    model_config = FORBID
    name: Line(120) | None = Field(None, examples=["Free interior detail"])
    description: str | None = Field(None, max_length=2000, examples=["Vacuum and wipe-down"])
    points_cost: StrictInt | None = Field(None, ge=1, le=10_000_000, examples=[750])
    active: bool | None = Field(None, examples=[False])


class RewardOut(Schema):
    id: UUID
    name: str = Field(examples=["Free car wash"])
    description: str
    points_cost: int = Field(examples=[500])
    active: bool
    created_at: dt.datetime


class PointsAddIn(Schema):
    model_config = FORBID
    points: StrictInt = Field(ge=1, le=10_000_000, examples=[100])
    reason: Line(300) = Field(examples=["Sorry for the wait on your last visit"])


class PointsRedeemIn(Schema):
    """Either ``reward_id`` (spends the reward's cost) or ``invoice_id`` with ``points``
    (a discount on that invoice, as a ``loyalty_redemption`` credit note)."""

    model_config = FORBID
    reward_id: UUID | None = Field(None, examples=["3fa85f64-5717-4562-b3fc-2c963f66afa6"])
    invoice_id: UUID | None = Field(None, examples=[None])
    points: StrictInt | None = Field(None, ge=1, le=10_000_000, examples=[None])
    note: Line(200) = Field("", examples=["Redeemed at the counter"])


class PointsEntryOut(Schema):
    id: UUID
    customer_id: UUID
    kind: str = Field(examples=["earn"])
    points: int = Field(examples=[42], description="signed: spending is negative")
    reason: str
    invoice_id: UUID | None
    credit_note_id: UUID | None
    reward_id: UUID | None
    reward_name: str | None = None
    created_by: str = Field(examples=["Maria Lopez"])
    created_at: dt.datetime

    @staticmethod
    def resolve_reward_name(obj) -> str | None:
        return obj.reward.name if obj.reward_id else None

    @staticmethod
    def resolve_created_by(obj) -> str:
        return obj.created_by_label


class LoyaltyOut(Schema):
    customer_id: UUID
    customer_number: str = Field(examples=["C-0042"])
    balance: int = Field(examples=[1250], description="points that can be spent now")
    lifetime_points: int = Field(examples=[2300], description="what the tier is based on")
    tier: str = Field(examples=["gold"])
    next_tier: str | None = Field(examples=["platinum"])
    points_to_next_tier: int = Field(examples=[2700])
    point_value: int = Field(examples=[1], description="minor units a point is worth")
    history: list[PointsEntryOut]


class PointsEntryCreatedOut(Schema):
    entry: PointsEntryOut
    balance: int = Field(examples=[1150])
    credit_note_id: UUID | None = None
