"""Request and response shapes of membership plans and customers' memberships."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict, StrictInt

from frontdesk.customers.schemas import Line

FORBID = ConfigDict(extra="forbid")
SERVICE_EXAMPLE = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


class IncludedIn(Schema):
    model_config = FORBID
    service_id: UUID = Field(examples=[SERVICE_EXAMPLE])
    price: StrictInt = Field(0, ge=0, examples=[0], description="plan price, minor units")


class PlanIn(Schema):
    model_config = FORBID
    name: Line(120) = Field(examples=["Premium Care"])
    discount_percent: Decimal = Field(
        Decimal(0), ge=0, le=100, decimal_places=2, examples=["10"],
        description="off lines the plan does not include; stored in basis points",
    )  # fmt: skip
    included_services: list[IncludedIn] = Field(
        default_factory=list, examples=[[{"service_id": SERVICE_EXAMPLE, "price": 0}]]
    )
    priority_label: Line(60) = Field("", examples=["Priority booking"])
    duration_days: StrictInt = Field(365, ge=1, le=3650, examples=[365])
    active: bool = Field(True, examples=[True])


class PlanPatch(Schema):
    model_config = FORBID
    name: Line(120) | None = Field(None, examples=["Premium Care Plus"])
    discount_percent: Decimal | None = Field(None, ge=0, le=100, decimal_places=2, examples=["15"])
    included_services: list[IncludedIn] | None = Field(None, description="replaces the list")
    priority_label: Line(60) | None = Field(None, examples=["Same-day service"])
    duration_days: StrictInt | None = Field(None, ge=1, le=3650, examples=[180])
    active: bool | None = Field(None, examples=[False])


class IncludedOut(Schema):
    service_id: UUID
    code: str = Field(examples=["OIL"])
    name: str = Field(examples=["Oil change"])
    list_price: int = Field(examples=[6999])
    price: int = Field(examples=[0])


class PlanOut(Schema):
    id: UUID
    name: str = Field(examples=["Premium Care"])
    discount_percent: Decimal = Field(examples=["10.00"])
    discount_bp: int = Field(examples=[1000])
    included_services: list[IncludedOut]
    priority_label: str
    duration_days: int
    active: bool
    active_members: int = Field(0, examples=[12])
    created_at: dt.datetime

    @staticmethod
    def resolve_discount_percent(obj) -> Decimal:
        return (Decimal(obj.discount_bp) / 100).quantize(Decimal("0.01"))

    @staticmethod
    def resolve_included_services(obj) -> list[dict]:
        return [
            {
                "service_id": i.service_id,
                "code": i.service.code,
                "name": i.service.name,
                "list_price": i.service.price,
                "price": i.price,
            }
            for i in obj.included.all()
        ]

    @staticmethod
    def resolve_active_members(obj) -> int:
        return getattr(obj, "member_count", 0)


class MembershipAssignIn(Schema):
    model_config = FORBID
    plan_id: UUID = Field(examples=["3fa85f64-5717-4562-b3fc-2c963f66afa6"])
    starts_on: dt.date | None = Field(
        None, examples=[None], description="default: today (a renewal: when the current ends)"
    )


class MembershipCancelIn(Schema):
    model_config = FORBID
    reason: Line(300) = Field("", examples=["Moved away"])


class MembershipOut(Schema):
    id: UUID
    customer_id: UUID
    plan_id: UUID
    plan_name: str = Field(examples=["Premium Care"])
    kind: str = Field(examples=["new"])
    status: str = Field(examples=["active"])
    starts_on: dt.date
    expires_on: dt.date
    ended_on: dt.date | None
    previous_id: UUID | None
    assigned_by: str = Field(examples=["Ava Patel"])
    cancel_reason: str
    created_at: dt.datetime

    @staticmethod
    def resolve_plan_name(obj) -> str:
        return obj.plan.name

    @staticmethod
    def resolve_assigned_by(obj) -> str:
        return obj.assigned_by_label
