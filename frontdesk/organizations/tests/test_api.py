"""The organization, staff and token endpoints: anonymous 401, another organization's ids
404, a role without the permission 403, bad input 422 with nothing written, conflicts
409, and the allowed paths."""

import uuid

import pytest

from frontdesk.audit.models import AuditEntry
from frontdesk.core.testing import ApiClient, token_for
from frontdesk.organizations.models import ApiToken, Membership, Organization
from frontdesk.organizations.roles import permissions_for
from frontdesk.organizations.tests.factories import make_member

ROLES = ["owner", "manager", "advisor", "cashier", "marketing", "sales"]


def audit_count(in_org, **filters):
    with in_org():
        return AuditEntry.objects.filter(**filters).count()


# --- /me -------------------------------------------------------------------------------------
def test_me_needs_credentials(db, anon_api):
    assert anon_api.get("/me").status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_me_tells_each_role_who_it_is_and_what_it_may_do(api_as, org, members, role):
    body = api_as(role).get("/me").json()
    assert body["organization"]["id"] == str(org.pk)
    assert body["email"] == members[role].user.email
    assert body["role"] == role
    assert body["kind"] == "staff"
    assert body["permissions"] == sorted(permissions_for(role))


def test_me_tells_an_assistant_token_it_is_one(api_as):
    body = api_as("manager", assistant=True).get("/me").json()
    assert body["kind"] == "assistant"
    assert body["permissions"] == sorted(permissions_for("manager", assistant=True))


# --- /organization -------------------------------------------------------------------------
def test_the_organization_needs_credentials(db, anon_api):
    assert anon_api.get("/organization").status_code == 401
    assert anon_api.patch("/organization", {"name": "Hijacked"}).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_its_own_organization(api_as, org, role):
    body = api_as(role).get("/organization").json()
    assert body["slug"] == org.slug
    assert body["business_hours"]["mon"] == [["08:00", "18:00"]]


def test_the_owner_changes_the_organization_and_it_is_audited(api, org, other_org, in_org):
    hours = {"mon": [["07:30", "17:00"]], "sat": [["09:00", "12:00"]]}
    response = api.patch(
        "/organization",
        {"name": "Alpha Auto & Tire", "currency": "cad", "business_hours": hours},
    )
    assert response.status_code == 200
    assert response.json()["currency"] == "CAD"
    org.refresh_from_db()
    assert (org.name, org.currency, org.business_hours) == ("Alpha Auto & Tire", "CAD", hours)
    with in_org():
        entry = AuditEntry.objects.get(object_type="organizations.organization")
    assert entry.changes["name"] == ["Alpha Auto", "Alpha Auto & Tire"]
    other_org.refresh_from_db()
    assert other_org.name == "Bravo Body Shop"


def test_a_patch_that_changes_nothing_writes_nothing(api, org, in_org):
    before = audit_count(in_org)
    assert api.patch("/organization", {"name": org.name}).status_code == 200
    assert audit_count(in_org) == before


def test_the_slug_cannot_be_changed_through_a_patch(api, org):
    assert api.patch("/organization", {"slug": "taken-over"}).status_code == 200
    org.refresh_from_db()
    assert org.slug == "alpha"


@pytest.mark.parametrize("role", ["manager", "advisor", "cashier", "marketing", "sales"])
def test_only_the_owner_changes_organization_settings(api_as, org, role):
    response = api_as(role).patch("/organization", {"name": "Renamed"})
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Alpha Auto"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"currency": "US"}, "currency"),
        ({"country": "USA"}, "country"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"time_zone": None}, "time_zone"),
        ({"currency": None}, "currency"),
        ({"settings": None}, "settings"),
        ({"uses_vehicles": None}, "uses_vehicles"),
        ({"business_hours": {"funday": []}}, "business_hours"),
        ({"business_hours": {"mon": [["18:00", "08:00"]]}}, "business_hours.mon"),
        ({"business_hours": {"mon": [["8am", "6pm"]]}}, "business_hours.mon"),
        ({"business_hours": "always"}, "business_hours"),
    ],
)
def test_bad_organization_input_is_a_422_and_changes_nothing(api, org, in_org, payload, field):
    before = Organization.objects.filter(pk=org.pk).values().get()
    audits = audit_count(in_org)
    response = api.patch("/organization", {"locale": "fr-CA", **payload})
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Organization.objects.filter(pk=org.pk).values().get() == before
    assert audit_count(in_org) == audits


# --- /staff ----------------------------------------------------------------------------------
def test_staff_needs_credentials(anon_api, members):
    assert anon_api.get("/staff").status_code == 401
    assert anon_api.post("/staff", {"email": "x@y.example", "role": "sales"}).status_code == 401
    assert anon_api.get(f"/staff/{members['sales'].pk}").status_code == 401
    assert anon_api.patch(f"/staff/{members['sales'].pk}", {"role": "owner"}).status_code == 401


@pytest.mark.parametrize("role", ["advisor", "cashier", "marketing", "sales"])
def test_only_owners_and_managers_see_the_staff(api_as, members, role):
    assert api_as(role).get("/staff").status_code == 403
    assert api_as(role).get(f"/staff/{members['owner'].pk}").status_code == 403
    assert api_as("manager").get("/staff").status_code == 200


def test_the_staff_list_shows_this_organizations_staff_only(api, members, other_owner):
    items = api.get("/staff").json()["items"]
    assert {i["id"] for i in items} == {str(m.pk) for m in members.values()}
    assert other_owner.user.email not in str(items)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "cashier"}, {"cashier"}),
        ({"q": "MARKET"}, {"marketing"}),
        ({"is_active": "false"}, {"sales"}),
    ],
)
def test_the_staff_list_filters(api, members, in_org, params, expected):
    with in_org():
        Membership.objects.filter(pk=members["sales"].pk).update(is_active=False)
    items = api.get("/staff", params).json()["items"]
    assert {i["role"] for i in items} == expected


def test_one_staff_member(api, members):
    body = api.get(f"/staff/{members['advisor'].pk}").json()
    assert body["email"] == "advisor@alpha.example"
    assert body["role"] == "advisor"


def test_another_organizations_member_is_not_found(api, other_owner, in_org):
    assert api.get(f"/staff/{other_owner.pk}").status_code == 404
    assert api.get(f"/staff/{uuid.uuid4()}").status_code == 404
    response = api.patch(f"/staff/{other_owner.pk}", {"role": "sales", "is_active": False})
    assert response.status_code == 404
    other_owner.refresh_from_db()
    assert (other_owner.role, other_owner.is_active) == ("owner", True)


def test_the_owner_adds_a_member_and_it_is_audited(api, in_org):
    response = api.post(
        "/staff",
        {"email": " Sam@Alpha.Example ", "role": "advisor", "full_name": "Sam", "is_advisor": True},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["role"], body["is_advisor"]) == (
        "sam@alpha.example",
        "advisor",
        True,
    )
    with in_org():
        member = Membership.objects.get(pk=body["id"])
        assert AuditEntry.objects.filter(object_id=str(member.pk), action="create").exists()
    assert not member.user.has_usable_password()  # they set it through password reset


def test_a_person_on_another_organizations_staff_can_join_this_one(api, other_owner):
    response = api.post("/staff", {"email": other_owner.user.email, "role": "sales"})
    assert response.status_code == 201
    other_owner.refresh_from_db()
    assert other_owner.role == "owner"


@pytest.mark.parametrize("role", ["manager", "advisor", "cashier", "marketing", "sales"])
def test_only_the_owner_adds_staff(api_as, in_org, role):
    response = api_as(role).post("/staff", {"email": "new@alpha.example", "role": "sales"})
    assert response.status_code == 403
    with in_org():
        assert not Membership.objects.filter(user__email="new@alpha.example").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "role": "sales"}, "email"),
        ({"email": "a@b", "role": "sales"}, "email"),
        ({"email": "new@alpha.example", "role": "janitor"}, "role"),
        ({"email": "new@alpha.example"}, "role"),
        ({"role": "sales"}, "email"),
        ({"email": "new@alpha.example", "role": "sales", "full_name": "x" * 201}, "full_name"),
    ],
)
def test_bad_staff_input_is_a_422_and_writes_nothing(api, in_org, payload, field):
    audits = audit_count(in_org)
    response = api.post("/staff", payload)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    with in_org():
        assert Membership.objects.count() == 6
    assert audit_count(in_org) == audits


@pytest.mark.parametrize("email", ["cashier@alpha.example", "  CASHIER@Alpha.example"])
def test_adding_someone_already_on_the_staff_is_a_409(api, in_org, email):
    response = api.post("/staff", {"email": email, "role": "sales"})
    assert response.status_code == 409
    with in_org():
        assert Membership.objects.get(user__email="cashier@alpha.example").role == "cashier"


def test_the_owner_changes_a_role_and_it_is_audited(api, members, in_org):
    target = members["advisor"]
    response = api.patch(f"/staff/{target.pk}", {"role": "manager", "title": "Shop lead"})
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["title"]) == ("manager", "Shop lead")
    with in_org():
        entry = AuditEntry.objects.filter(object_id=str(target.pk), action="update").get()
    assert entry.changes == {"role": ["advisor", "manager"], "title": ["", "Shop lead"]}


def test_a_manager_may_not_change_roles(api_as, members):
    response = api_as("manager").patch(f"/staff/{members['manager'].pk}", {"role": "owner"})
    assert response.status_code == 403
    members["manager"].refresh_from_db()
    assert members["manager"].role == "manager"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "janitor"}, "role"),
        ({"role": None}, "role"),
        ({"is_active": None}, "is_active"),
        ({"is_active": "sometimes"}, "is_active"),
        ({"title": "x" * 101}, "title"),
        ({"title": None}, "title"),
    ],
)
def test_bad_staff_changes_are_a_422_and_change_nothing(api, members, in_org, payload, field):
    target = members["sales"]
    audits = audit_count(in_org)
    response = api.patch(f"/staff/{target.pk}", payload)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    target.refresh_from_db()
    assert (target.role, target.is_active, target.title) == ("sales", True, "")
    assert audit_count(in_org) == audits


@pytest.mark.parametrize("change", [{"role": "manager"}, {"is_active": False}])
def test_the_last_active_owner_cannot_be_demoted_or_deactivated(api, members, change):
    response = api.patch(f"/staff/{members['owner'].pk}", change)
    assert response.status_code == 409
    members["owner"].refresh_from_db()
    assert (members["owner"].role, members["owner"].is_active) == ("owner", True)


def test_an_owner_steps_down_once_there_is_another(api, members):
    assert api.patch(f"/staff/{members['manager'].pk}", {"role": "owner"}).status_code == 200
    assert api.patch(f"/staff/{members['owner'].pk}", {"role": "manager"}).status_code == 200


def test_an_inactive_owner_does_not_count_as_the_other_owner(api, org, members, in_org):
    second = make_member(org, "owner", email="second@alpha.example")
    with in_org():
        Membership.objects.filter(pk=second.pk).update(is_active=False)
    assert api.patch(f"/staff/{members['owner'].pk}", {"is_active": False}).status_code == 409


# --- /tokens ---------------------------------------------------------------------------------
def test_tokens_need_credentials(anon_api, members):
    assert anon_api.get("/tokens").status_code == 401
    assert anon_api.post("/tokens", {"name": "x"}).status_code == 401
    assert anon_api.post(f"/tokens/{uuid.uuid4()}/revoke").status_code == 401


def tokens_of(in_org, membership):
    with in_org():
        return list(ApiToken.objects.filter(membership=membership))


def test_a_member_creates_a_token_for_themself_and_sees_it_once(api_as, members, in_org):
    response = api_as("cashier").post("/tokens", {"name": "Till plugin"})
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("fd_") and len(body["token"]) > 40
    assert (body["name"], body["owner"], body["is_assistant"]) == (
        "Till plugin",
        "cashier@alpha.example",
        False,
    )
    listed = api_as("cashier").get("/tokens").json()["items"]
    assert body["id"] in [t["id"] for t in listed]
    assert "token" not in listed[0] and body["token"] not in str(listed)
    assert ApiClient(body["token"]).get("/me").json()["role"] == "cashier"


def test_a_member_creates_an_assistant_token(api_as):
    body = api_as("sales").post("/tokens", {"name": "Copilot", "is_assistant": True}).json()
    assert body["is_assistant"] is True
    assert ApiClient(body["token"]).get("/me").json()["kind"] == "assistant"


@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}])
def test_a_token_needs_a_name(api, members, in_org, payload):
    before = len(tokens_of(in_org, members["owner"]))
    response = api.post("/tokens", payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"
    assert len(tokens_of(in_org, members["owner"])) == before


def test_an_assistant_token_may_not_create_or_list_tokens(api_as, members, in_org):
    assistant = api_as("owner", assistant=True)
    before = len(tokens_of(in_org, members["owner"]))
    assert assistant.post("/tokens", {"name": "escalate"}).status_code == 403
    assert assistant.get("/tokens").status_code == 403
    assert len(tokens_of(in_org, members["owner"])) == before


def test_a_member_sees_only_their_own_tokens_and_the_owner_sees_all(api_as, members):
    api_as("advisor")
    api_as("cashier")
    advisor_sees = {t["owner"] for t in api_as("advisor").get("/tokens").json()["items"]}
    owner_sees = {t["owner"] for t in api_as("owner").get("/tokens").json()["items"]}
    assert advisor_sees == {"advisor@alpha.example"}
    assert {"advisor@alpha.example", "cashier@alpha.example", "owner@alpha.example"} <= owner_sees


def test_no_token_list_shows_another_organizations_tokens(api, other_api):
    other_api.get("/me")
    assert all(t["owner"].endswith("@alpha.example") for t in api.get("/tokens").json()["items"])


def test_revoking_a_token_twice_is_harmless(api_as, members, in_org):
    created = api_as("advisor").post("/tokens", {"name": "old laptop"}).json()
    first = api_as("advisor").post(f"/tokens/{created['id']}/revoke")
    again = api_as("advisor").post(f"/tokens/{created['id']}/revoke")
    assert first.status_code == again.status_code == 200
    assert first.json()["revoked_at"] and first.json()["revoked_at"] == again.json()["revoked_at"]
    assert audit_count(in_org, object_id=created["id"], action="revoke") == 1
    assert ApiClient(created["token"]).get("/me").status_code == 401


def test_a_member_may_not_revoke_someone_elses_token(api_as, members, in_org):
    cashier_token = api_as("cashier").post("/tokens", {"name": "till"}).json()
    response = api_as("advisor").post(f"/tokens/{cashier_token['id']}/revoke")
    assert response.status_code == 404
    assert ApiClient(cashier_token["token"]).get("/me").status_code == 200


def test_the_owner_revokes_anyones_token(api_as):
    cashier_token = api_as("cashier").post("/tokens", {"name": "till"}).json()
    assert api_as("owner").post(f"/tokens/{cashier_token['id']}/revoke").status_code == 200
    assert ApiClient(cashier_token["token"]).get("/me").status_code == 401


def test_another_organizations_token_is_not_found_and_stays_valid(api, other_owner, in_org):
    raw = token_for(other_owner)
    other_token_id = ApiClient(raw).get("/tokens").json()["items"][0]["id"]
    assert api.post(f"/tokens/{other_token_id}/revoke").status_code == 404
    assert api.post(f"/tokens/{uuid.uuid4()}/revoke").status_code == 404
    assert ApiClient(raw).get("/me").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(org, monkeypatch, in_org):
    import threading
    import time

    from django.db import connections

    from frontdesk.organizations import services

    ann = make_member(org, "owner", email="ann@alpha.example")
    ben = make_member(org, "owner", email="ben@alpha.example")
    original = services.model_update

    def slow_update(**kwargs):
        time.sleep(0.3)  # hold the first transaction open while the second arrives
        return original(**kwargs)

    monkeypatch.setattr(services, "model_update", slow_update)
    barrier, results = threading.Barrier(2), {}

    def demote(actor, target):
        try:
            barrier.wait()
            response = ApiClient(token_for(actor)).patch(f"/staff/{target.pk}", {"role": "manager"})
            results[target.pk] = response.status_code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=demote, args=(ann, ben)),
        threading.Thread(target=demote, args=(ben, ann)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results.values()) == [200, 409]
    with in_org():
        assert Membership.objects.filter(role="owner", is_active=True).count() == 1
