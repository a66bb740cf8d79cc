"""Memberships in use: pricing with the membership on the document date, the daily
expiry and renewal reminders, the 360 section and merge."""

import datetime as dt
from decimal import Decimal

import pytest

from frontdesk.core.errors import ValidationFailed
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.merge import customer_merge
from frontdesk.customers.overview import customer_overview
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.models import OutboxEvent
from frontdesk.memberships import services
from frontdesk.memberships.models import CustomerMembership
from frontdesk.memberships.selectors import org_today
from frontdesk.memberships.tasks import memberships_daily
from frontdesk.memberships.tests.factories import assign, make_plan, make_service, system
from frontdesk.messaging.models import Message
from frontdesk.money.pricing import LineIn, price_for_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(org):
    oil = make_service(org, code="OIL", name="Oil change", price=6_999)
    brakes = make_service(org, code="BRK", name="Brake service", price=25_000)
    plan = make_plan(
        org, name="Premium Care", discount_percent="10", included=[(oil, 0)], duration_days=30
    )
    return {"oil": oil, "brakes": brakes, "plan": plan}


def lines(catalog):
    return [
        LineIn("Oil change", Decimal(1), 6_999, service_id=catalog["oil"].pk),
        LineIn("Brake service", Decimal(1), 25_000, service_id=catalog["brakes"].pk),
        LineIn("Wiper blades", Decimal(2), 1_999),
    ]


def price(org, customer, catalog, on_date):
    with tenant_scope(org):
        return price_for_customer(org=org, customer=customer, on_date=on_date, lines=lines(catalog))


def test_a_member_pays_the_plan_price_for_included_services_and_a_discount_on_the_rest(
    org, catalog
):
    customer = make_customer(org)
    membership = assign(org, customer, catalog["plan"])
    doc = price(org, customer, catalog, membership.starts_on)
    assert doc.plan_name == "Premium Care"
    oil, brakes, wipers = doc.lines
    assert (oil.list_price, oil.membership_discount, oil.net) == (6_999, 6_999, 0)
    assert oil.membership_note == "Included in Premium Care"
    assert (brakes.membership_discount, brakes.net) == (2_500, 22_500)
    assert (wipers.list_price, wipers.membership_discount, wipers.net) == (3_998, 400, 3_598)
    assert doc.net == 0 + 22_500 + 3_598


def test_the_membership_on_the_document_date_is_what_counts(org, catalog):
    customer = make_customer(org)
    membership = assign(org, customer, catalog["plan"])
    before = price(org, customer, catalog, membership.starts_on - dt.timedelta(days=1))
    on_expiry = price(org, customer, catalog, membership.expires_on)
    last_day = price(org, customer, catalog, membership.expires_on - dt.timedelta(days=1))
    assert before.discount == on_expiry.discount == 0
    assert before.net == 6_999 + 25_000 + 3_998
    assert last_day.discount == 6_999 + 2_500 + 400


def test_a_cancelled_membership_stops_pricing_the_day_it_is_cancelled(org, catalog):
    customer = make_customer(org)
    membership = assign(org, customer, catalog["plan"], starts_on=org_today(org) - dt.timedelta(3))
    with tenant_scope(org):
        services.membership_cancel(org=org, actor=system(org), customer=customer)
    today = org_today(org)
    assert price(org, customer, catalog, today).discount == 0
    assert price(org, customer, catalog, today - dt.timedelta(days=1)).plan_name == "Premium Care"
    assert membership.starts_on < today


def test_a_customer_without_a_membership_pays_list_price(org, catalog):
    doc = price(org, make_customer(org), catalog, org_today(org))
    assert doc.discount == 0
    assert doc.plan_name == ""


def test_the_daily_job_expires_memberships_and_announces_it_once(org, catalog):
    customer = make_customer(org)
    past = org_today(org) - dt.timedelta(days=40)
    membership = assign(org, customer, catalog["plan"], starts_on=past)  # 30 days: ended
    assert memberships_daily(str(org.pk))["expired"] == 1
    assert memberships_daily(str(org.pk))["expired"] == 0
    with tenant_scope(org):
        membership.refresh_from_db()
        assert membership.status == "expired"
        assert OutboxEvent.objects.filter(type="membership.expired").count() == 1


def test_renewal_reminders_are_drafted_for_approval_once(org, catalog):
    customer = make_customer(org, first_name="Rita", emails=[{"address": "rita@example.com"}])
    quiet = make_customer(org, first_name="NoAddress")
    start = org_today(org) - dt.timedelta(days=20)  # ends in 10 days: within 14
    assign(org, customer, catalog["plan"], starts_on=start)
    assign(org, quiet, catalog["plan"], starts_on=start)
    assert memberships_daily(str(org.pk))["reminders"] == 1
    assert memberships_daily(str(org.pk))["reminders"] == 0
    with tenant_scope(org):
        message = Message.objects.get()
        assert message.customer_id == customer.pk
        assert message.origin == "automation"
        assert message.status == "pending_approval"
        assert "Premium Care" in message.body
        assert CustomerMembership.objects.filter(reminder_queued_on__isnull=False).count() == 2


def test_the_360_shows_the_membership_with_its_expiry(org, catalog, members):
    customer = make_customer(org)
    membership = assign(org, customer, catalog["plan"])
    with tenant_scope(org):
        section = customer_overview(customer=customer)["sections"]["membership"]
    assert section["current"]["plan"] == "Premium Care"
    assert section["current"]["expires_on"] == membership.expires_on
    assert section["history"][0]["status"] == "active"


def test_merging_moves_memberships_and_keeps_one_active(org, catalog):
    survivor = make_customer(org, first_name="Sam", last_name="Lee")
    duplicate = make_customer(org, first_name="Samuel", last_name="Lee")
    basic = make_plan(org, name="Basic Care", discount_percent=5, duration_days=365)
    assign(org, survivor, catalog["plan"])  # 30 days
    assign(org, duplicate, basic)  # a year: runs longer, stays active
    with tenant_scope(org):
        result = customer_merge(org=org, actor=system(org), survivor=survivor, duplicate=duplicate)
        rows = CustomerMembership.objects.filter(customer=survivor)
        assert result["moves"]["memberships"] == 1
        assert rows.count() == 2
        assert rows.get(status="active").plan == basic
        assert rows.get(status="replaced").ended_on is not None


# --- the reminder's lead time --------------------------------------------------------------
def test_the_reminder_lead_time_is_validated_merged_and_read_back(org):
    org.settings = {**(org.settings or {}), "memberships": {"other": True}, "tax_rate_bp": 825}
    org.save(update_fields=["settings"])
    with tenant_scope(org):
        assert services.membership_settings_update(
            org=org, actor=system(org), data={"reminder_days": 0}
        ) == {"reminder_days": 0}
        for bad in (-1, 91, True, "30", 7.5, None):
            with pytest.raises(ValidationFailed) as exc:
                services.membership_settings_update(
                    org=org, actor=system(org), data={"reminder_days": bad}
                )
            assert exc.value.errors[0]["field"] == "reminder_days"
        with pytest.raises(ValidationFailed):
            services.membership_settings_update(org=org, actor=system(org), data={"days": 3})
    org.refresh_from_db()
    assert org.settings["memberships"] == {"other": True, "reminder_days": 0}
    assert org.settings["tax_rate_bp"] == 825
    assert services.reminder_days(org) == 0
