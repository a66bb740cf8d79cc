"""Domain errors. Services raise these; the API and the pages map them to responses once.

Each carries its HTTP status so that the mapping is one table, not a chain of ifs.
"""

from __future__ import annotations

from typing import Any

# the members of every problem body; extra fields may not take these names
RESERVED_PROBLEM_FIELDS = frozenset(
    {"type", "title", "status", "detail", "instance", "errors", "request_id"}
)


class DomainError(Exception):
    status = 400
    title = "Bad request"
    type_slug = "bad-request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        clash = RESERVED_PROBLEM_FIELDS.intersection(extra)
        if clash:
            raise TypeError(f"extra problem fields may not be named {sorted(clash)}")
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class PermissionDenied(DomainError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class NotAuthenticated(DomainError):
    status = 401
    title = "Authentication required"
    type_slug = "unauthenticated"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class InvalidState(Conflict):
    title = "Invalid state"
    type_slug = "invalid-state"


class ValidationFailed(DomainError):
    """422 with a list of ``{field, message}``."""

    status = 422
    title = "Validation failed"
    type_slug = "validation-failed"

    def __init__(self, errors: list[dict[str, str]] | dict[str, str], detail: str | None = None):
        if isinstance(errors, dict):
            errors = [{"field": f, "message": m} for f, m in errors.items()]
        self.errors = errors
        first = errors[0] if errors else {"field": "", "message": ""}
        super().__init__(detail or f"{first['field']}: {first['message']}")


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"
    type_slug = "rate-limited"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"
    type_slug = "payload-too-large"
