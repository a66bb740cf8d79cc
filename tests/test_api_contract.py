"""The API's contract with its clients: every operation is guarded or public, documented,
and declares the problem+json errors it can answer; the OpenAPI document and the docs
page work offline under the strict Content-Security-Policy."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from frontdesk.core.api import ApiPermission
from frontdesk.core.problems import PROBLEM_CONTENT_TYPE
from frontdesk.core.testing import api_operations

OPERATIONS = api_operations()
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def doc(anon_api):
    response = anon_api.get("/api/crm/openapi.json")
    assert response.status_code == 200
    return response.json()


def doc_operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def test_every_operation_declares_a_permission_or_lives_under_public():
    wrong = []
    for op in OPERATIONS:
        callbacks = op.operation.auth_callbacks
        guarded = len(callbacks) == 1 and isinstance(callbacks[0], ApiPermission)
        if not guarded and not op.path.startswith("/api/public/"):
            wrong.append(f"{op}: auth={callbacks!r}")
    assert not wrong, "declare auth=api_permission('...') on: " + ", ".join(wrong)


def test_every_operation_is_rate_limited():
    assert not [str(op) for op in OPERATIONS if not op.operation.throttle_objects]


def test_the_openapi_document_loads(doc):
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] == "Frontdesk API"
    assert doc["components"]["securitySchemes"]["ApiPermission"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_every_operation_is_in_the_openapi_document(doc):
    documented = {(method, path) for method, path, _ in doc_operations(doc)}
    hidden = [str(op) for op in OPERATIONS if (op.method, op.path) not in documented]
    assert not hidden, f"operations missing from the OpenAPI document (crawler-blind): {hidden}"


def test_operation_ids_are_unique(doc):
    ids = [op["operationId"] for _, _, op in doc_operations(doc)]
    assert len(ids) == len(set(ids))


def test_every_operation_has_a_summary_and_a_description():
    undocumented = [str(op) for op in OPERATIONS if not (op.operation.description or "").strip()]
    assert not undocumented, f"give these handlers a docstring: {undocumented}"
    assert all(op.operation.summary for op in OPERATIONS)


def test_every_operation_names_its_permission_in_the_document(doc):
    for op in OPERATIONS:
        documented = doc["paths"][op.path][op.method.lower()]
        assert documented.get("x-permission") == op.permission, op
        if op.permission:
            assert f"`{op.permission}`" in documented["description"]
            assert documented["security"] == [{"ApiPermission": []}]


def expected_errors(op: dict, method: str) -> set[int]:
    statuses = {429}
    if op.get("security"):
        statuses |= {401, 403}
    if any(p["in"] == "path" for p in op["parameters"]):
        statuses.add(404)
    if op["parameters"] or op.get("requestBody"):
        statuses.add(422)
    if method in UNSAFE:
        statuses |= {409, 422}
    return statuses


def test_every_operation_declares_its_error_responses_as_problems(doc):
    wrong = []
    for method, path, op in doc_operations(doc):
        declared = {int(code) for code in op["responses"]}
        missing = expected_errors(op, method) - declared
        if missing:
            wrong.append(f"{method} {path} does not declare {sorted(missing)}")
        for code, response in op["responses"].items():
            if int(code) < 400:
                continue
            content = response.get("content", {})
            schema = content.get(PROBLEM_CONTENT_TYPE, {}).get("schema", {})
            if list(content) != [PROBLEM_CONTENT_TYPE] or not schema.get("$ref", "").endswith(
                "ProblemOut"
            ):
                wrong.append(f"{method} {path} {code} is not a problem+json ProblemOut")
    assert not wrong, wrong


def test_the_problem_schema_has_the_rfc_9457_members(doc):
    problem = doc["components"]["schemas"]["ProblemOut"]
    assert {"type", "title", "status", "detail", "request_id"} <= set(problem["required"])
    assert "errors" in problem["properties"]


def test_every_write_documents_the_idempotency_key(doc):
    for method, path, op in doc_operations(doc):
        headers = {p["name"] for p in op["parameters"] if p["in"] == "header"}
        assert ("Idempotency-Key" in headers) == (method in UNSAFE), f"{method} {path}"


def test_every_success_response_of_a_write_is_documented(doc):
    for method, path, op in doc_operations(doc):
        successes = [int(c) for c in op["responses"] if int(c) < 400]
        assert successes, f"{method} {path}"
        if method == "POST" and path.endswith(("/staff", "/tokens")):
            assert successes == [201], f"{method} {path} creates: 201"


# --- the docs page ---------------------------------------------------------------------------
class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.links: list[str] = []
        self.inline_styles = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes or tag == "style":
            self.inline_styles += 1
        if any(name.startswith("on") for name in attributes):
            self.inline_styles += 1000  # an inline event handler: worse
        if tag == "script":
            self.scripts.append(attributes)
        if tag == "link" and attributes.get("href"):
            self.links.append(attributes["href"])


def test_the_docs_page_is_self_hosted_and_needs_no_inline_code(db):
    client = Client()
    response = client.get("/api/crm/docs")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert re.search(r"script-src 'self'(;|$)", policy)

    page = _Assets()
    page.feed(response.content.decode())
    assert page.inline_styles == 0
    sources = [s["src"] for s in page.scripts if "src" in s]
    data_blocks = [s for s in page.scripts if "src" not in s]
    assert all(s.get("type") == "application/json" for s in data_blocks)  # data, not code
    assert sources == ["/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js"]
    for url in sources + page.links:
        assert url.startswith("/static/"), url  # no CDN: the machines have no internet
        asset = client.get(url)
        assert asset.status_code == 200, url
        asset.close()


def test_the_docs_page_points_at_the_document_without_the_external_validator(db):
    body = Client().get("/api/crm/docs").content.decode()
    assert '"url": "/api/crm/openapi.json"' in body
    assert '"validatorUrl": null' in body


def test_the_docs_page_hands_a_logged_in_member_the_csrf_token(db, members):
    client = Client()
    client.force_login(members["owner"].user)
    body = client.get("/api/crm/docs").content.decode()
    token = re.search(r'data-csrf-token="([^"]+)"', body)
    assert token and len(token.group(1)) >= 32
    assert 'data-api-csrf="true"' in body


def _schema_classes(annotation, found: set) -> None:
    """Every pydantic model reachable from ``annotation`` (fields, lists, unions…)."""
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _schema_classes(field.annotation, found)
        return
    for arg in get_args(annotation):
        _schema_classes(arg, found)


def test_schema_names_are_unique_across_the_api():
    """ninja keys the OpenAPI document's components by class name: two apps' ``AssignIn``
    would silently share one entry, and clients (and the crawler) would see the wrong
    shape for one of them."""
    found: set = set()
    for op in OPERATIONS:
        for model in op.operation.models:
            _schema_classes(model, found)
        for model in op.operation.response_models.values():
            _schema_classes(model, found)
    by_name: dict[str, dict[str, object]] = {}
    for cls in found:
        if cls.__module__.startswith(("ninja", "pydantic")):
            continue  # ninja's generated wrappers, not document components
        by_name.setdefault(cls.__name__, {})[f"{cls.__module__}.{cls.__qualname__}"] = cls
    clashes = {
        name: sorted(classes)
        for name, classes in by_name.items()
        # the same name for the very same shape is harmless (one component serves both)
        if len({json.dumps(c.model_json_schema(), sort_keys=True) for c in classes.values()}) > 1
    }
    assert not clashes, f"rename one of each (OpenAPI components clash): {clashes}"


# --- authentication on every route ----------------------------------------------------------
@pytest.fixture
def own_world(org, members):
    from frontdesk.core.testing import build_world

    return build_world(org, members)


@pytest.mark.parametrize(
    "credential",
    [None, "Bearer fd_not-a-real-token", "Basic b3duZXI6cGFzc3dvcmQ="],
    ids=["anonymous", "unknown-bearer-token", "basic-auth"],
)
def test_every_guarded_operation_answers_401_and_writes_nothing_without_credentials(
    credential, org, own_world, anon_api
):
    """Every operation outside /api/public, called without a valid credential — with a
    real record's id in each path parameter and a valid example body — answers 401
    problem+json with ``WWW-Authenticate: Bearer`` and leaves the organization's data as
    it was (one generic sweep, so a new route cannot forget it)."""
    from frontdesk.core.testing import _request_body, fill_path, tenant_snapshot

    doc = anon_api.get("/api/crm/openapi.json").json()
    client = Client()
    headers = {"Authorization": credential} if credential else {}
    some_id = str(own_world[0].pk)
    before = tenant_snapshot(org)
    wrong, called = [], 0
    for method, path, op in doc_operations(doc):
        if path.startswith("/api/public/") or method not in {"GET", *UNSAFE}:
            continue
        values = {p["name"]: some_id for p in op.get("parameters", []) if p["in"] == "path"}
        url = fill_path(path, values)
        body = _request_body(op, doc, uuid_value=some_id)
        kwargs = {"headers": headers}
        if body is not None:
            kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
        response = getattr(client, method.lower())(url, **kwargs)
        called += 1
        if (
            response.status_code != 401
            or not response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
            or not response.get("WWW-Authenticate", "").startswith("Bearer")
        ):
            wrong.append(f"{method} {url}: {response.status_code} {response.content[:120]!r}")
    assert called > 100
    assert not wrong, "\n".join(wrong)
    assert tenant_snapshot(org) == before
