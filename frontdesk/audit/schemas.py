from datetime import datetime
from uuid import UUID

from ninja import Field, Schema


class AuditOut(Schema):
    id: UUID
    created_at: datetime
    action: str = Field(examples=["update"])
    object_type: str = Field(examples=["organizations.membership"])
    object_id: str
    object_repr: str
    changes: dict = Field(examples=[{"role": ["advisor", "manager"]}])
    metadata: dict
    actor_kind: str
    actor_label: str
    request_id: str
    ip: str | None
