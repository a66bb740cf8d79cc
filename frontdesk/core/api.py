"""The pieces every API router uses: permission-declaring auth, public endpoints,
rate limits, problem+json error mapping and cursor pagination.

Every operation names the permission it needs::

    @router.get("/audit", auth=api_permission("audit.view"), response=Page[AuditOut])

``api_permission`` authenticates (bearer token or session with CSRF), then checks the
permission through the one role table; anonymous → 401, missing permission → 403.
Public endpoints live under ``/api/public/{org_slug}`` and use :func:`public_org`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import json
import logging
import math
import threading
import uuid
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django_scopes import ScopeError
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.docs import Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security.base import AuthBase
from ninja.throttling import SimpleRateThrottle
from ninja.utils import check_csrf

from frontdesk.audit.services import jsonable
from frontdesk.core.actor import Actor
from frontdesk.core.errors import DomainError, PermissionDenied, ValidationFailed
from frontdesk.core.problems import PROBLEM_CONTENT_TYPE, problem_response
from frontdesk.organizations.roles import PERMISSIONS, is_known_permission

log = logging.getLogger(__name__)
T = TypeVar("T")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


# --- authentication and permissions -----------------------------------------------------
class ApiPermission(AuthBase):
    """Authenticates the request and checks one permission of the role table."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self, permission: str) -> None:
        if not is_known_permission(permission):
            raise ValueError(f"unknown permission {permission!r}: add it to roles.PERMISSIONS")
        self.permission = permission
        super().__init__()

    def __call__(self, request: HttpRequest) -> Actor | None:
        actor: Actor | None = getattr(request, "actor", None)
        if actor is None:
            return None
        if (
            actor.via == "session"
            and request.method in UNSAFE_METHODS
            and check_csrf(request) is not None
        ):
            raise PermissionDenied("CSRF check failed: send the X-CSRFToken header.")
        if not actor.has(self.permission):
            description = PERMISSIONS[self.permission][0].lower()
            raise PermissionDenied(
                f"Your role may not {description[0].lower()}{description[1:]}.",
                permission=self.permission,
            )
        return actor


_permission_cache: dict[str, ApiPermission] = {}


def api_permission(permission: str) -> ApiPermission:
    if permission not in _permission_cache:
        _permission_cache[permission] = ApiPermission(permission)
    return _permission_cache[permission]


def request_actor(request: HttpRequest) -> Actor:
    return request.auth  # set by ApiPermission


# --- rate limits ------------------------------------------------------------------------
class _RateThrottle(SimpleRateThrottle):
    """A sliding-window rate limit that costs the same whatever the rate: two counters per
    key (this period's and the last one's) instead of ninja's list of every request's time,
    which each request read, copied and wrote back whole (a list of 1,200 floats per token
    at the default rate, and more at higher ones).

    A request is allowed while ``current + ceil(previous × unelapsed share of the period)``
    stays under the limit: the last period's requests are taken as evenly spread and
    rounded up, so a burst at the end of one period still counts in full right after the
    boundary. Also:

    * per-request state lives in a thread-local (every thread of a worker shares the one
      instance);
    * the rate is read from settings on each request unless given, so deployments and
      tests (``override_settings(API_RATE_LIMIT="2/m")``) change it without re-importing;
    * inside an API write transaction the hit is recorded after the transaction ends,
      so a request that fails (and rolls back) still counts against the limit.
    """

    rate_setting = ""

    @property
    def cache(self):
        return caches["throttle"]

    def __init__(self, rate: str | None = None):
        self._fixed_rate = rate
        self._local = threading.local()

    @property
    def rate(self) -> str:
        return self._fixed_rate or getattr(settings, self.rate_setting)

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)
        if key is None:
            return True
        limit, period = self.parse_rate(self.rate)
        now = self.timer()
        window, into = divmod(now, period)
        elapsed = into / period
        current_key, previous_key = f"{key}:{int(window)}", f"{key}:{int(window) - 1}"
        counts = self.cache.get_many([current_key, previous_key])
        current, previous = counts.get(current_key, 0), counts.get(previous_key, 0)
        carried = math.ceil(previous * (1 - elapsed) - 1e-9)
        if current + carried >= limit:
            self._local.wait = self._wait(limit, period, elapsed, current, previous)
            return False
        cache, ttl = self.cache, period * 2 + 1

        def hit() -> None:
            if not cache.add(current_key, 1, ttl):
                try:
                    cache.incr(current_key)
                except ValueError:  # expired in between
                    cache.add(current_key, 1, ttl)

        after = getattr(request, "after_transaction", None)
        if after is not None:
            after.append(hit)
        else:
            hit()
        return True

    @staticmethod
    def _wait(limit: int, period: int, elapsed: float, current: int, previous: int) -> float:
        """Seconds until one more request would be allowed."""
        if current < limit and previous:
            # the carried share of the last period has to shrink below what is left
            needed = 1 - (limit - current - 1) / previous
            return max((needed - elapsed) * period, 1.0)
        # wait for the next period, where this one's count is carried
        needed = max(0.0, 1 - (limit - 1) / current) if current else 0.0
        return max((1 - elapsed + needed) * period, 1.0)

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)


class ActorRateThrottle(_RateThrottle):
    """Per credential (token or session membership), or per IP when anonymous."""

    scope = "actor"
    rate_setting = "API_RATE_LIMIT"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        actor = getattr(request, "actor", None)
        ident = actor.principal_key if actor else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class IpRateThrottle(_RateThrottle):
    """Per client address, for public endpoints."""

    scope = "public"
    rate_setting = "PUBLIC_RATE_LIMIT"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


# --- errors as problem+json -------------------------------------------------------------
def _field_of(loc: Sequence[Any]) -> str:
    """``("body", "payload", "phones", 0, "number")`` → ``phones[0].number``."""
    parts = list(loc)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    # ninja nests the body under the parameter name ("payload"); drop it
    if len(parts) > 1 and parts[0] in {"payload", "data", "body", "filters", "params"}:
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    errors = []
    for error in exc.errors:
        message = error.get("msg", "Invalid value")
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        errors.append({"field": _field_of(error.get("loc", ())), "message": message})
    return errors


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return problem_response(
            exc.status,
            title=exc.title,
            detail=exc.detail,
            type_slug=exc.type_slug,
            errors=getattr(exc, "errors", None),
            **jsonable(exc.extra),
        )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = _validation_errors(exc)
        return problem_response(
            422,
            title="Validation failed",
            detail=f"{errors[0]['field']}: {errors[0]['message']}" if errors else None,
            type_slug="validation-failed",
            errors=errors,
        )

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": f, "message": str(m)} for f, ms in exc.message_dict.items() for m in ms
            ]
        else:
            errors = [{"field": "body", "message": m} for m in exc.messages]
        return domain_error(request, ValidationFailed(errors))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        detail = (
            "The bearer token is invalid, revoked or belongs to a deactivated member."
            if getattr(request, "auth_failed", False)
            else "Log in or send an Authorization: Bearer token."
        )
        return problem_response(
            401,
            title="Authentication required",
            detail=detail,
            type_slug="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="frontdesk"'},
        )

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        wait = int(exc.wait or 1)
        return problem_response(
            429,
            title="Too many requests",
            detail=f"Slow down; retry in {wait} seconds.",
            type_slug="rate-limited",
            headers={"Retry-After": str(wait)},
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem_response(
            404, title="Not found", detail="No such record.", type_slug="not-found"
        )

    @api.exception_handler(DjangoPermissionDenied)
    def forbidden(request, exc):
        return problem_response(
            403, title="Forbidden", detail=str(exc) or "Forbidden", type_slug="forbidden"
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem_response(exc.status_code, detail=str(exc))

    @api.exception_handler(IntegrityError)
    def integrity_error(request, exc):
        log.warning("integrity error answered as 409: %s", exc)
        return problem_response(
            409,
            title="Conflict",
            detail="The change conflicts with an existing record.",
            type_slug="conflict",
        )

    @api.exception_handler(ScopeError)
    @api.exception_handler(Exception)
    def server_error(request, exc):
        log.exception("unhandled error in %s %s", request.method, request.path)
        return problem_response(
            500,
            title="Internal server error",
            detail="Something went wrong on our side. Quote the request id when you report it.",
            type_slug="server-error",
        )


# --- pagination ---------------------------------------------------------------------------
class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next page")


class ListParams(Schema):
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")
    cursor: str | None = Field(None, description="next_cursor of the previous page")
    order: str | None = Field(None, description="sort field, `-` prefix for descending")


def encode_cursor(*parts: Any) -> str:
    """An opaque cursor for any list that pages by keyset (see ``paginate``)."""
    raw = json.dumps([jsonable(p) for p in parts]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, size: int) -> list[Any]:
    """The parts :func:`encode_cursor` packed; 422 on ``cursor`` for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, TypeError) as exc:
        raise ValidationFailed({"cursor": "Not a cursor this list gave out."}) from exc
    if not isinstance(parts, list) or len(parts) != size:
        raise ValidationFailed({"cursor": "Not a cursor this list gave out."})
    return parts


def _encode_cursor(order: str, value: Any, pk: Any) -> str:
    raw = json.dumps([order, jsonable(value), str(pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        order, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return str(order), value, str(pk)
    except (ValueError, binascii.Error, TypeError) as exc:
        raise ValidationFailed({"cursor": "Not a cursor this list gave out."}) from exc


def _model_field(model, path: str):
    """The model field at the end of ``path`` (``"user__email"``)."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def keyset_q(field: str, value: Any, pk: Any, *, descending: bool = False) -> Q:
    """Rows after ``(value, pk)`` in ``(field, pk)`` order. The redundant ``field >= value``
    lets the database start its index range there (the OR alone is not sargable on
    PostgreSQL, which would then read every earlier row of the organization)."""
    op = "lt" if descending else "gt"
    return Q(**{f"{field}__{op}e": value}) & (
        Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})
    )


def page_position(
    params: ListParams, *, model, orders: dict[str, str], default: str
) -> tuple[str, str, bool, Any, Any]:
    """``(order, field, descending, value, pk)`` of a keyset list: the public sort name,
    the model field it sorts by, its direction and, with ``params.cursor``, the position
    after which the page starts (``None, None`` on a first page). 422 on ``order`` or
    ``cursor`` for anything this list did not give out."""
    order = params.order or default
    name = order.lstrip("-")
    if name not in orders:
        raise ValidationFailed(
            {"order": f"Sort by one of: {', '.join(sorted(orders))} (prefix - to reverse)."}
        )
    field = orders[name]
    descending = order.startswith("-")
    if not params.cursor:
        return order, field, descending, None, None
    cursor_order, raw_value, raw_pk = _decode_cursor(params.cursor)
    if cursor_order != order:
        raise ValidationFailed({"cursor": "The cursor belongs to another sort order."})
    try:
        value = _model_field(model, field).to_python(raw_value)
        pk = model._meta.pk.to_python(raw_pk)
    except (DjangoValidationError, ValueError, TypeError) as exc:
        raise ValidationFailed({"cursor": "Not a cursor this list gave out."}) from exc
    if value is None or pk is None:
        raise ValidationFailed({"cursor": "Not a cursor this list gave out."})
    return order, field, descending, value, pk


def page_of(rows: list, *, limit: int, order: str, field: str) -> dict[str, Any]:
    """The page from up to ``limit + 1`` rows read in order: the first ``limit`` and, when
    there were more, the cursor of the last one."""
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if isinstance(last, dict):  # a .values() queryset
            value, pk = last[field], last["id"]
        else:
            value, pk = last, last.pk
            for part in field.split("__"):
                value = getattr(value, part)
        next_cursor = _encode_cursor(order, value, pk)
    return {"items": rows, "next_cursor": next_cursor}


def paginate(
    qs: QuerySet,
    *,
    params: ListParams,
    orders: dict[str, str],
    default: str,
) -> dict[str, Any]:
    """Keyset pagination over ``qs``. ``orders`` maps public sort names to model fields
    (non-null ones); the primary key breaks ties so pages never overlap or skip."""
    order, field, descending, value, pk = page_position(
        params, model=qs.model, orders=orders, default=default
    )
    qs = qs.order_by(f"-{field}" if descending else field, "-pk" if descending else "pk")
    if pk is not None:
        qs = qs.filter(keyset_q(field, value, pk, descending=descending))
    rows = list(qs[: params.limit + 1])
    return page_of(rows, limit=params.limit, order=order, field=field)


def error_responses(*codes: int) -> dict[int, Any]:
    """``responses=`` entries for the problem+json answers an operation can give."""
    return {code: ProblemOut for code in codes}


class FieldError(Schema):
    field: str
    message: str


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    request_id: str
    errors: list[FieldError] | None = None


def render_json(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, default=str), status=status, content_type="application/json"
    )


# --- the API object, its OpenAPI document and its docs page ------------------------------
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": (
        "Repeat a write safely: the same key with the same request replays the first "
        "response (`Idempotency-Replayed: true`); with a different request it is a 422."
    ),
}


def operation_permission(operation: Any) -> str | None:
    """The permission a ninja operation declares through :func:`api_permission`."""
    for callback in operation.auth_callbacks:
        if isinstance(callback, ApiPermission):
            return callback.permission
    return None


def implied_error_statuses(operation: Any) -> set[int]:
    """The problem+json answers every operation of this shape can give, whatever its
    handler does: 401/403 from authentication, 404 for ids in the path, 422 for any
    parameter or body, 409/422 from the Idempotency-Key of writes, 429 from the rate
    limit."""
    statuses: set[int] = set()
    sources = {model.__ninja_param_source__ for model in operation.models}
    if operation.auth_callbacks:
        statuses |= {401, 403}
    if "path" in sources:
        statuses.add(404)
    if sources:
        statuses.add(422)
    if set(operation.methods) & UNSAFE_METHODS:
        statuses |= {409, 422}  # Idempotency-Key: reused for another request, or withheld
    if operation.throttle_objects:
        statuses.add(429)
    return statuses


class _OpenAPISchema(OpenAPISchema):
    """ninja's document, completed: every error an operation can give is declared as
    ``application/problem+json``, the required permission is named (``x-permission``
    and in the description), and writes document the ``Idempotency-Key`` header."""

    def operation_details(self, operation: Any) -> dict[str, Any]:
        result = super().operation_details(operation)
        permission = operation_permission(operation)
        if permission:
            result["x-permission"] = permission
            note = f"Requires the `{permission}` permission."
            description = result.get("description")
            result["description"] = f"{description}\n\n{note}" if description else note
        if set(operation.methods) & UNSAFE_METHODS:
            result["parameters"] = [*result["parameters"], IDEMPOTENCY_PARAMETER]
        return result

    def responses(self, operation: Any) -> dict[int, Any]:
        result = super().responses(operation)
        missing = implied_error_statuses(operation) - set(result)
        if missing:
            problem, _ = self._create_schema_from_model(
                operation._create_response_model(ProblemOut), mode="serialization"
            )
            for status in missing:
                result[status] = {
                    "description": HTTPStatus(status).phrase,
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": problem}},
                }
        for status, details in result.items():
            if status >= 400 and "content" in details:
                (media,) = details["content"].values()
                details["content"] = {PROBLEM_CONTENT_TYPE: media}
        return dict(sorted(result.items()))


class ApiDocs(Swagger):
    """Swagger UI served from ninja's bundled static files (the machines have no internet,
    so no CDN), compatible with the strict Content-Security-Policy: no inline script (the
    settings travel in a JSON data block that ninja's external ``swagger-ui-init.js``
    reads), no external validator badge, and the CSRF token for members trying writes
    from their logged-in session."""

    def __init__(self) -> None:
        super().__init__(settings={"validatorUrl": None, "displayRequestDuration": True})

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        swagger_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            # "<" escaped so that nothing in the settings can close the data block
            "swagger_settings": json.dumps(swagger_settings).replace("<", "\\u003c"),
            "api": api,
            "add_csrf": True,
        }
        return render(request, self.template, context)


def _json_datetime(o: dt.datetime) -> str:
    """A datetime as Django's JSON encoder writes it (milliseconds, ``Z`` for UTC)."""
    r = o.isoformat()
    if o.microsecond:
        r = r[:23] + r[26:]
    if r.endswith("+00:00"):
        r = r[:-6] + "Z"
    return r


class _FastEncoder(NinjaJSONEncoder):
    """``NinjaJSONEncoder``'s output, with the commonest values (datetimes, UUIDs,
    decimals, dates; a page of 25 customers has ~100) looked up by exact type instead of
    going down its chain of ``isinstance`` checks. Anything else, subclasses included,
    takes the chain. A test checks both encoders write the same bytes."""

    BY_TYPE: dict[type, Any] = {
        dt.datetime: _json_datetime,
        uuid.UUID: str,
        decimal.Decimal: str,
        dt.date: dt.date.isoformat,
    }

    def default(self, o: Any) -> Any:
        write = self.BY_TYPE.get(type(o))
        return write(o) if write is not None else super().default(o)


class FastJSONRenderer(JSONRenderer):
    encoder_class = _FastEncoder


_RENDERER = FastJSONRenderer()


def json_response(data: Any, status: int = 200) -> HttpResponse:
    """``data`` rendered as the API renders an operation's answer, for an operation that
    builds its answer from trusted rows already in the shape of its response schema
    (which django-ninja would otherwise validate again, field by field). The schema still
    documents the answer; a test of the operation checks the two agree."""
    return HttpResponse(
        _RENDERER.render(None, data, response_status=status),
        status=status,
        content_type=f"{_RENDERER.media_type}; charset={_RENDERER.charset}",
    )


class FrontdeskAPI(NinjaAPI):
    """NinjaAPI with the completed OpenAPI document and the self-hosted docs page."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("docs", ApiDocs())
        kwargs.setdefault("renderer", _RENDERER)
        super().__init__(**kwargs)
        self._openapi_documents: dict[str, OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The document, built once per process (it takes seconds with dozens of
        operations, and the routes do not change while the process runs)."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        # The document depends only on the routes, fixed once the URLconf is loaded;
        # building it takes seconds on a loaded machine, so build it once per prefix.
        if path_prefix not in self._openapi_documents:
            self._openapi_documents[path_prefix] = _OpenAPISchema(self, path_prefix)
        return self._openapi_documents[path_prefix]
