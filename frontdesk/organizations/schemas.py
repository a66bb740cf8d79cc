from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from frontdesk.organizations.choices import Role

HOURS_EXAMPLE = {
    "mon": [["08:00", "18:00"]],
    "tue": [["08:00", "18:00"]],
    "wed": [["08:00", "18:00"]],
    "thu": [["08:00", "18:00"]],
    "fri": [["08:00", "17:00"]],
    "sat": [["09:00", "13:00"]],
    "sun": [],
}


class OrganizationOut(Schema):
    id: UUID
    name: str
    slug: str
    time_zone: str = Field(examples=["America/Chicago"])
    currency: str = Field(examples=["USD"])
    locale: str
    country: str
    business_hours: dict[str, list[list[str]]] = Field(examples=[HOURS_EXAMPLE])
    uses_vehicles: bool
    settings: dict
    created_at: datetime


class OrganizationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200, examples=["Demo Auto Care"])
    time_zone: str | None = Field(None, examples=["America/Chicago"])
    currency: str | None = Field(None, examples=["USD"])
    locale: str | None = Field(None, max_length=16, examples=["en-US"])
    country: str | None = Field(None, examples=["US"])
    business_hours: dict[str, list[list[str]]] | None = Field(None, examples=[HOURS_EXAMPLE])
    uses_vehicles: bool | None = None
    settings: dict | None = None


class MeOut(Schema):
    organization: OrganizationOut
    user_id: int
    email: str
    role: str
    kind: str = Field(description="staff or assistant")
    permissions: list[str]


class StaffOut(Schema):
    id: UUID
    user_id: int
    email: str = Field(alias="user.email")
    full_name: str = Field(alias="user.full_name")
    role: Role
    is_active: bool
    is_advisor: bool
    title: str
    created_at: datetime


class StaffIn(Schema):
    email: str = Field(max_length=254, examples=["sam@demo-auto.example"])
    full_name: str = Field("", max_length=200, examples=["Sam Rivera"])
    role: Role = Field(examples=["advisor"])
    is_advisor: bool = False


class StaffPatch(Schema):
    role: Role | None = Field(None, examples=["manager"])
    is_active: bool | None = Field(None, examples=[False])
    is_advisor: bool | None = None
    title: str | None = Field(None, max_length=100)


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    is_assistant: bool
    owner: str = Field(alias="membership.user.email")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100, examples=["Zapier integration"])
    is_assistant: bool = Field(False, description="an AI-assistant token: read, log, draft only")


class TokenCreatedOut(TokenOut):
    token: str = Field(description="shown once; store it now", examples=["fd_3q…"])
