"""Session authentication: login, throttling, logout, passwords, CSRF, and how a change
to a membership reaches a logged-in member on their very next request."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY
from frontdesk.organizations.services import staff_add, staff_update
from frontdesk.organizations.tests.factories import PASSWORD, OrganizationFactory, make_member

LOGIN = reverse("accounts:login")
User = get_user_model()


def login(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": email, "password": password, **extra}, **{})


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = str(membership.pk)
    session.save()
    return client


def without_csrf_token(response) -> str:
    """The page with its (per-response, masked) CSRF token blanked out."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def set_membership(membership, **data):
    org = membership.organization
    with tenant_scope(org):
        staff_update(org=org, actor=Actor.system(org_id=org.pk), membership=membership, data=data)


# --- login ------------------------------------------------------------------------------
def test_it_logs_in_and_remembers_the_membership_in_the_session(members):
    client = Client()
    response = login(client, "owner@alpha.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert client.session[SESSION_MEMBERSHIP_KEY] == str(members["owner"].pk)
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_it_accepts_the_email_in_any_case(members):
    client = Client()
    assert login(client, "  Owner@ALPHA.example ").status_code == 302


def test_it_answers_a_wrong_password_and_an_unknown_email_identically(members):
    wrong_password = login(Client(), "owner@alpha.example", "not the password")
    unknown_email = login(Client(), "nobody@alpha.example", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert "Email or password is incorrect." in wrong_password.content.decode()
    assert without_csrf_token(wrong_password).replace(
        "owner@alpha.example", "EMAIL"
    ) == without_csrf_token(unknown_email).replace("nobody@alpha.example", "EMAIL")


@pytest.mark.parametrize("case", ["inactive user", "deactivated membership", "no membership"])
def test_it_gives_the_generic_error_to_people_who_may_not_work_here(members, org, case):
    if case == "inactive user":
        user = members["advisor"].user
        user.is_active = False
        user.save(update_fields=["is_active"])
        email = user.email
    elif case == "deactivated membership":
        set_membership(members["advisor"], is_active=False)
        email = members["advisor"].user.email
    else:
        email = User.objects.create_user(email="loner@example.com", password=PASSWORD).email
    client = Client()
    right_password = login(client, email)
    unknown = login(Client(), "nobody@alpha.example")
    assert right_password.status_code == 200
    assert "_auth_user_id" not in client.session
    assert without_csrf_token(right_password).replace(email, "EMAIL") == without_csrf_token(
        unknown
    ).replace("nobody@alpha.example", "EMAIL")


def test_it_ignores_an_external_next_url(members):
    response = login(Client(), "owner@alpha.example", next="https://evil.example/steal")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")


def test_it_follows_a_local_next_url(members):
    response = login(Client(), "owner@alpha.example", next="/settings/staff/")
    assert response["Location"] == "/settings/staff/"


def test_it_sends_anonymous_visitors_to_login_with_next(db):
    response = Client().get(reverse("organizations:staff"))
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/settings/staff/"


# --- throttling (django-axes) -------------------------------------------------------------
@pytest.fixture
def failure_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def test_it_locks_an_account_after_too_many_failures_from_any_address(members, failure_limit):
    for n in range(failure_limit - 1):
        response = login(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), "owner@alpha.example", "wrong")
        assert response.status_code == 200
    # the failure that reaches the limit answers the lockout page
    response = login(Client(REMOTE_ADDR="10.0.0.50"), "owner@alpha.example", "wrong")
    assert response.status_code == 429
    # then even the right password, from yet another address, is refused
    response = login(Client(REMOTE_ADDR="10.0.0.99"), "owner@alpha.example")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    # other accounts are not affected
    assert login(Client(REMOTE_ADDR="10.0.0.99"), "manager@alpha.example").status_code == 302


def test_it_locks_an_address_after_too_many_failures_on_any_account(members, failure_limit):
    for n in range(failure_limit):
        login(Client(REMOTE_ADDR="10.0.0.7"), f"guess{n}@alpha.example", "wrong")
    response = login(Client(REMOTE_ADDR="10.0.0.7"), "owner@alpha.example")
    assert response.status_code == 429
    assert login(Client(REMOTE_ADDR="10.0.0.8"), "owner@alpha.example").status_code == 302


def test_it_counts_an_email_in_another_case_as_the_same_account(members, failure_limit):
    for n, email in enumerate(
        ["OWNER@alpha.example", "owner@ALPHA.example", "Owner@Alpha.Example"]
    ):
        login(Client(REMOTE_ADDR=f"10.0.1.{n}"), email, "wrong")
    assert login(Client(REMOTE_ADDR="10.0.1.50"), "owner@alpha.example").status_code == 429


def test_it_throttles_with_the_settings_axes_expects():
    assert settings.AXES_LOCKOUT_PARAMETERS == ["ip_address", "username"]
    assert settings.AXES_FAILURE_LIMIT >= 3
    assert settings.AXES_COOLOFF_TIME
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert "axes.middleware.AxesMiddleware" in settings.MIDDLEWARE


# --- logout and passwords ------------------------------------------------------------------
def test_it_logs_out_only_by_post(members):
    client = logged_in(members["owner"])
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("core:dashboard")).status_code == 200
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_it_changes_the_password_when_the_old_one_is_right(members):
    client = logged_in(members["advisor"])
    url = reverse("accounts:password_change")
    new = "a brand new long passphrase"
    wrong = client.post(url, {"old_password": "nope", "new_password1": new, "new_password2": new})
    assert wrong.status_code == 200
    assert "old password was entered incorrectly" in wrong.content.decode()
    right = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert right.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200  # still logged in
    assert login(Client(), "advisor@alpha.example", new).status_code == 302
    assert login(Client(), "advisor@alpha.example", PASSWORD).status_code == 200


def test_the_password_change_page_needs_a_login(db):
    response = Client().get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


def test_it_mails_a_reset_link_to_an_existing_account(members, outbox):
    response = Client().post(reverse("accounts:password_reset"), {"email": "Cashier@alpha.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(outbox) == 1
    assert outbox[0].to == ["cashier@alpha.example"]
    link = re.search(r"https?://testserver(\S+)", outbox[0].body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new = "another long passphrase"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert login(Client(), "cashier@alpha.example", new).status_code == 302


def test_it_answers_a_reset_for_an_unknown_email_the_same_way_and_sends_nothing(members, outbox):
    known = Client().post(reverse("accounts:password_reset"), {"email": "cashier@alpha.example"})
    unknown = Client().post(reverse("accounts:password_reset"), {"email": "ghost@alpha.example"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(outbox) == 1


def test_it_lets_a_new_staff_member_choose_a_first_password(org, outbox):
    with tenant_scope(org):
        staff_add(
            org=org, actor=Actor.system(org_id=org.pk), email="new@alpha.example", role="sales"
        )
    assert not User.objects.get(email="new@alpha.example").has_usable_password()
    Client().post(reverse("accounts:password_reset"), {"email": "new@alpha.example"})
    assert len(outbox) == 1


def test_it_sends_no_reset_to_someone_without_a_membership(db, outbox):
    User.objects.create_user(email="loner@example.com", password=PASSWORD)
    Client().post(reverse("accounts:password_reset"), {"email": "loner@example.com"})
    assert outbox == []


# --- CSRF ---------------------------------------------------------------------------------
def test_it_rejects_a_login_form_post_without_the_csrf_token(members):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "owner@alpha.example", "password": PASSWORD})
    assert response.status_code == 403
    page = client.get(LOGIN)
    token = page.cookies["csrftoken"].value
    response = client.post(
        LOGIN,
        {"username": "owner@alpha.example", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_it_rejects_a_page_form_post_without_the_csrf_token(members):
    client = logged_in(members["owner"])
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("organizations:tokens"), {"name": "ci"})
    assert response.status_code == 403
    assert "Your form expired" in response.content.decode()


def test_an_api_write_with_the_session_cookie_needs_the_csrf_header(members):
    client = logged_in(members["owner"])
    client.handler.enforce_csrf_checks = True
    client.get(reverse("core:dashboard"))  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    body = {"name": "from the browser"}
    refused = client.post("/api/crm/tokens", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert "CSRF" in refused.json()["detail"]
    accepted = client.post(
        "/api/crm/tokens", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201
    assert accepted.json()["token"].startswith("fd_")


def test_an_api_read_with_the_session_cookie_needs_no_csrf_header(members):
    client = logged_in(members["owner"])
    client.handler.enforce_csrf_checks = True
    assert client.get("/api/crm/me").json()["role"] == "owner"


# --- changes reach a logged-in member on their next request ----------------------------------
def test_a_deactivated_member_is_logged_out_on_the_next_request(members):
    client = logged_in(members["advisor"])
    assert client.get(reverse("core:dashboard")).status_code == 200
    set_membership(members["advisor"], is_active=False)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    assert client.get("/api/crm/me").status_code == 401


def test_a_role_change_takes_effect_on_the_next_request(members):
    client = logged_in(members["advisor"])
    assert client.get(reverse("organizations:staff")).status_code == 403
    set_membership(members["advisor"], role="manager")
    assert client.get(reverse("organizations:staff")).status_code == 200
    assert client.get("/api/crm/me").json()["role"] == "manager"


# --- several organizations -------------------------------------------------------------------
@pytest.fixture
def two_org_member(members):
    """The org's advisor, who is also the manager of a second shop."""
    second = OrganizationFactory(name="Zulu Tires", slug="zulu")
    other = make_member(second, "manager", email="advisor@alpha.example")
    return members["advisor"], other


def test_it_offers_the_switcher_only_to_people_in_several_organizations(members, two_org_member):
    single = logged_in(members["owner"]).get(reverse("core:dashboard")).content.decode()
    assert 'name="membership_id"' not in single
    multi = logged_in(two_org_member[0]).get(reverse("core:dashboard")).content.decode()
    assert 'name="membership_id"' in multi
    assert "Zulu Tires" in multi


def test_it_switches_to_another_organization_of_the_same_person(two_org_member):
    alpha, zulu = two_org_member
    client = logged_in(alpha)
    response = client.post(reverse("accounts:switch"), {"membership_id": str(zulu.pk)})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert client.session[SESSION_MEMBERSHIP_KEY] == str(zulu.pk)
    me = client.get("/api/crm/me").json()
    assert (me["organization"]["slug"], me["role"]) == ("zulu", "manager")
    assert client.get(reverse("organizations:staff")).status_code == 200


def test_it_does_not_switch_into_someone_elses_membership(members, two_org_member, other_owner):
    client = logged_in(members["owner"])
    client.post(reverse("accounts:switch"), {"membership_id": str(other_owner.pk)})
    assert client.session[SESSION_MEMBERSHIP_KEY] == str(members["owner"].pk)
    assert client.get("/api/crm/me").json()["organization"]["slug"] == "alpha"


def test_switching_ignores_an_external_next(two_org_member):
    alpha, zulu = two_org_member
    response = logged_in(alpha).post(
        reverse("accounts:switch"),
        {"membership_id": str(zulu.pk), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("core:dashboard")


def test_switching_is_post_only(two_org_member):
    assert logged_in(two_org_member[0]).get(reverse("accounts:switch")).status_code == 405
