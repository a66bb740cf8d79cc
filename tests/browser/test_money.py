"""Money in a real browser: build an invoice from the catalog (with the membership
breakdown of each line), issue it, take a payment, and read the statement."""

import pytest
from playwright.sync_api import expect

from frontdesk.money.pricing import MembershipTerms, register_terms_provider
from frontdesk.money.pricing import unregister_terms_provider as unregister
from frontdesk.money.tests.factories import make_service
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
