"""API authentication: tokens stored hashed and shown once, and every change to a member
(revoked token, deactivation, role change) taking effect on their very next request."""

import hashlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone

from frontdesk.core.testing import ApiClient
from frontdesk.organizations.models import ApiToken, Membership, Organization


@pytest.fixture
def session_client(members):
    """The manager, logged in through a session."""
    client = Client()
    client.force_login(members["manager"].user)
    return client


def session_me(client):
    return client.get("/api/crm/me")


def change(in_org, membership, **fields):
    with in_org():
        Membership.objects.filter(pk=membership.pk).update(**fields)


# --- tokens at rest ----------------------------------------------------------------------------
def test_a_token_is_stored_only_as_its_sha256(api_as, in_org):
    raw = api_as("advisor").post("/tokens", {"name": "phone app"}).json()["token"]
    with in_org():
        token = ApiToken.objects.get(name="phone app")
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:10]

    # the raw value is in no column of any table
    tables = {
        m._meta.db_table: [f.column for f in m._meta.concrete_fields] for m in apps.get_models()
    }
    with connection.cursor() as cursor:
        for table, columns in tables.items():
            for column in columns:
                quoted = connection.ops.quote_name
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quoted(table)} WHERE CAST({quoted(column)} AS TEXT) LIKE %s",
                    [f"%{raw[10:]}%"],
                )
                assert cursor.fetchone()[0] == 0, f"raw token found in {table}.{column}"


def test_a_token_is_shown_once(api_as):
    created = api_as("advisor").post("/tokens", {"name": "phone app"}).json()
    listed = api_as("advisor").get("/tokens").content.decode()
    assert created["token"] not in listed
    assert created["prefix"] in listed  # recognisable by its first characters


def test_a_revoked_token_is_refused_on_the_next_request(api_as):
    created = api_as("advisor").post("/tokens", {"name": "laptop"}).json()
    client = ApiClient(created["token"])
    assert client.post(f"/tokens/{created['id']}/revoke").status_code == 200
    response = client.get("/me")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_wrong_scheme_or_a_bad_token_is_refused_even_with_a_session(session_client):
    assert session_me(session_client).status_code == 200
    for header in ("Token abc", "Bearer fd_nope", "Bearer "):
        response = session_client.get("/api/crm/me", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_the_bearer_scheme_is_case_insensitive(api_as):
    raw = api_as("sales").headers["Authorization"].split(" ", 1)[1]
    assert ApiClient().get("/me", headers={"Authorization": f"bearer {raw}"}).status_code == 200


# --- changes take effect on the next request ---------------------------------------------------
def test_a_deactivated_members_token_is_refused_on_the_next_request(api_as, members, in_org):
    client = api_as("cashier")
    assert client.get("/me").status_code == 200
    change(in_org, members["cashier"], is_active=False)
    assert client.get("/me").status_code == 401


def test_a_deactivated_members_session_ends_on_the_next_request(session_client, members, in_org):
    assert session_me(session_client).status_code == 200
    change(in_org, members["manager"], is_active=False)
    assert session_me(session_client).status_code == 401
    # and stays ended when they are reactivated: they log in again
    change(in_org, members["manager"], is_active=True)
    assert session_me(session_client).status_code == 401


def test_deactivation_through_the_api_locks_the_member_out(api, api_as, members):
    client = api_as("sales")
    assert api.patch(f"/staff/{members['sales'].pk}", {"is_active": False}).status_code == 200
    assert client.get("/me").status_code == 401


def test_a_deactivated_user_or_organization_is_refused(api_as, members, org):
    client = api_as("advisor")
    user = members["advisor"].user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/me").status_code == 401

    owner = api_as("owner")
    Organization.objects.filter(pk=org.pk).update(is_active=False)
    assert owner.get("/me").status_code == 401


def test_a_role_change_applies_to_tokens_on_the_next_request(api, api_as, members):
    client = api_as("manager")
    assert client.get("/staff").status_code == 200
    assert api.patch(f"/staff/{members['manager'].pk}", {"role": "cashier"}).status_code == 200
    assert client.get("/staff").status_code == 403
    assert client.get("/me").json()["role"] == "cashier"


def test_a_role_change_applies_to_sessions_on_the_next_request(session_client, members, in_org):
    assert session_client.get("/api/crm/staff").status_code == 200
    change(in_org, members["manager"], role="sales")
    assert session_client.get("/api/crm/staff").status_code == 403
    assert session_me(session_client).json()["role"] == "sales"


# --- last use ----------------------------------------------------------------------------------
def test_the_last_use_of_a_token_is_recorded(api_as, members, in_org):
    client = api_as("sales")
    with in_org():
        token = ApiToken.objects.get(membership=members["sales"])
    assert token.last_used_at is None

    client.get("/me")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use and timezone.now() - first_use < timedelta(seconds=5)

    client.get("/me")  # within a minute: not written again
    token.refresh_from_db()
    assert token.last_used_at == first_use

    with in_org():
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=5))
    client.get("/me")
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_a_refused_token_records_no_use(api_as, members, in_org):
    client = api_as("sales")
    change(in_org, members["sales"], is_active=False)
    client.get("/me")
    with in_org():
        assert ApiToken.objects.get(membership=members["sales"]).last_used_at is None


# --- assistant tokens --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/staff", {"email": "bot@alpha.example", "role": "owner"}),
        ("PATCH", "/organization", {"name": "Bot Inc"}),
        ("GET", "/staff", None),
        ("GET", "/audit", None),
        ("GET", "/tokens", None),
        ("POST", "/tokens", {"name": "another"}),
    ],
)
def test_an_owners_assistant_token_is_still_limited(api_as, method, path, body):
    response = api_as("owner", assistant=True).request(method, path, body)
    assert response.status_code == 403


def test_an_assistant_token_reads(api_as):
    assistant = api_as("owner", assistant=True)
    assert assistant.get("/me").status_code == 200
    assert assistant.get("/organization").status_code == 200
