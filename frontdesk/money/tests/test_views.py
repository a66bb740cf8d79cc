"""The money pages: invoices, the builder, issue and take payment, payments, the
statement, receivables and the catalog — permissions, other organizations, bad input."""

import pytest
from django.test import Client

from frontdesk.core.tenancy import tenant_scope
from frontdesk.money.models import Invoice, Payment, Service
from frontdesk.money.tests.factories import make_invoice, make_service
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY
from frontdesk.scheduling.tests.factories import customer_with_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(members):
    def login(role: str = "owner") -> Client:
        client = Client()
        client.force_login(members[role].user)
        session = client.session
        session[SESSION_MEMBERSHIP_KEY] = str(members[role].pk)
        session.save()
        return client

    return login


def test_every_money_page_opens_for_a_cashier(web, org):
    invoice = make_invoice(org)
    client = web("cashier")
    for url in (
        "/billing/invoices/",
        "/billing/invoices/new/",
        f"/billing/invoices/{invoice.pk}/",
        "/billing/payments/",
        f"/billing/customers/{invoice.customer_id}/statement/",
        "/billing/receivables/",
        "/billing/rates/",
    ):
        assert client.get(url).status_code == 200, url


def test_marketing_may_not_open_invoices(web):
    assert web("marketing").get("/billing/invoices/").status_code == 403


def test_another_organizations_invoice_page_is_404(web, other_org):
    foreign = make_invoice(other_org)
    assert web().get(f"/billing/invoices/{foreign.pk}/").status_code == 404
    assert web().post(f"/billing/invoices/{foreign.pk}/pay/", {"amount": "1"}).status_code == 404


def test_the_builder_makes_a_draft_then_issue_and_payment_settle_it(web, org):
    customer, _ = customer_with_vehicle(org)
    service = make_service(org, code="OIL", name="Oil change", price=4999)
    client = web("cashier")
    r = client.post(
        "/billing/invoices/new/",
        {
            "customer": str(customer.pk),
            "line-0-service": str(service.pk),
            "line-1-description": "Wiper blades",
            "line-1-quantity": "2",
            "line-1-unit_price": "12.50",
        },
    )
    assert r.status_code == 302
    with tenant_scope(org):
        invoice = Invoice.objects.get()
    assert invoice.total == 4999 + 2500
    client.post(f"/billing/invoices/{invoice.pk}/issue/")
    client.post(f"/billing/invoices/{invoice.pk}/pay/", {"amount": "74.99", "method": "cash"})
    with tenant_scope(org):
        invoice.refresh_from_db()
        assert invoice.status == "paid" and Payment.objects.get().amount == 7499
    page = client.get(f"/billing/customers/{customer.pk}/statement/").content.decode()
    assert invoice.number in page and "PAY-0001" in page


def test_a_price_with_more_than_two_decimals_creates_nothing(web, org):
    customer, _ = customer_with_vehicle(org)
    r = web().post(
        "/billing/invoices/new/",
        {"customer": str(customer.pk), "line-0-description": "x", "line-0-unit_price": "1.005"},
    )
    assert r.status_code == 200
    with tenant_scope(org):
        assert not Invoice.objects.exists()


def test_the_catalog_page_adds_services_and_sets_the_tax_rate(web, org):
    client = web("manager")
    client.post("/billing/rates/", {"form": "service", "code": "brk", "name": "Brakes",
                                    "price": "129.00", "taxable": "on"})  # fmt: skip
    client.post("/billing/rates/", {"form": "tax", "tax_rate": "8.25"})
    org.refresh_from_db()
    assert org.settings["tax_rate_bp"] == 825
    with tenant_scope(org):
        assert Service.objects.get().price == 12900
    web("cashier").post("/billing/rates/", {"form": "tax", "tax_rate": "1"})
    org.refresh_from_db()
    assert org.settings["tax_rate_bp"] == 825
