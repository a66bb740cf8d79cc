"""The settings, staff, API token and audit pages, for every role that may (not) use them."""

import pytest
from django.test import Client
from django.urls import reverse

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import token_for
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY
from frontdesk.organizations.models import ApiToken, Membership, Organization

SETTINGS = reverse("organizations:settings")
STAFF = reverse("organizations:staff")
TOKENS = reverse("organizations:tokens")
AUDIT = reverse("audit:list")
ROLES = ["owner", "manager", "advisor", "cashier", "marketing", "sales"]


@pytest.fixture
def as_role(members):
    def make(role: str) -> Client:
        client = Client()
        client.force_login(members[role].user)
        session = client.session
        session[SESSION_MEMBERSHIP_KEY] = str(members[role].pk)
        session.save()
        return client

    return make


def org_form(org, **changes):
    data = {
        "name": org.name,
        "time_zone": org.time_zone,
        "currency": org.currency,
        "country": org.country,
        "locale": org.locale,
        "uses_vehicles": "on",
    }
    data.update(changes)
    return data


# --- anonymous ------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [SETTINGS, STAFF, TOKENS, AUDIT, reverse("core:dashboard")])
def test_it_sends_anonymous_visitors_to_login_with_next(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


# --- settings ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_settings(as_role, role):
    response = as_role(role).get(SETTINGS)
    assert response.status_code == 200
    assert "Alpha Auto" in response.content.decode()
    assert ('name="time_zone"' in response.content.decode()) is (role == "owner")


def test_the_owner_saves_the_settings(as_role, org):
    response = as_role("owner").post(
        SETTINGS, org_form(org, name="Alpha Auto & Tire", time_zone="America/Denver"), follow=True
    )
    assert response.redirect_chain == [(SETTINGS, 302)]
    assert "Settings saved." in response.content.decode()
    org.refresh_from_db()
    assert (org.name, org.time_zone) == ("Alpha Auto & Tire", "America/Denver")


def test_a_bad_time_zone_shows_an_error_and_saves_nothing(as_role, org):
    response = as_role("owner").post(SETTINGS, org_form(org, name="Changed", time_zone="Mars/Base"))
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert "Select a valid choice" in response.content.decode()
    org.refresh_from_db()
    assert org.name == "Alpha Auto"


def test_a_bad_currency_shows_the_service_error(as_role, org):
    response = as_role("owner").post(SETTINGS, org_form(org, currency="1$2"))
    assert "three-letter ISO 4217" in response.content.decode()
    org.refresh_from_db()
    assert org.currency == "USD"


@pytest.mark.parametrize("role", ["manager", "advisor"])
def test_other_roles_may_not_post_the_settings(as_role, org, role):
    response = as_role(role).post(SETTINGS, org_form(org, name="Hijacked"))
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Alpha Auto"


# --- staff ------------------------------------------------------------------------------------
def test_the_owner_adds_a_staff_member(as_role, org):
    response = as_role("owner").post(
        STAFF, {"email": "New.Person@alpha.example", "full_name": "New Person", "role": "sales"}
    )
    assert response.status_code == 302
    with tenant_scope(org):
        member = Membership.objects.get(user__email="new.person@alpha.example")
    assert member.role == "sales"


def test_adding_someone_already_on_the_staff_shows_the_error_on_the_field(as_role, org):
    response = as_role("owner").post(STAFF, {"email": "cashier@alpha.example", "role": "sales"})
    assert response.status_code == 200
    assert "already on the staff" in response.content.decode()


def test_the_owner_changes_a_role(as_role, members, org):
    advisor = members["advisor"]
    response = as_role("owner").post(
        reverse("organizations:staff_change", args=[advisor.pk]), {"role": "manager"}, follow=True
    )
    assert "advisor@alpha.example updated." in response.content.decode()
    with tenant_scope(org):
        advisor.refresh_from_db()
    assert advisor.role == "manager"


def test_an_unknown_role_changes_nothing(as_role, members, org):
    advisor = members["advisor"]
    response = as_role("owner").post(
        reverse("organizations:staff_change", args=[advisor.pk]), {"role": "emperor"}, follow=True
    )
    assert "Choose one of the roles." in response.content.decode()
    with tenant_scope(org):
        advisor.refresh_from_db()
    assert advisor.role == "advisor"


def test_the_owner_deactivates_and_reactivates_a_member(as_role, members, org):
    owner, cashier = as_role("owner"), members["cashier"]
    url = reverse("organizations:staff_change", args=[cashier.pk])
    owner.post(url, {"is_active": "false"})
    with tenant_scope(org):
        cashier.refresh_from_db()
    assert cashier.is_active is False
    owner.post(url, {"is_active": "true"})
    with tenant_scope(org):
        cashier.refresh_from_db()
    assert cashier.is_active is True


def test_the_last_owner_cannot_be_deactivated_and_is_told_why(as_role, members, org):
    owner = members["owner"]
    response = as_role("owner").post(
        reverse("organizations:staff_change", args=[owner.pk]), {"is_active": "false"}, follow=True
    )
    assert "keeps at least one active owner" in response.content.decode()
    with tenant_scope(org):
        owner.refresh_from_db()
    assert owner.is_active is True


def test_the_manager_sees_the_staff_read_only(as_role, members):
    client = as_role("manager")
    page = client.get(STAFF).content.decode()
    assert "advisor@alpha.example" in page
    assert "Set role" not in page and "Add staff member" not in page
    url = reverse("organizations:staff_change", args=[members["advisor"].pk])
    assert client.post(url, {"role": "owner"}).status_code == 403
    assert client.post(STAFF, {"email": "x@alpha.example", "role": "owner"}).status_code == 403


@pytest.mark.parametrize("role", ["advisor", "cashier", "marketing", "sales"])
def test_other_roles_may_not_open_the_staff_page(as_role, role):
    assert as_role(role).get(STAFF).status_code == 403


def test_another_organizations_membership_is_not_found(as_role, other_owner, other_org):
    url = reverse("organizations:staff_change", args=[other_owner.pk])
    assert as_role("owner").post(url, {"role": "sales"}).status_code == 404
    with tenant_scope(other_org):
        other_owner.refresh_from_db()
    assert other_owner.role == "owner"


# --- tokens -----------------------------------------------------------------------------------
def test_a_new_token_is_shown_once_and_not_cached(as_role, org):
    client = as_role("advisor")
    response = client.post(TOKENS, {"name": "zapier"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    with tenant_scope(org):
        token = ApiToken.objects.get(name="zapier")
    start = page.index('id="new-token">') + len('id="new-token">')
    raw = page[start : page.index("<", start)]
    assert raw.startswith(token.prefix) and len(raw) > 30
    again = client.get(TOKENS)
    assert "zapier" in again.content.decode()
    assert raw not in again.content.decode()
    assert (
        Client().get("/api/crm/me", headers={"Authorization": f"Bearer {raw}"}).json()["role"]
        == "advisor"
    )


def test_a_token_needs_a_name(as_role):
    response = as_role("advisor").post(TOKENS, {"name": ""})
    assert response.status_code == 200
    assert 'id="new-token"' not in response.content.decode()


def test_a_member_revokes_their_own_token(as_role, members, org):
    raw = token_for(members["cashier"], name="till")
    with tenant_scope(org):
        token = ApiToken.objects.get(name="till")
    response = as_role("cashier").post(reverse("organizations:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert (
        Client().get("/api/crm/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    )


def test_a_member_cannot_revoke_another_members_token(as_role, members, org):
    token_for(members["owner"], name="owner's")
    with tenant_scope(org):
        token = ApiToken.objects.get(name="owner's")
    url = reverse("organizations:token_revoke", args=[token.pk])
    assert as_role("manager").post(url).status_code == 404
    assert "owner&#x27;s" not in as_role("manager").get(TOKENS).content.decode()
    with tenant_scope(org):
        token.refresh_from_db()
    assert token.revoked_at is None


def test_the_owner_sees_and_revokes_every_token(as_role, members, org):
    token_for(members["sales"], name="crm sync")
    with tenant_scope(org):
        token = ApiToken.objects.get(name="crm sync")
    owner = as_role("owner")
    assert "crm sync" in owner.get(TOKENS).content.decode()
    assert owner.post(reverse("organizations:token_revoke", args=[token.pk])).status_code == 302
    with tenant_scope(org):
        token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_organizations_token_is_not_found(as_role, other_owner, other_org):
    token_for(other_owner, name="bravo")
    with tenant_scope(other_org):
        token = ApiToken.objects.get(name="bravo")
    url = reverse("organizations:token_revoke", args=[token.pk])
    assert as_role("owner").post(url).status_code == 404
    with tenant_scope(other_org):
        token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_is_post_only(as_role, members, org):
    token_for(members["owner"], name="mine")
    with tenant_scope(org):
        token = ApiToken.objects.get(name="mine")
    response = as_role("owner").get(reverse("organizations:token_revoke", args=[token.pk]))
    assert response.status_code == 405


# --- audit ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_only_owners_and_managers_read_the_audit_trail(as_role, role):
    response = as_role(role).get(AUDIT)
    assert response.status_code == (200 if role in ("owner", "manager") else 403)


def test_the_audit_trail_shows_changes_made_on_the_pages(as_role, org):
    owner = as_role("owner")
    owner.post(SETTINGS, org_form(org, name="Alpha Auto Group"))
    page = owner.get(AUDIT).content.decode()
    assert "Alpha Auto Group" in page
    assert "owner@alpha.example" in page


# --- the dashboard and the navigation ----------------------------------------------------------
def test_the_navigation_shows_each_role_only_its_pages(as_role):
    owner = as_role("owner").get(reverse("core:dashboard")).content.decode()
    cashier = as_role("cashier").get(reverse("core:dashboard")).content.decode()
    for label in ("Staff and roles", "Audit trail", "API tokens", "Organization"):
        assert f">{label}</a>" in owner
    assert ">Staff and roles</a>" not in cashier
    assert ">Audit trail</a>" not in cashier
    assert ">API tokens</a>" in cashier


def test_the_page_of_the_navigation_entry_is_marked_current(as_role):
    page = as_role("owner").get(STAFF).content.decode()
    assert f'<a href="{STAFF}" aria-current="page">' in page
    assert f'<a href="{SETTINGS}" aria-current="page">' not in page


def test_an_organization_that_closed_logs_its_members_out(as_role, org):
    client = as_role("owner")
    Organization.objects.filter(pk=org.pk).update(is_active=False)
    assert client.get(reverse("core:dashboard")).status_code == 302
