"""Test helpers shared by every app: an API client speaking JSON with a bearer token,
the list of API operations, and the "world" builders and crawler of the cross-tenant test.

A world builder creates one of each of its app's records in an organization, so that
``tests/test_tenancy_crawler.py`` can call every route with another organization's ids.
Each app with tenant models puts one in ``frontdesk/<app>/tests/world.py`` (found and
imported automatically by :func:`load_world_builders`)::

    from frontdesk.core.testing import world_builder

    @world_builder
    def customers_world(org, members): return [customer, vehicle, ...]

Builders run inside ``tenant_scope(org)``; ``members`` maps every role to a Membership of
``org``. ``tests/test_tenancy_crawler.py`` fails while a concrete ``TenantModel`` has no
row in the world, so a new model cannot escape the crawler.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Max
from django.test import Client
from ninja import NinjaAPI
from ninja.utils import normalize_path

import frontdesk
from frontdesk.api import api as project_api
from frontdesk.core.actor import Actor
from frontdesk.core.api import operation_permission
from frontdesk.core.tenancy import TenantModel, tenant_scope
from frontdesk.organizations.models import Membership
from frontdesk.organizations.services import token_create

WORLD_BUILDERS: list[Callable] = []


def world_builder(func: Callable) -> Callable:
    WORLD_BUILDERS.append(func)
    return func


class ApiClient:
    """``api.get("/customers")`` → ``/api/crm/customers`` with the member's bearer token."""

    prefix = "/api/crm"

    def __init__(self, token: str | None = None, *, client: Client | None = None):
        self.client = client or Client()
        self.headers: dict[str, str] = {}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def _url(self, path: str) -> str:
        if path.startswith(("/api/", "/healthz", "/readyz")):
            return path
        return self.prefix + path

    def request(self, method: str, path: str, data: Any = None, *, headers=None, **extra):
        kwargs: dict[str, Any] = {"headers": {**self.headers, **(headers or {})}, **extra}
        if data is not None:
            kwargs["data"] = data if isinstance(data, str | bytes) else json.dumps(data)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(self._url(path), **kwargs)

    def get(self, path, data=None, **kw):
        return self.client.get(
            self._url(path), data=data, headers={**self.headers, **kw.pop("headers", {})}, **kw
        )

    def post(self, path, data=None, **kw):
        return self.request("POST", path, data, **kw)

    def put(self, path, data=None, **kw):
        return self.request("PUT", path, data, **kw)

    def patch(self, path, data=None, **kw):
        return self.request("PATCH", path, data, **kw)

    def delete(self, path, data=None, **kw):
        return self.request("DELETE", path, data, **kw)


def token_for(membership: Membership, *, assistant: bool = False, name: str = "test") -> str:
    with tenant_scope(membership.organization):
        _, raw = token_create(
            org=membership.organization,
            actor=Actor.system(org_id=membership.organization_id),
            membership=membership,
            name=name,
            is_assistant=assistant,
        )
    return raw


# --- the API's operations ------------------------------------------------------------------
@dataclass(frozen=True)
class ApiOperation:
    """One (method, path) of a NinjaAPI, e.g. ``PATCH /api/crm/staff/{membership_id}``."""

    method: str
    path: str
    operation: Any = field(compare=False, repr=False)

    @property
    def permission(self) -> str | None:
        return operation_permission(self.operation)

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    @property
    def has_body(self) -> bool:
        sources = {m.__ninja_param_source__ for m in self.operation.models}
        return bool(sources & {"body", "form", "file"})

    def url(self, **values: Any) -> str:
        """The path with its parameters filled in (``{uuid:id}`` converters too)."""
        return fill_path(self.path, values)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


_PATH_PARAM = re.compile(r"{(?:[^}:]+:)?([^}]+)}")


def fill_path(path: str, values: dict[str, Any]) -> str:
    """``/staff/{membership_id}`` with its parameters filled in (converters too)."""
    return _PATH_PARAM.sub(lambda m: quote(str(values[m.group(1)]), safe=""), path)


def api_operations(api: NinjaAPI | None = None, *, root: str = "/api/") -> list[ApiOperation]:
    """Every operation of ``api`` (the project's by default), hidden ones included."""
    api = api or project_api
    result = []
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = normalize_path("/".join(["", root.strip("/"), bound.prefix.strip("/"), path]))
            for operation in path_view.operations:
                for method in operation.methods:
                    result.append(ApiOperation(method.upper(), full, operation))
    return sorted(result, key=lambda op: (op.path, op.method))


# --- worlds: one of every tenant record in an organization ---------------------------------
def load_world_builders() -> list[Callable]:
    """Import ``frontdesk.<app>.tests.world`` of every app that has one; their
    ``@world_builder`` functions register themselves in WORLD_BUILDERS."""
    for module in pkgutil.iter_modules(frontdesk.__path__):
        if not module.ispkg:
            continue
        name = f"frontdesk.{module.name}.tests.world"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, f"frontdesk.{module.name}.tests"):
                raise
    return WORLD_BUILDERS


def build_world(org, members: dict[str, Membership]) -> list[models.Model]:
    """Run every world builder for ``org``; returns the records they made."""
    objects: list[models.Model] = []
    with tenant_scope(org):
        for builder in load_world_builders():
            objects.extend(builder(org, members) or [])
    return objects


def tenant_models() -> list[type[TenantModel]]:
    """Every concrete model that inherits TenantModel."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantModel) and not model._meta.proxy
    ]


def models_without_rows(org) -> list[str]:
    """The tenant models with no row in ``org`` (a world must have one of each)."""
    with tenant_scope(org):
        return [m._meta.label for m in tenant_models() if not m.objects.exists()]


def tenant_snapshot(org) -> dict[str, Any]:
    """Per tenant table: row count and latest ``updated_at`` in ``org``; and the
    organization row itself. Equal snapshots mean nothing was added, removed or changed."""
    snapshot: dict[str, Any] = {}
    with tenant_scope(org):
        for model in tenant_models():
            snapshot[model._meta.label] = tuple(
                model.objects.aggregate(n=Count("pk"), latest=Max("updated_at")).values()
            )
    organization = type(org).objects.filter(pk=org.pk).values().first()
    snapshot["organizations.Organization"] = organization
    return snapshot


def fingerprints(objects: list[models.Model], *, exclude: set[str]) -> set[str]:
    """Strings that identify ``objects``: their ids and distinctive text values (8+
    characters each, not a choice; those of related users too), minus ``exclude``."""
    found: set[str] = set()
    user_model = get_user_model()
    seen: set[tuple[str, Any]] = set()
    queue = list(objects)
    while queue:
        obj = queue.pop()
        key = (obj._meta.label, obj.pk)
        if key in seen:
            continue
        seen.add(key)
        if len(str(obj.pk)) >= 8:
            found.add(str(obj.pk))
        for f in obj._meta.concrete_fields:
            if f.is_relation:
                if f.related_model is user_model and getattr(obj, f.attname) is not None:
                    queue.append(getattr(obj, f.name))
                continue
            value = getattr(obj, f.attname)
            if isinstance(value, str) and len(value) >= 8 and not f.choices:
                found.add(value)
    return found - exclude


def values_of(objects: list[models.Model]) -> set[str]:
    """Every text value of ``objects`` (to exclude generic strings from fingerprints)."""
    values: set[str] = set()
    for obj in objects:
        for f in obj._meta.concrete_fields:
            value = getattr(obj, f.attname)
            if isinstance(value, str):
                values.add(value)
    return values


# --- the cross-tenant crawler --------------------------------------------------------------
ALLOWED_FOREIGN_STATUSES = {404, 405, 422}
_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class CrawlReport:
    failures: list[str] = field(default_factory=list)
    blind_spots: list[str] = field(default_factory=list)
    requests: int = 0


def _resolve(schema: dict, doc: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _mentions_uuid(schema: dict, doc: dict) -> bool:
    schema = _resolve(schema, doc)
    if schema.get("format") == "uuid":
        return True
    return any(_mentions_uuid(s, doc) for s in schema.get("anyOf", []) + schema.get("oneOf", []))


def example_value(schema: dict, doc: dict, *, uuid_value: str) -> Any:
    """A value valid for ``schema`` from its examples or type, with ``uuid_value`` in
    every UUID (so request bodies carry the foreign id in their references too)."""
    schema = _resolve(schema, doc)
    if schema.get("format") == "uuid":
        return uuid_value
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, doc).get("type") != "null"]
            uuid_options = [s for s in options if _mentions_uuid(s, doc)]
            chosen = (uuid_options or options or schema[key])[0]
            value = example_value(chosen, doc, uuid_value=uuid_value)
            return schema.get("examples", [value])[0] if not uuid_options else value
    if "allOf" in schema:
        return example_value(schema["allOf"][0], doc, uuid_value=uuid_value)
    if "properties" in schema and isinstance((schema.get("examples") or [None])[0], dict):
        # an object with a whole example: keep it, but put the id in every reference
        value = dict(schema["examples"][0])
        for name, prop in schema["properties"].items():
            if _mentions_uuid(prop, doc):
                value[name] = example_value(prop, doc, uuid_value=uuid_value)
        return value
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {
            name: example_value(prop, doc, uuid_value=uuid_value)
            for name, prop in schema.get("properties", {}).items()
            if name in required or _mentions_uuid(prop, doc) or "examples" in _resolve(prop, doc)
        }
    if kind == "array":
        items = schema.get("items", {})
        count = max(schema.get("minItems", 0), 1 if _mentions_uuid(items, doc) else 0)
        return [example_value(items, doc, uuid_value=uuid_value)] * count
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return float(max(schema.get("minimum", 1), 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return "2030-01-02T10:00:00+00:00"
        if fmt == "date":
            return "2030-01-02"
        if fmt == "email":
            return "crawler@example.com"
        return "crawler"[: schema.get("maxLength", 7)].ljust(schema.get("minLength", 1), "x")
    return None


def _request_body(op: dict, doc: dict, *, uuid_value: str) -> Any:
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return example_value(content["application/json"]["schema"], doc, uuid_value=uuid_value)


def _body_mentions_uuid(op: dict, doc: dict) -> bool:
    def walk(schema: dict, seen: frozenset[str]) -> bool:
        ref = schema.get("$ref")
        if ref:
            return ref not in seen and walk(_resolve(schema, doc), seen | {ref})
        if schema.get("format") == "uuid":
            return True
        children = [*schema.get("anyOf", []), *schema.get("oneOf", []), *schema.get("allOf", [])]
        children += list(schema.get("properties", {}).values())
        if isinstance(schema.get("items"), dict):
            children.append(schema["items"])
        return any(walk(child, seen) for child in children)

    content = op.get("requestBody", {}).get("content", {})
    return any(walk(media.get("schema", {}), frozenset()) for media in content.values())


def crawl_foreign_ids(
    *,
    client: ApiClient,
    doc: dict,
    foreign_ids: list[str],
    foreign_fingerprints: set[str],
    snapshot: Callable[[], Any],
    fixed_params: dict[str, str] | None = None,
) -> CrawlReport:
    """Call every operation of ``doc`` that takes ids (path parameters not in
    ``fixed_params``, or UUIDs in its body) with each of ``foreign_ids`` in all of them.

    Each answer must be 404 (405/422 when the handler cannot be reached) — never 2xx,
    never 403 — and must not contain ``foreign_fingerprints``; ``snapshot()`` (the other
    organization's rows) must not change. An operation that answered only 422 never
    reached its handler with a foreign id: it is a blind spot (give its body schema
    ``examples=`` so the crawler can build a valid body)."""
    report = CrawlReport()
    fixed_params = fixed_params or {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in _METHODS:
                continue
            params = [p for p in op.get("parameters", []) if p["in"] == "path"]
            id_params = [p for p in params if p["name"] not in fixed_params]
            if not id_params and not _body_mentions_uuid(op, doc):
                continue
            label = f"{method.upper()} {path}"
            before = snapshot()
            statuses = []
            for foreign_id in foreign_ids:
                values = {p["name"]: fixed_params.get(p["name"], foreign_id) for p in params}
                url = fill_path(path, values)
                body = _request_body(op, doc, uuid_value=foreign_id)
                response = client.request(method.upper(), url, body)
                report.requests += 1
                statuses.append(response.status_code)
                if response.status_code not in ALLOWED_FOREIGN_STATUSES:
                    report.failures.append(
                        f"{method.upper()} {url} with a foreign id answered "
                        f"{response.status_code}: {response.content[:200]!r}"
                    )
                text = response.content.decode(errors="replace")
                leaked = sorted(fp for fp in foreign_fingerprints - {foreign_id} if fp in text)
                if leaked:
                    report.failures.append(
                        f"{method.upper()} {url} answered the other organization's data: {leaked}"
                    )
            after = snapshot()
            if after != before:
                changed = sorted(k for k in after if after[k] != before.get(k))
                report.failures.append(f"{label} changed the other organization's {changed}")
            # (with ids only in the body, 422 naming the field is the right answer)
            if id_params and statuses and all(s == 422 for s in statuses):
                report.blind_spots.append(label)
    return report
