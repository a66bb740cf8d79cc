"""Inquiries and missed calls in a real browser: a website inquiry appears in the open
inbox without a reload (the bell's notification stream), and a missed call is followed
up with one click."""

import pytest
from playwright.sync_api import expect

from frontdesk.core.tenancy import tenant_scope
from frontdesk.inquiries.tests.factories import make_inquiry
from frontdesk.messaging.models import Message
from frontdesk.telephony.tests.factories import make_call

from .conftest import screenshot, visit

pytestmark = pytest.mark.browser


def test_a_new_inquiry_appears_in_the_open_inbox_without_a_reload(
    page, members, login_as, org, settings
):
    settings.NOTIFICATION_STREAM_SECONDS = 3
    settings.NOTIFICATION_POLL_SECONDS = 0.2
    make_inquiry(org, name="Early Bird", message="First one.")
    login_as(page, members["sales"])
    visit(page, "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inquiries").click()
    expect(page.get_by_role("heading", name="Inquiries")).to_be_visible()
    rows = page.locator("#inquiry-rows")
    expect(rows).to_contain_text("Early Bird")
    page.wait_for_timeout(400)  # the stream is open
    make_inquiry(org, name="Rachel <b>Nguyen</b>", message="My check engine light is on.")
    expect(rows).to_contain_text("Rachel <b>Nguyen</b>", timeout=5000)
    expect(rows.locator("b")).to_have_count(0)  # shown as text, never as markup
    screenshot(page, "inquiries-inbox")
    rows.get_by_role("link", name="IQ-0002").click()
    expect(page.get_by_role("heading", name="IQ-0002")).to_be_visible()
    page.get_by_role("textbox", name="Message", exact=True).fill(
        "Hi Rachel, bring it in tomorrow at 8."
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status").first).to_contain_text("Reply written")
    with tenant_scope(org):
        assert Message.objects.get().body == "Hi Rachel, bring it in tomorrow at 8."


def test_a_missed_call_is_followed_up_with_one_click(page, members, login_as, org):
    call = make_call(org, **{"from": "+15125550176"}, status="voicemail", transcript="Call me")
    login_as(page, members["advisor"])
    visit(page, "/")
    expect(page.locator("main")).to_contain_text("+15125550176")  # the dashboard section
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Missed calls").click()
    row = page.locator(f"#call-{call.pk}")
    expect(row).to_contain_text("Call me")
    screenshot(page, "missed-calls")
    row.get_by_role("button", name="Send SMS").click()
    expect(page.locator(f"#call-{call.pk}")).to_contain_text("Follow-up SMS")
    with tenant_scope(org):
        message = Message.objects.get()
    assert (message.to, message.origin) == ("+15125550176", "staff")
