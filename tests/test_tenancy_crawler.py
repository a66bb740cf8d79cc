"""The generic cross-tenant test (SPEC rule 1): every API route that takes an id, called
by an owner with each record of *another* organization, answers 404 — never data, never
403, never a change over there.

The other organization's "world" comes from every app's ``tests/world.py`` builder; a
tenant model without a row in it fails the completeness test, so a new model or route
is covered the day it is added. See ``frontdesk.core.testing`` for the crawler itself.
"""

import types
from uuid import UUID

import pytest
from django.test import override_settings
from ninja import Field, Router, Schema, Status

import frontdesk.organizations.api as organizations_api
import frontdesk.urls
from frontdesk.core.api import (
    ActorRateThrottle,
    FrontdeskAPI,
    api_permission,
    install_problem_handlers,
)
from frontdesk.core.lookups import get_or_404
from frontdesk.core.tenancy import operator_scope, tenant_scope
from frontdesk.core.testing import (
    api_operations,
    build_world,
    crawl_foreign_ids,
    fingerprints,
    models_without_rows,
    tenant_models,
    tenant_snapshot,
    values_of,
)
from frontdesk.jobs.models import OrgScheduleRun
from frontdesk.organizations.choices import Role
from frontdesk.organizations.models import Membership
from frontdesk.organizations.tests.factories import make_member

# "METHOD /path" -> why the crawler cannot reach its handler with a foreign id
ALLOWED_BLIND_SPOTS: dict[str, str] = {}


@pytest.fixture
def other_members(other_org):
    return {role.value: make_member(other_org, role.value) for role in Role}


class World:
    """Both organizations' worlds, and what identifies the other one's records."""

    def __init__(self, org, members, other_org, other_members):
        self.org, self.other_org = org, other_org
        self.own = build_world(org, members)
        self.other = build_world(other_org, other_members)
        with tenant_scope(other_org):
            firsts = [model.objects.order_by("pk").first() for model in tenant_models()]
        ids = {str(obj.pk): None for obj in [*self.other, *filter(None, firsts)]}
        self.foreign_ids = list(ids)
        own_values = values_of(self.own) | {org.name, org.slug}
        self.fingerprints = fingerprints(self.other, exclude=own_values) | {
            str(other_org.pk),
            other_org.name,
        }

    def snapshot(self):
        return tenant_snapshot(self.other_org)


@pytest.fixture
def world(org, members, other_org, other_members):
    return World(org, members, other_org, other_members)


def test_the_other_organizations_world_has_a_row_of_every_tenant_model(world, other_org):
    missing = models_without_rows(other_org)
    assert not missing, (
        f"no row of {missing} in the crawler's world: add them to a @world_builder in "
        "frontdesk/<app>/tests/world.py"
    )


def test_no_route_reaches_another_organizations_records(world, api, anon_api):
    doc = anon_api.get("/api/crm/openapi.json").json()
    report = crawl_foreign_ids(
        client=api,
        doc=doc,
        foreign_ids=world.foreign_ids,
        foreign_fingerprints=world.fingerprints,
        snapshot=world.snapshot,
        fixed_params={"org_slug": world.org.slug},
    )
    assert report.requests >= len(world.foreign_ids) * 3
    assert not report.failures, "\n".join(report.failures)
    blind = sorted(set(report.blind_spots) - set(ALLOWED_BLIND_SPOTS))
    assert not blind, f"the crawler never reached these handlers (only 422s): {blind}"


def test_the_crawler_calls_every_route_that_takes_an_id(world, anon_api):
    doc = anon_api.get("/api/crm/openapi.json").json()
    with_ids = {str(op) for op in api_operations() if op.path_params}
    crawled = {
        f"{method.upper()} {path}"
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if any(p["in"] == "path" for p in op["parameters"])
    }
    assert with_ids == crawled
    assert {"GET /api/crm/staff/{membership_id}", "POST /api/crm/tokens/{token_id}/revoke"} <= (
        crawled
    )


@pytest.mark.parametrize("path", ["/staff", "/tokens", "/audit"])
def test_a_list_never_shows_another_organizations_rows(world, api, path):
    response = api.get(path, {"limit": 200})
    assert response.status_code == 200
    assert response.json()["items"]
    text = response.content.decode()
    assert not [fp for fp in world.fingerprints if fp in text]


def test_no_read_without_ids_shows_another_organizations_rows(world, api):
    for op in api_operations():
        if op.method != "GET" or op.path_params or not op.permission:
            continue
        response = api.get(op.path)
        assert response.status_code == 200, op
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode()
        assert not [fp for fp in world.fingerprints if fp in text], op


# --- the crawler catches the mistakes it exists for ----------------------------------------
def test_the_completeness_check_names_a_model_missing_from_the_world(world, other_org):
    with tenant_scope(other_org):
        OrgScheduleRun.objects.all().delete()
    assert models_without_rows(other_org) == ["jobs.OrgScheduleRun"]


class TitleIn(Schema):
    title: str = Field(max_length=100, examples=["Lead mechanic"])


class NoteIn(Schema):
    membership_id: UUID
    text: str = Field(examples=["Call back on Monday"])


def leaky_urlconf():
    """A throwaway API with routes that forget tenancy, served beside the real one."""
    router = Router()

    @router.get("/members/{membership_id}", auth=api_permission("staff.view"))
    def leaky_member(request, membership_id: UUID):
        """Reads a member of any organization."""
        with operator_scope():
            member = get_or_404(Membership.objects.select_related("user"), membership_id)
            return {"email": member.user.email}

    @router.patch("/members/{membership_id}", auth=api_permission("staff.manage"))
    def leaky_member_title(request, membership_id: UUID, payload: TitleIn):
        """Changes a member of any organization."""
        with operator_scope():
            member = get_or_404(Membership, membership_id)
            member.title = payload.title
            member.save(update_fields=["title", "updated_at"])
        return {"ok": True}

    @router.post("/notes", auth=api_permission("staff.view"), response={201: dict})
    def leaky_note(request, payload: NoteIn):
        """Accepts a member of any organization as the note's subject."""
        with operator_scope():
            member = get_or_404(Membership, payload.membership_id)
        return Status(201, {"about": str(member.pk)})

    leaky_api = FrontdeskAPI(
        title="leaky", urls_namespace="leaky", throttle=[ActorRateThrottle()], docs_url=None
    )
    install_problem_handlers(leaky_api)
    leaky_api.add_router("/", router)
    module = types.ModuleType("leaky_urls")
    from django.urls import path  # noqa: PLC0415 - only this throwaway urlconf needs it

    module.urlpatterns = [path("api/leaky/", leaky_api.urls), *frontdesk.urls.urlpatterns]
    return module


def test_the_crawler_flags_a_new_route_that_forgets_tenancy(world, api, anon_api):
    with override_settings(ROOT_URLCONF=leaky_urlconf()):
        doc = anon_api.get("/api/leaky/openapi.json").json()
        report = crawl_foreign_ids(
            client=api,
            doc=doc,
            foreign_ids=world.foreign_ids,
            foreign_fingerprints=world.fingerprints,
            snapshot=world.snapshot,
        )
    failures = "\n".join(report.failures)
    assert "GET /api/leaky/members/" in failures and "answered 200" in failures
    assert "answered the other organization's data" in failures
    assert "PATCH /api/leaky/members/{membership_id} changed the other organization's" in failures
    assert "organizations.Membership" in failures
    assert "POST /api/leaky/notes with a foreign id answered 201" in failures


def test_the_crawler_flags_a_handler_that_drops_the_scope(world, api, anon_api, monkeypatch):
    def unscoped_get_or_404(queryset, pk):
        # the scope is applied when a queryset is made: make it anew without one
        with operator_scope():
            return get_or_404(queryset.model.objects.all(), pk)

    monkeypatch.setattr(organizations_api, "get_or_404", unscoped_get_or_404)
    report = crawl_foreign_ids(
        client=api,
        doc=anon_api.get("/api/crm/openapi.json").json(),
        foreign_ids=world.foreign_ids,
        foreign_fingerprints=world.fingerprints,
        snapshot=world.snapshot,
    )
    failures = "\n".join(report.failures)
    assert "GET /api/crm/staff/" in failures
    assert "POST /api/crm/tokens/" in failures  # revoked another organization's token
    assert "POST /api/crm/tokens/{token_id}/revoke changed the other organization's" in failures
