"""Invoices priced with a membership through money's real services: an included service
at the plan's price, everything else discounted, by the membership on the invoice date."""

import datetime as dt

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.memberships.selectors import org_today
from frontdesk.memberships.tests.factories import assign, make_plan, make_service
from frontdesk.money.tests.factories import make_invoice
from frontdesk.scheduling.tests.factories import customer_with_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org):
    oil = make_service(org, code="OIL", name="Oil change", price=6_999, taxable=True)
    brakes = make_service(org, code="BRK", name="Brakes", price=25_000, taxable=True)
    plan = make_plan(org, name="Premium Care", discount_percent="10", included=[(oil, 1_000)])
    customer, _ = customer_with_vehicle(org)
    return {"oil": oil, "brakes": brakes, "plan": plan, "customer": customer}


def lines(s):
    return [
        {"service_id": s["oil"].pk, "quantity": 1},
        {"service_id": s["brakes"].pk, "quantity": 2},
    ]


def test_a_members_invoice_prices_included_services_at_the_plan_price_and_discounts_the_rest(
    org, setup
):
    assign(org, setup["customer"], setup["plan"])
    invoice = make_invoice(org, customer=setup["customer"], lines=lines(setup), issue=False)
    with tenant_scope(org):
        oil, brakes = sorted(invoice.lines.all(), key=lambda line: line.unit_price)
    assert invoice.membership_plan == "Premium Care"
    assert (oil.list_price, oil.membership_discount, oil.net) == (6_999, 5_999, 1_000)
    assert (brakes.list_price, brakes.membership_discount, brakes.net) == (50_000, 5_000, 45_000)
    assert invoice.discount == 10_999
    assert invoice.net == 46_000


def test_an_invoice_dated_before_the_membership_pays_list_price(org, setup):
    assign(org, setup["customer"], setup["plan"])
    invoice = make_invoice(
        org,
        customer=setup["customer"],
        lines=lines(setup),
        issue=False,
        invoice_date=org_today(org) - dt.timedelta(days=1),
    )
    assert invoice.discount == 0
    assert invoice.membership_plan == ""


def test_a_non_member_pays_list_price(org, setup):
    invoice = make_invoice(org, customer=setup["customer"], lines=lines(setup), issue=False)
    assert invoice.net == 56_999
