"""What every channel answers: a :class:`Handoff` when the provider took the message, a
:class:`RetryableError` when trying again later may work (timeouts, 429, 5xx, 4xx SMTP
replies), a :class:`PermanentError` when it never will (a refused address)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Handoff:
    transport: str
    provider_id: str
    provider_status: str = ""


class ChannelError(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail[:500]


class RetryableError(ChannelError):
    def __init__(self, detail: str, *, retry_after: float | None = None):
        super().__init__(detail)
        self.retry_after = retry_after


class PermanentError(ChannelError):
    """``suppress`` names a suppression reason (``bounced``, ``stop``) when the provider
    said the address must not be used again."""

    def __init__(self, detail: str, *, suppress: str = ""):
        super().__init__(detail)
        self.suppress = suppress
