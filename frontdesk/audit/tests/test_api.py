"""The audit trail (SPEC rule 9): who, when, from where, before and after; filterable;
append-only; readable by owners and managers only."""

import pytest
from django.db import transaction
from django.db.models import F
from django.test import override_settings

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope


@pytest.fixture
def promoted(api, members):
    """The owner promotes the advisor to manager, with a known request id."""
    response = api.patch(
        f"/staff/{members['advisor'].pk}",
        {"role": "manager"},
        headers={"X-Request-ID": "audit-req-0001", "User-Agent": "pytest-agent/1"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200
    return members["advisor"]


def entries(api, **params):
    response = api.get("/audit", params)
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_a_change_is_recorded_with_before_after_actor_request_id_and_address(
    api, promoted, members, in_org
):
    (entry,) = entries(
        api, object_type="organizations.membership", object_id=str(promoted.pk), action="update"
    )
    assert entry["changes"] == {"role": ["advisor", "manager"]}
    assert entry["actor_kind"] == "staff"
    assert entry["actor_label"].startswith("owner@alpha.example via token")
    assert entry["request_id"] == "audit-req-0001"
    assert entry["ip"] == "203.0.113.9"
    assert entry["object_repr"]
    with in_org():
        row = AuditEntry.objects.get(pk=entry["id"])
    assert row.actor_user_id == members["owner"].user_id
    assert row.actor_token_id is not None
    assert row.user_agent == "pytest-agent/1"
    assert row.organization_id == members["owner"].organization_id


def test_a_forwarded_for_header_is_ignored_unless_proxies_are_configured(api, members):
    def recorded_ip(title):
        api.patch(
            f"/staff/{members['sales'].pk}",
            {"title": title},
            headers={"X-Forwarded-For": "198.51.100.7, 192.0.2.1"},
            REMOTE_ADDR="203.0.113.9",
        )
        return entries(api, object_id=str(members["sales"].pk), action="update")[0]["ip"]

    assert recorded_ip("one") == "203.0.113.9"
    with override_settings(PROXY_COUNT=1):
        assert recorded_ip("two") == "192.0.2.1"


def test_filtering_by_object_type_and_id(api, promoted, members):
    mine = entries(api, object_type="organizations.membership", object_id=str(promoted.pk))
    assert {e["object_id"] for e in mine} == {str(promoted.pk)}
    assert {e["action"] for e in mine} == {"create", "update"}

    tokens = entries(api, object_type="organizations.apitoken")
    assert tokens and {e["object_type"] for e in tokens} == {"organizations.apitoken"}
    assert entries(api, object_id="no-such-object") == []


def test_the_trail_is_newest_first(api, promoted):
    stamps = [e["created_at"] for e in entries(api, limit=200)]
    assert stamps == sorted(stamps, reverse=True)


def test_a_failed_change_leaves_no_entry(api, members, in_org):
    with in_org():
        before = AuditEntry.objects.count()
    assert api.patch(f"/staff/{members['owner'].pk}", {"role": "sales"}).status_code == 409
    with in_org():
        assert AuditEntry.objects.count() == before


def test_the_trail_shows_only_this_organizations_entries(api, promoted, other_api, other_owner):
    assert other_api.post("/tokens", {"name": "bravo integration"}).status_code == 201
    listed = entries(api, limit=200)
    assert str(other_owner.pk) not in str(listed)
    assert all("bravo" not in e["actor_label"] and "bravo" not in e["object_repr"] for e in listed)


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_read_the_trail(api_as, role):
    assert api_as(role).get("/audit").status_code == 200


@pytest.mark.parametrize("role", ["advisor", "cashier", "marketing", "sales"])
def test_other_roles_may_not_read_the_trail(api_as, role):
    assert api_as(role).get("/audit").status_code == 403


def test_an_assistant_may_not_read_the_trail(api_as):
    assert api_as("owner", assistant=True).get("/audit").status_code == 403


def test_reading_the_trail_needs_credentials(db, anon_api):
    assert anon_api.get("/audit").status_code == 401


# --- append-only ------------------------------------------------------------------------------
@pytest.fixture
def entry(promoted, in_org):
    with in_org():
        return AuditEntry.objects.filter(object_id=str(promoted.pk), action="update").get()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e: e.save(),
        lambda e: e.delete(),
        lambda e: AuditEntry.objects.filter(pk=e.pk).update(changes={}),
        lambda e: AuditEntry.objects.filter(pk=e.pk).update(created_at=F("created_at")),
        lambda e: AuditEntry.objects.filter(pk=e.pk).delete(),
        lambda e: AuditEntry.objects.all().delete(),
        lambda e: AuditEntry.objects.bulk_update([e], ["changes"]),
        lambda e: AuditEntry.objects.update_or_create(pk=e.pk, defaults={"changes": {}}),
    ],
    ids=["save", "delete", "update", "update-f", "qs-delete", "delete-all", "bulk", "upsert"],
)
def test_entries_cannot_be_changed_or_deleted(entry, org, tamper):
    with tenant_scope(org), pytest.raises(TypeError, match="append-only"), transaction.atomic():
        tamper(entry)
    with tenant_scope(org):
        assert AuditEntry.objects.get(pk=entry.pk).changes == {"role": ["advisor", "manager"]}


def test_new_entries_can_still_be_written(org, in_org):
    with in_org():
        recorded = audit_record(
            org=org,
            actor=Actor.system(org_id=org.pk),
            action="export",
            object_type="x",
            object_id=1,
        )
        assert AuditEntry.objects.filter(pk=recorded.pk).exists()
