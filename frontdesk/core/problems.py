"""RFC 9457 problem details: the one shape of every API error."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpResponse

from frontdesk.core.context import current_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://frontdesk.dev/problems/"


def problem_body(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    type_slug: str | None = None,
    errors: list[dict[str, str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": TYPE_BASE + (type_slug or phrase.lower().replace(" ", "-")),
        "title": title or phrase,
        "status": status,
        "detail": detail or title or phrase,
        "request_id": current_request_id(),
    }
    if errors is not None:
        body["errors"] = errors
    # extra members never replace the standard ones (a domain field named "status" is the
    # caller's business, not the response's status)
    body.update({k: v for k, v in extra.items() if k not in body and k != "errors"})
    return body


def problem_response(status: int, **kwargs: Any) -> HttpResponse:
    headers = kwargs.pop("headers", None) or {}
    body = problem_body(status, **kwargs)
    response = HttpResponse(
        json.dumps(body, default=str), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in headers.items():
        response[name] = value
    return response


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")
