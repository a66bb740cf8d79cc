"""Money in a real browser: build an invoice from the catalog (with the membership
breakdown of each line), issue it, take a payment, and read the statement; edit a
draft's lines; decline a quote."""

import pytest
from playwright.sync_api import expect

from frontdesk.core.tenancy import tenant_scope
from frontdesk.money import services
from frontdesk.money.pricing import MembershipTerms, register_terms_provider
from frontdesk.money.pricing import unregister_terms_provider as unregister
from frontdesk.money.tests.factories import make_invoice, make_service, system
from frontdesk.scheduling.tests.factories import customer_with_vehicle

from .conftest import screenshot, visit

pytestmark = pytest.mark.browser


def test_invoice_then_payment(page, members, login_as, org):
    customer, _ = customer_with_vehicle(org, first_name="Maria", last_name="Garcia")
    oil = make_service(org, code="OIL", name="Synthetic oil change", price=7999)
    make_service(org, code="BRK", name="Brake pads, front", price=18000)

    def gold(*, customer, on_date):
        return MembershipTerms(plan_name="Gold", discount_bp=1000, included={oil.pk: 0})

    register_terms_provider(gold)
    try:
        login_as(page, members["cashier"])
        visit(page, "/billing/invoices/")
        page.get_by_role("button", name="New invoice").click()
        page.get_by_label("Customer", exact=True).select_option(
            label=f"Maria Garcia ({customer.number})"
        )
        page.get_by_label("Service of line 1").select_option(label="OIL · Synthetic oil change")
        page.get_by_label("Service of line 2").select_option(label="BRK · Brake pads, front")
        page.get_by_role("button", name="Create draft").click()
    finally:
        unregister(gold)
    lines = page.locator("#invoice-lines")
    expect(lines).to_contain_text("Included in Gold")
    expect(lines).to_contain_text("Gold: 10% off")
    expect(page.locator("#invoice-totals")).to_contain_text("162.00 USD")
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.locator("#invoice-status")).to_have_text("Issued")
    screenshot(page, "invoice-issued")
    page.get_by_label("Amount (USD)").fill("100.00")
    page.get_by_label("Payment method").select_option("card")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#invoice-status")).to_have_text("Partially paid")
    expect(page.locator("#amount-due")).to_have_text("62.00 USD")
    page.get_by_role("button", name="Record payment").click()  # the rest, prefilled
    expect(page.locator("#invoice-status")).to_have_text("Paid")
    page.get_by_role("link", name="Statement of Maria Garcia").click()
    expect(page.locator("#statement")).to_contain_text("PAY-0002")
    expect(page.locator("#statement-balance")).to_have_text("0.00 USD")


def test_editing_a_draft_invoices_lines(page, members, login_as, org):
    customer, _ = customer_with_vehicle(org, first_name="Ana", last_name="Lopez")
    make_service(org, code="BRK", name="Brake pads, front", price=18000)
    draft = make_invoice(
        org,
        customer=customer,
        issue=False,
        lines=[
            {"description": "Diagnostics", "quantity": 1, "unit_price": 10000},
            {"description": "Wiper blades", "quantity": 2, "unit_price": 1500},
        ],
    )
    login_as(page, members["cashier"])
    visit(page, f"/billing/invoices/{draft.pk}/")
    expect(page.locator("#invoice-totals")).to_contain_text("130.00 USD")
    page.get_by_role("button", name="Edit lines").click()
    expect(page.get_by_label("Description of line 2")).to_have_value("Wiper blades")
    page.get_by_label("Unit price of line 1").fill("80.00")
    for field in ("Description", "Quantity", "Unit price"):  # remove the wipers
        page.get_by_label(f"{field} of line 2").fill("")
    page.get_by_label("Service of line 3").select_option(label="BRK · Brake pads, front")
    page.get_by_label("Notes").fill("Wipers declined by the customer")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#invoice-status")).to_have_text("Draft")
    lines = page.locator("#invoice-lines")
    expect(lines).to_contain_text("Brake pads, front")
    expect(lines).not_to_contain_text("Wiper blades")
    expect(page.locator("#invoice-totals")).to_contain_text("260.00 USD")
    screenshot(page, "invoice-draft-edited")
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.locator("#invoice-status")).to_have_text("Issued")
    expect(page.get_by_role("button", name="Edit lines")).to_have_count(0)


def test_declining_a_quote(page, members, login_as, org):
    customer, _ = customer_with_vehicle(org, first_name="Sam", last_name="Okafor")
    with tenant_scope(org):
        quote = services.quote_create(
            org=org,
            actor=system(org),
            customer_id=customer.pk,
            lines=[{"description": "Timing belt", "quantity": 1, "unit_price": 45000}],
        )
    login_as(page, members["cashier"])
    visit(page, "/billing/quotes/")
    page.get_by_role("link", name=quote.number).click()
    expect(page.locator("#quote-status")).to_have_text("Open")
    page.get_by_label("Reason the customer declined").fill("Will do it next spring")
    page.get_by_role("button", name="Decline").click()
    expect(page.locator("#quote-status")).to_have_text("Declined")
    expect(page.locator("#quote-declined")).to_contain_text("Will do it next spring")
    expect(page.get_by_role("button", name="Accept into a draft invoice")).to_have_count(0)
    screenshot(page, "quote-declined")
    page.get_by_role("link", name="All quotes").click()
    page.get_by_role("navigation", name="Filter quotes").get_by_role(
        "link", name="Declined"
    ).click()
    expect(page.locator("#quotes")).to_contain_text(quote.number)
    page.get_by_role("navigation", name="Filter quotes").get_by_role("link", name="Open").click()
    expect(page.locator("#quotes")).not_to_contain_text(quote.number)
