"""The money pages: invoices, the builder, issue and take payment, payments, the
statement, receivables and the catalog — permissions, other organizations, bad input."""

import pytest
from django.test import Client

from frontdesk.core.tenancy import tenant_scope
from frontdesk.money import services
from frontdesk.money.models import Invoice, Payment, Service
from frontdesk.money.tests.factories import make_invoice, make_service, system
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
        "/billing/quotes/",
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


# --- editing a draft ---------------------------------------------------------------------
def test_the_edit_page_shows_the_drafts_lines_and_saving_replaces_them(web, org):
    customer, _ = customer_with_vehicle(org)
    oil = make_service(org, code="OIL", name="Oil change", price=4999)
    draft = make_invoice(
        org,
        customer=customer,
        issue=False,
        lines=[
            {"service_id": oil.pk, "quantity": 1},
            {"description": "Wipers", "unit_price": 1250},
        ],
    )
    client = web("cashier")
    page = client.get(f"/billing/invoices/{draft.pk}/edit/").content.decode()
    assert 'value="Wipers"' in page and 'value="12.50"' in page and 'value="49.99"' in page
    assert f'<option value="{oil.pk}" selected>' in page
    r = client.post(
        f"/billing/invoices/{draft.pk}/edit/",
        {
            "rows": "8",
            "line-0-service": str(oil.pk),
            "line-0-description": "Oil change",
            "line-0-quantity": "1",
            "line-0-unit_price": "49.99",
            "line-3-description": "Cabin filter",
            "line-3-quantity": "2",
            "line-3-unit_price": "20.00",
            "notes": "Wipers removed",
        },
    )
    assert r.status_code == 302 and r["Location"] == f"/billing/invoices/{draft.pk}/"
    with tenant_scope(org):
        draft.refresh_from_db()
        assert [x.description for x in draft.lines.order_by("position")] == [
            "Oil change",
            "Cabin filter",
        ]
    assert (draft.total, draft.notes, draft.status) == (4999 + 4000, "Wipers removed", "draft")
    assert "Edit lines" in client.get(f"/billing/invoices/{draft.pk}/").content.decode()


def test_a_bad_price_on_the_edit_page_is_422_and_changes_nothing(web, org):
    draft = make_invoice(org, issue=False)
    r = web().post(
        f"/billing/invoices/{draft.pk}/edit/",
        {"line-0-description": "x", "line-0-unit_price": "1.005"},
    )
    assert r.status_code == 422
    assert "Line 1: the price must be an amount" in r.content.decode()
    with tenant_scope(org):
        assert [x.description for x in draft.lines.all()] == ["Diagnostics"]


def test_an_issued_invoice_is_not_edited_from_the_page(web, org):
    issued = make_invoice(org)
    r = web().get(f"/billing/invoices/{issued.pk}/edit/")
    assert r.status_code == 302 and r["Location"] == f"/billing/invoices/{issued.pk}/"
    r = web().post(f"/billing/invoices/{issued.pk}/edit/", {"line-0-description": "x"})
    assert r.status_code == 302
    with tenant_scope(org):
        assert [x.description for x in issued.lines.all()] == ["Diagnostics"]
    assert "Edit lines" not in web().get(f"/billing/invoices/{issued.pk}/").content.decode()


def test_the_edit_page_needs_billing_manage_and_the_organizations_invoice(web, org, other_org):
    draft = make_invoice(org, issue=False)
    assert web("advisor").get(f"/billing/invoices/{draft.pk}/edit/").status_code == 403
    foreign = make_invoice(other_org, issue=False)
    assert web().get(f"/billing/invoices/{foreign.pk}/edit/").status_code == 404
    assert Client().get(f"/billing/invoices/{draft.pk}/edit/").status_code == 302  # to login


# --- quotes ----------------------------------------------------------------------------------
def _quote(org, customer=None):
    if customer is None:
        customer, _ = customer_with_vehicle(org)
    with tenant_scope(org):
        return services.quote_create(
            org=org,
            actor=system(org),
            customer_id=customer.pk,
            lines=[{"description": "Timing belt", "unit_price": 45000}],
        )


def test_the_quote_page_declines_an_open_quote_and_the_list_filters_by_status(web, org):
    quote, other = _quote(org), _quote(org)
    client = web("cashier")
    page = client.get(f"/billing/quotes/{quote.pk}/").content.decode()
    assert 'id="quote-decline"' in page and 'id="quote-accept"' in page
    r = client.post(f"/billing/quotes/{quote.pk}/decline/", {"reason": "Too expensive"})
    assert r.status_code == 302
    page = client.get(f"/billing/quotes/{quote.pk}/").content.decode()
    assert "Too expensive" in page and 'id="quote-decline"' not in page
    declined = client.get("/billing/quotes/?status=declined").content.decode()
    assert quote.number in declined and other.number not in declined
    open_ = client.get("/billing/quotes/?status=draft").content.decode()
    assert other.number in open_ and quote.number not in open_
    # declining again is refused with a message, and changes nothing
    client.post(f"/billing/quotes/{quote.pk}/decline/", {"reason": "again"})
    with tenant_scope(org):
        quote.refresh_from_db()
    assert (quote.status, quote.decline_reason) == ("declined", "Too expensive")


def test_accepting_from_the_quote_page_opens_the_draft_invoice(web, org):
    quote = _quote(org)
    r = web("cashier").post(f"/billing/quotes/{quote.pk}/accept/")
    with tenant_scope(org):
        quote.refresh_from_db()
    assert quote.status == "accepted"
    assert r["Location"] == f"/billing/invoices/{quote.invoice_id}/"


def test_quote_pages_check_the_role_and_the_organization(web, org, other_org):
    quote, foreign = _quote(org), _quote(other_org)
    assert web("advisor").get(f"/billing/quotes/{quote.pk}/").status_code == 200
    assert (
        'id="quote-decline"'
        not in web("advisor").get(f"/billing/quotes/{quote.pk}/").content.decode()
    )
    assert web("advisor").post(f"/billing/quotes/{quote.pk}/decline/").status_code == 403
    assert web("marketing").get("/billing/quotes/").status_code == 403
    assert web().get(f"/billing/quotes/{foreign.pk}/").status_code == 404
    assert web().post(f"/billing/quotes/{foreign.pk}/decline/").status_code == 404
    with tenant_scope(other_org):
        foreign.refresh_from_db()
    assert foreign.status == "draft"
