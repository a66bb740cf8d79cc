"""The consent gate: one function, at the moment of sending (SPEC rule 5)."""

import datetime as dt
import zoneinfo

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.services import customer_archive, customer_update
from frontdesk.messaging import services
from frontdesk.messaging.config import messaging_settings
from frontdesk.messaging.gate import consent_check
from frontdesk.messaging.models import Message
from frontdesk.messaging.tests.factories import (
    make_contact,
    make_message,
    set_messaging,
    system,
)

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOON = dt.datetime(2030, 3, 5, 12, 0, tzinfo=CHICAGO)


def check(org, message, *, now=NOON):
    with tenant_scope(org):
        message = Message.objects.select_related("customer").get(pk=message.pk)
        return consent_check(
            org=org,
            message=message,
            customer=message.customer,
            config=messaging_settings(org),
            now=now,
        )


def update(org, customer, **data):
    with tenant_scope(org):
        customer_update(org=org, actor=system(org), customer=customer, data=data)


@pytest.mark.parametrize("category", ["transactional", "marketing"])
def test_it_blocks_a_customer_who_asked_not_to_be_contacted(org, contact, category):
    message = make_message(org, customer=contact, category=category)
    update(org, contact, communication={"do_not_contact": True})
    decision = check(org, message)
    assert (decision.action, decision.reason) == ("block", "do_not_contact")


def test_marketing_needs_the_channels_opt_in_and_transactional_does_not(org):
    customer = make_contact(org, communication={"opt_in_sms": False, "opt_in_email": False})
    marketing = make_message(org, customer=customer, category="marketing")
    reminder = make_message(org, customer=customer, category="transactional")
    assert (check(org, marketing).action, check(org, marketing).reason) == ("block", "no_opt_in")
    assert check(org, reminder).action == "send"


@pytest.mark.parametrize(
    ("reason", "transactional", "marketing"),
    [
        ("stop", "stopped", "stopped"),
        ("bounced", "bounced", "bounced"),
        ("erased", "erased", "erased"),
        ("unsubscribed", None, "unsubscribed"),
    ],
)
def test_the_suppression_list_blocks_by_reason(org, contact, reason, transactional, marketing):
    with tenant_scope(org):
        services.suppress(
            org=org,
            actor=system(org),
            channel="sms",
            address=contact.primary_phone,
            reason=reason,
        )
    for category, expected in (("transactional", transactional), ("marketing", marketing)):
        decision = check(org, make_message(org, customer=contact, category=category))
        assert decision.reason == (expected or ""), category
        assert decision.action == ("block" if expected else "send")


def test_an_unsubscribe_never_weakens_a_stop(org, contact):
    with tenant_scope(org):
        for reason in ("stop", "unsubscribed"):
            services.suppress(
                org=org,
                actor=system(org),
                channel="sms",
                address=contact.primary_phone,
                reason=reason,
            )
    decision = check(org, make_message(org, customer=contact, category="transactional"))
    assert decision.reason == "stopped"


def test_the_frequency_cap_limits_marketing_per_customer(org, contact):
    set_messaging(org, frequency_cap={"max_messages": 2, "days": 7}, quiet_hours={"sms": None})
    with tenant_scope(org):
        for _ in range(2):
            message = make_message(org, customer=contact, category="marketing")
            Message.objects.filter(pk=message.pk).update(status="sent", sent_at=NOON)
    third = make_message(org, customer=contact, category="marketing")
    assert (check(org, third).action, check(org, third).reason) == ("block", "frequency_cap")
    # a week later the window has moved on; transactional messages never count
    assert check(org, third, now=NOON + dt.timedelta(days=8)).action == "send"
    assert check(org, make_message(org, customer=contact)).action == "send"


def test_an_sms_at_21_30_recipient_time_is_deferred_to_08_00(org, contact):
    message = make_message(org, customer=contact)  # contact lives in America/Chicago
    evening = dt.datetime(2030, 3, 5, 21, 30, tzinfo=CHICAGO)
    decision = check(org, message, now=evening)
    assert decision.action == "defer"
    assert decision.until == dt.datetime(2030, 3, 6, 8, 0, tzinfo=CHICAGO)
    early = dt.datetime(2030, 3, 6, 6, 15, tzinfo=CHICAGO)
    assert check(org, message, now=early).until == dt.datetime(2030, 3, 6, 8, 0, tzinfo=CHICAGO)
    assert check(org, message, now=dt.datetime(2030, 3, 6, 8, 0, tzinfo=CHICAGO)).action == "send"


def test_quiet_hours_follow_the_recipients_time_zone_not_the_servers(org):
    tokyo = make_contact(org, time_zone="Asia/Tokyo")
    message = make_message(org, customer=tokyo)
    # noon in Chicago is 03:00 the next day in Tokyo
    decision = check(org, message, now=NOON)
    assert decision.action == "defer"
    assert decision.until.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).hour == 8


def test_quiet_hours_end_at_local_08_00_across_a_daylight_saving_change(org, contact):
    message = make_message(org, customer=contact)
    # the night of 2030-03-10 in Chicago loses an hour at 02:00
    night = dt.datetime(2030, 3, 9, 23, 0, tzinfo=CHICAGO)
    until = check(org, message, now=night).until
    assert until.astimezone(CHICAGO).replace(tzinfo=None) == dt.datetime(2030, 3, 10, 8, 0)
    assert until - night == dt.timedelta(hours=8)  # 9 wall-clock hours, 8 real ones


def test_email_has_no_quiet_hours_unless_configured(org, contact):
    message = make_message(org, customer=contact, channel="email")
    night = dt.datetime(2030, 3, 5, 23, 0, tzinfo=CHICAGO)
    assert check(org, message, now=night).action == "send"
    set_messaging(org, quiet_hours={"email": {"start": "22:00", "end": "07:00"}})
    assert check(org, message, now=night).action == "defer"


def test_an_archived_customer_gets_nothing(org, contact):
    message = make_message(org, customer=contact)
    with tenant_scope(org):
        customer_archive(org=org, actor=system(org), customer=contact)
    assert check(org, message).reason == "archived"
