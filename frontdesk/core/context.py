"""Per-request context that services may read without touching ``request``:
the request id (for logs, audit and problem+json) and where the request came from."""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    request_id: str
    ip: str | None = None
    user_agent: str = ""


_meta: ContextVar[RequestMeta | None] = ContextVar("frontdesk_request_meta", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def set_request_meta(meta: RequestMeta | None):
    return _meta.set(meta)


def reset_request_meta(token) -> None:
    _meta.reset(token)


def request_meta() -> RequestMeta | None:
    return _meta.get()


def current_request_id() -> str:
    meta = _meta.get()
    return meta.request_id if meta else "-"


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
