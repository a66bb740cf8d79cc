"""Messaging in a real browser: approving a message sends it; a notification arrives in
the bell without a reload, across the stream's reconnects, with no console error."""

import time

import pytest
from playwright.sync_api import expect

from frontdesk.core.tenancy import tenant_scope
from frontdesk.messaging.models import Message
from frontdesk.messaging.tests.factories import (
    make_contact,
    make_message,
    make_notification,
    set_messaging,
)

from .conftest import screenshot, visit

pytestmark = pytest.mark.browser


def test_the_owner_approves_a_message_and_it_is_sent(page, members, login_as, org):
    set_messaging(org, quiet_hours={"sms": None, "email": None})
    customer = make_contact(org, first_name="Ada", last_name="Lovelace")
    message = make_message(org, customer=customer, body="Hi {{ first_name }}, your car is ready.")
    login_as(page, members["owner"])
    visit(page, "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approval queue").click()
    expect(page.get_by_role("heading", name="Approval queue")).to_be_visible()
    row = page.locator("tr", has_text="Ada Lovelace")
    expect(row).to_contain_text("Hi Ada, your car is ready.")
    screenshot(page, "approval-queue")
    row.get_by_role("button", name="Approve the message to Ada Lovelace").click()
    expect(page.get_by_role("status").first).to_have_text("Approved the message to Ada Lovelace.")
    expect(page.get_by_text("Nothing waits for your approval.")).to_be_visible()
    with tenant_scope(org):
        message = Message.objects.get(pk=message.pk)
    assert (message.status, message.transport) == ("sent", "outbox")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox").click()
    sent = page.locator("#outbox tr", has_text="Ada Lovelace")
    expect(sent.locator(".fd-status-sent")).to_have_text("Sent")
    screenshot(page, "outbox")


def test_a_notification_arrives_in_the_bell_without_a_reload(
    page, members, login_as, org, settings
):
    settings.NOTIFICATION_STREAM_SECONDS = 2  # so the test also crosses a reconnect
    settings.NOTIFICATION_POLL_SECONDS = 0.2
    login_as(page, members["advisor"])
    visit(page, "/")
    unread = page.locator("#fd-unread [data-unread]")
    expect(unread).to_have_attribute("data-unread", "0")
    page.wait_for_timeout(300)  # the stream is open

    make_notification(org, members["advisor"], title="SMS from Ada Lovelace", link="/messages/")
    expect(unread).to_have_attribute("data-unread", "1", timeout=5000)
    page.locator("#fd-bell summary").click()
    expect(page.locator("#fd-notifications")).to_contain_text("SMS from Ada Lovelace")

    time.sleep(3)  # the first stream has ended and the bell reconnected by itself
    make_notification(org, members["advisor"], title="Messages wait for approval")
    expect(page.locator("#fd-unread [data-unread]")).to_have_attribute(
        "data-unread", "2", timeout=6000
    )
    page.locator("#fd-bell summary").click()
    expect(page.locator("#fd-notifications")).to_contain_text("Messages wait for approval")
    screenshot(page, "bell")
