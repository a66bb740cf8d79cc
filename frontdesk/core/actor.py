"""Who is acting. Services take ``actor=`` explicitly; it is built once per request
(from the session or the bearer token), or by a job or command as ``Actor.system()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ActorKind = Literal["staff", "assistant", "system", "public"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    org_id: object | None = None
    user_id: int | None = None
    membership_id: object | None = None
    token_id: object | None = None
    role: str | None = None
    label: str = ""
    permissions: frozenset[str] = field(default_factory=frozenset)
    via: Literal["session", "token", "job", "cli", "public"] = "session"

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def principal_key(self) -> str:
        """Stable id of the credential, for idempotency keys and rate limits."""
        if self.token_id:
            return f"token:{self.token_id}"
        if self.membership_id:
            return f"membership:{self.membership_id}"
        return f"{self.kind}:{self.label}"

    @classmethod
    def system(cls, *, org_id=None, label: str = "system") -> Actor:
        return cls(kind="system", org_id=org_id, label=label, via="job")

    @classmethod
    def public(cls, *, org_id, label: str = "site visitor") -> Actor:
        return cls(kind="public", org_id=org_id, label=label, via="public")
