"""Webhook settings in a real browser: the owner creates an endpoint (its secret shown
once), sends a test and sees the delivery succeed in the log; a real receiver on
127.0.0.1 gets the signed request."""

import pytest
from django.test import override_settings
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from frontdesk.core.tenancy import tenant_scope
from frontdesk.integrations.tests.receiver import Answer, Receiver
from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint

from .conftest import screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver():
    server = Receiver().start()
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True):
        yield server
    server.stop()


def test_the_owner_creates_a_webhook_and_sees_a_delivery(page, members, login_as, org, receiver):
    login_as(page, members["owner"])
    visit(page, "/")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    page.get_by_label("URL").fill(receiver.url())
    page.get_by_label("Description").fill("Booking system")
    page.get_by_label("customer.created", exact=True).check()
    page.get_by_role("button", name="Create webhook").click()
    created = page.locator("#webhook-created")
    expect(created).to_contain_text("shown only once")
    secret = page.locator("#new-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    expect(page.locator("#webhooks")).to_contain_text(receiver.url())
    screenshot(page, "webhooks")

    created.get_by_role("link", name="Open it").click()
    expect(page.get_by_role("heading", name="Webhook", level=1)).to_be_visible()
    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_role("status")).to_contain_text("Test ping sent")
    log = page.locator("#deliveries")
    expect(log).to_contain_text("webhook.test")
    expect(log).to_contain_text("Succeeded")
    screenshot(page, "webhook-detail")
    (request,) = receiver.received
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.test"

    # a failed delivery can be replayed from the log
    with tenant_scope(org):
        WebhookDelivery.objects.update(status="gave_up")
    receiver.answer(Answer(200, b"again"))
    page.reload()
    page.locator("#deliveries").get_by_role("button", name="Replay").first.click()
    expect(page.get_by_role("status")).to_contain_text("sent again")
    expect(page.locator("#deliveries tbody tr")).to_have_count(2)
    assert len(receiver.received) == 2
    with tenant_scope(org):
        assert WebhookEndpoint.objects.get().events == ["customer.created"]


def test_the_webhook_pages_log_no_error(page, members, login_as, org, receiver):
    login_as(page, members["owner"])
    visit(page, "/settings/webhooks/")
    page.get_by_label("URL").fill("http://169.254.169.254/latest/meta-data/")
    page.get_by_label("All events (*), including future ones").check()
    page.get_by_role("button", name="Create webhook").click()
    expect(page.locator("#id_url_error")).to_contain_text("cloud metadata address")
    assert not page.problems
