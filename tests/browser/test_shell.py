"""The web UI shell in a real browser: login, dashboard, staff, tokens, keyboard, phone."""

import re

import pytest
from playwright.sync_api import expect

from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import ApiToken
from frontdesk.organizations.tests.factories import PASSWORD

from .conftest import DESKTOP, PHONE, screenshot, visit

pytestmark = pytest.mark.browser


def test_the_owner_logs_in_and_sees_the_dashboard(page, members):
    visit(page, "/")  # anonymous: sent to the login page
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Email").fill("owner@alpha.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Today's appointments")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Staff and roles")).to_be_visible()
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    screenshot(page, "dashboard")


def test_a_wrong_password_keeps_the_visitor_on_the_login_page(page, members):
    visit(page, "/accounts/login/")
    page.get_by_label("Email").fill("owner@alpha.example")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    screenshot(page, "login-failed")


def test_the_owner_changes_an_advisors_role_on_the_staff_page(page, members, login_as, org):
    login_as(page, members["owner"])
    visit(page, "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff and roles").click()
    expect(page.get_by_role("heading", name="Staff and roles")).to_be_visible()
    screenshot(page, "staff")
    row = page.locator("tr", has_text="advisor@alpha.example")
    row.get_by_label("Role of advisor@alpha.example").select_option("manager")
    row.get_by_role("button", name="Set role").click()
    expect(page.get_by_role("status")).to_have_text("advisor@alpha.example updated.")
    expect(page.locator("tr", has_text="advisor@alpha.example").locator("td").nth(2)).to_have_text(
        "Manager"
    )
    with tenant_scope(org):
        members["advisor"].refresh_from_db()
    assert members["advisor"].role == "manager"


def test_the_manager_sees_the_staff_page_read_only(page, members, login_as):
    login_as(page, members["manager"])
    visit(page, "/settings/staff/")
    expect(page.locator("tr", has_text="advisor@alpha.example")).to_be_visible()
    expect(page.get_by_role("button", name="Set role")).to_have_count(0)


def test_an_owner_creates_an_api_token_and_sees_it_once(page, members, login_as, org):
    login_as(page, members["owner"])
    visit(page, "/settings/tokens/")
    page.get_by_label("Name").fill("Zapier")
    page.get_by_role("button", name="Create token").click()
    raw = page.locator("#new-token").inner_text().strip()
    screenshot(page, "token-created")
    assert raw.startswith("fd_")
    with tenant_scope(org):
        assert ApiToken.objects.get(name="Zapier").prefix == raw[:10]
    me = page.request.get("/api/crm/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.json()["role"] == "owner"
    visit(page, "/settings/tokens/")
    expect(page.locator("#tokens")).to_contain_text("Zapier")
    expect(page.locator("#new-token")).to_have_count(0)
    assert raw not in page.content()


def test_logging_in_works_with_the_keyboard_alone(page, members):
    visit(page, "/accounts/login/")
    expect(page.get_by_label("Email")).to_be_focused()  # autofocus
    page.keyboard.type("manager@alpha.example")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Log in")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    # the first Tab on a page reaches the skip link, which jumps to the content
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_a_phone_gets_the_navigation_behind_a_menu_button(page, members, login_as):
    login_as(page, members["owner"])
    page.set_viewport_size(PHONE)
    try:
        visit(page, "/")
        staff_link = page.get_by_role("link", name="Staff and roles")
        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(staff_link).to_be_hidden()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(staff_link).to_be_visible()
        screenshot(page, "phone-menu")
        staff_link.click()
        expect(page.get_by_role("heading", name="Staff and roles")).to_be_visible()
        # nothing wider than the screen but the tables, which scroll inside their box
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "phone-staff")
    finally:
        page.set_viewport_size(DESKTOP)


OWNER_PAGES = [
    "/",
    "/settings/",
    "/settings/staff/",
    "/settings/tokens/",
    "/audit/",
    "/accounts/password/",
]
ANONYMOUS_PAGES = ["/accounts/login/", "/accounts/password/reset/"]


def test_no_page_logs_an_error_or_breaks_the_csp(page, members, login_as):
    """The ``page`` fixture fails the test on any console error or CSP violation."""
    for path in ANONYMOUS_PAGES:
        visit(page, path)
    visit(page, "/settings/staff/no-such-page", status=404)
    login_as(page, members["owner"])
    for path in OWNER_PAGES:
        visit(page, path)
        # every stylesheet and script arrived (a CSP block or a 404 would leave them out)
        assert page.evaluate("document.styleSheets.length") == 2, path
        assert page.evaluate("typeof window.htmx") == "object", path
    visit(page, "/settings/staff/no-such-page", status=404)
    assert not page.problems
