"""The customer pages in a real browser: search as you type, the inline duplicate warning
on the create form, merging from the duplicates page; the 360 and vehicles on a phone."""

import re

import pytest
from playwright.sync_api import expect

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer
from frontdesk.customers.tests.factories import link_vehicle, make_customer, make_vehicle

from .conftest import DESKTOP, PHONE, screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def ann(org):
    return make_customer(
        org,
        first_name="Ann",
        last_name="Archer",
        phones=[{"number": "+1 512 555 0142", "consent_to_call": True}],
        emails=[{"address": "ann@example.com"}],
        addresses=[{"street": "1 Main St", "city": "Austin", "postal_code": "78701"}],
        tags=["vip", "fleet"],
    )


def test_search_as_you_type_finds_a_customer(page, members, login_as, org, ann):
    for first, last in [("Bob", "Baker"), ("Cara", "Cole"), ("Dan", "Drake")]:
        make_customer(org, first_name=first, last_name=last)
    login_as(page, members["advisor"])
    visit(page, "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(4)
    search = page.get_by_label("Search", exact=True)
    search.focus()
    page.keyboard.type("arch")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ann Archer")
    expect(page).to_have_url(re.compile(r"/customers/\?q=arch"))
    screenshot(page, "customers-search")
    search.fill("0142")
    expect(rows.first).to_contain_text("Ann Archer")
    search.fill("nobody-like-this")
    expect(rows.first).to_have_text("No customer matches.")
    search.fill("")
    # let the cleared search answer first: otherwise its answer and the tag's can both
    # arrive after the count below already reads 1 ("No customer matches."), and a late
    # swap detaches the link the keyboard is about to open
    expect(rows).to_have_count(4)
    page.get_by_label("Tag").fill("vip")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ann Archer")
    # keyboard: tab from the filters into the results and open the customer
    page.keyboard.press("Shift+Tab")
    page.get_by_role("link", name="Ann Archer").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ann Archer", level=1)).to_be_visible()


def test_a_newer_keystroke_supersedes_a_search_still_in_flight(page, members, login_as, org, ann):
    """Search-as-you-type aborts the request a newer query replaced, so a slow answer to an
    old query never overwrites the newer one's results (and the abort htmx logs is not
    an error of the page)."""
    make_customer(org, first_name="Bob", last_name="Baker")
    login_as(page, members["advisor"])
    visit(page, "/customers/")
    held = []  # the first search is held unanswered: still in flight when the next one starts
    page.route(re.compile(r"/customers/\?q=bak"), lambda route: held.append(route))
    search = page.get_by_label("Search", exact=True)
    search.fill("bak")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the first search never left the browser"
    search.fill("arch")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ann Archer")
    expect(page).to_have_url(re.compile(r"/customers/\?q=arch"))


def test_create_warns_inline_about_a_duplicate_and_offers_open_and_merge(
    page, members, login_as, org, ann
):
    login_as(page, members["manager"])
    visit(page, "/customers/new/")
    page.get_by_label("First name").fill("Anne")
    page.get_by_label("Last name").fill("Archer")
    page.get_by_label("Phone", exact=True).fill("(512) 555-0142")
    page.get_by_label("Email", exact=True).focus()  # leaving the phone field checks it
    warning = page.locator("#duplicate-warning")
    expect(warning).to_contain_text("This may be a customer you have already")
    expect(warning.get_by_role("button", name=f"Open {ann.number}")).to_be_visible()
    expect(warning.get_by_role("button", name=f"Merge into {ann.number}")).to_be_visible()
    screenshot(page, "customer-duplicate-warning")
    with tenant_scope(org):
        assert Customer.objects.count() == 1  # nothing saved yet
    page.get_by_role("button", name="Add a phone").click()
    expect(page.locator('input[name="phones-1-number"]')).to_be_visible()
    page.get_by_role("button", name="Create customer").click()
    expect(page.get_by_role("alert").first).to_contain_text("exists already")
    page.get_by_role("button", name="Create anyway").click()
    expect(page.get_by_role("heading", name="Anne Archer", level=1)).to_be_visible()
    with tenant_scope(org):
        assert Customer.objects.count() == 2


def test_merge_from_the_duplicates_page(page, members, login_as, org, ann):
    twin = make_customer(
        org,
        first_name="Anne",
        last_name="Archer",
        phones=[{"number": "+1 512 555 0142"}],
        tags=["late"],
        allow_duplicate=True,
    )
    login_as(page, members["owner"])
    visit(page, "/customers/")
    page.get_by_role("link", name="Duplicates").first.click()
    expect(page.get_by_role("heading", name="Possible duplicates")).to_be_visible()
    screenshot(page, "customer-duplicates")
    page.get_by_role("button", name=f"Compare {ann.number} and {twin.number}").click()
    expect(
        page.get_by_role("heading", name=f"Merge {twin.number} into {ann.number}")
    ).to_be_visible()
    expect(page.locator(".fd-merge")).to_contain_text("late")
    screenshot(page, "customer-merge")
    page.get_by_role("button", name=f"Merge into {ann.number}").click()
    expect(page.get_by_role("status")).to_contain_text(f"{twin.number} merged into {ann.number}")
    expect(page.get_by_role("list", name="Tags")).to_contain_text("late")
    with tenant_scope(org):
        twin.refresh_from_db()
        assert twin.merged_into_id == ann.pk


def test_the_360_adds_notes_tags_and_a_vehicle_inline(page, members, login_as, org, ann):
    link_vehicle(org, ann, make_vehicle(org, plate="ABC 123"))
    login_as(page, members["advisor"])
    visit(page, f"/customers/{ann.pk}/")
    page.get_by_label("New note").fill("Asked about winter tires.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes")).to_contain_text("Asked about winter tires.")
    page.get_by_placeholder("Add a tag").fill("Winter")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("button", name="Remove tag winter")).to_be_visible()
    page.get_by_role("button", name="Remove tag fleet").click()
    expect(page.get_by_role("button", name="Remove tag fleet")).to_have_count(0)
    page.get_by_text("Add a vehicle").click()
    page.get_by_label("VIN").fill("1HGCM82633A00435O")
    page.get_by_role("button", name="Add vehicle").click()
    expect(page.locator("#vehicles")).to_contain_text("position 17")
    screenshot(page, "customer-360")
    page.set_viewport_size(PHONE)
    screenshot(page, "customer-360-phone")
    page.set_viewport_size(DESKTOP)


def test_pages_read_well_on_a_phone(page, members, login_as, org, ann):
    vehicle = make_vehicle(org, plate="XYZ 9")
    link_vehicle(org, ann, vehicle)
    login_as(page, members["owner"])
    page.set_viewport_size(PHONE)
    try:
        for name, path in [
            ("customers-phone", "/customers/"),
            ("customer-form-phone", "/customers/new/"),
            ("vehicle-phone", f"/vehicles/{vehicle.pk}/"),
            ("companies-phone", "/companies/"),
        ]:
            visit(page, path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, (path, width)
            screenshot(page, name)
    finally:
        page.set_viewport_size(DESKTOP)
    visit(page, "/customers/new/")
    screenshot(page, "customer-form")
    visit(page, f"/vehicles/{vehicle.pk}/")
    screenshot(page, "vehicle")
