"""The messaging pages: outbox, approval queue (approve, edit, reject, bulk approve),
composer, replies, templates, settings, notifications and the bell."""

import pytest
from django.test import Client
from django.urls import reverse

from frontdesk.core.tenancy import tenant_scope
from frontdesk.messaging.models import Message, MessageTemplate, Notification
from frontdesk.messaging.tests.factories import make_message, make_notification, make_template
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY
from frontdesk.organizations.roles import permissions_for

pytestmark = pytest.mark.usefixtures("anytime")


@pytest.fixture
def browser_as(members):
    def login(role):
        client = Client()
        client.force_login(members[role].user)
        session = client.session
        session[SESSION_MEMBERSHIP_KEY] = str(members[role].pk)
        session.save()
        return client

    return login


def status_of(org, message):
    with tenant_scope(org):
        return Message.objects.get(pk=message.pk).status


PAGES = [
    ("messaging:outbox", "messages.view"),
    ("messaging:approvals", "messages.review"),
    ("messaging:compose", "messages.draft"),
    ("messaging:inbound", "messages.view"),
    ("messaging:templates", "messages.view"),
    ("messaging:settings", "messaging.settings"),
    ("messaging:notifications", "notifications.view"),
]


@pytest.mark.parametrize(("name", "permission"), PAGES)
def test_each_page_opens_for_roles_with_its_permission_only(
    browser_as, org, contact, name, permission
):
    make_message(org, customer=contact)
    for role in ("owner", "advisor", "cashier", "marketing"):
        response = browser_as(role).get(reverse(name))
        assert response.status_code == (200 if permission in permissions_for(role) else 403), role


def test_pages_send_an_anonymous_visitor_to_the_login(client):
    response = client.get(reverse("messaging:outbox"))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_the_outbox_shows_statuses_and_blocked_reasons(browser_as, org, contact):
    message = make_message(org, customer=contact)
    with tenant_scope(org):
        Message.objects.filter(pk=message.pk).update(status="blocked", blocked_reason="stopped")
    page = browser_as("advisor").get(reverse("messaging:outbox")).content.decode()
    assert "Blocked" in page and "Replied STOP" in page and "Ada Lovelace" in page


def test_the_outbox_is_a_constant_number_of_queries(
    browser_as, org, contact, django_assert_max_num_queries
):
    client = browser_as("owner")
    for _ in range(20):
        make_message(org, customer=contact)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("messaging:outbox")).status_code == 200


def test_approving_from_the_queue_sends_the_message(
    browser_as, org, contact, django_capture_on_commit_callbacks
):
    message = make_message(org, customer=contact)
    client = browser_as("manager")
    assert "Ada Lovelace" in client.get(reverse("messaging:approvals")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("messaging:approve", args=[message.pk]))
    assert response.status_code == 302
    assert status_of(org, message) == "sent"


def test_bulk_approve_and_reject_from_the_queue(browser_as, org, contact):
    a, b, c = (make_message(org, customer=contact) for _ in range(3))
    client = browser_as("owner")
    client.post(reverse("messaging:approvals"), {"ids": [str(a.pk), str(b.pk)]})
    client.post(reverse("messaging:reject", args=[c.pk]), {"reason": "Not needed"})
    assert [status_of(org, m) for m in (a, b, c)] == ["queued", "queued", "rejected"]


def test_edit_then_approve_from_the_message_page(browser_as, org, contact):
    message = make_message(org, customer=contact)
    client = browser_as("owner")
    response = client.post(
        reverse("messaging:detail", args=[message.pk]),
        {"body": "Edited, {{ first_name }}", "subject": "", "action": "approve"},
    )
    assert response.status_code == 302
    with tenant_scope(org):
        message.refresh_from_db()
    assert (message.status, message.body) == ("queued", "Edited, Ada")


def test_an_advisor_may_edit_but_not_approve(browser_as, org, contact):
    message = make_message(org, customer=contact)
    client = browser_as("advisor")
    assert (
        "Approve and send"
        not in client.get(reverse("messaging:detail", args=[message.pk])).content.decode()
    )
    denied = client.post(
        reverse("messaging:detail", args=[message.pk]), {"body": "x", "action": "approve"}
    )
    assert denied.status_code == 403
    assert client.post(reverse("messaging:approve", args=[message.pk])).status_code == 403
    assert status_of(org, message) == "pending_approval"


def test_another_organizations_message_is_404(browser_as, other_org):
    foreign = make_message(other_org)
    client = browser_as("owner")
    assert client.get(reverse("messaging:detail", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("messaging:approve", args=[foreign.pk])).status_code == 404
    assert status_of(other_org, foreign) == "pending_approval"


def test_the_composer_finds_the_customer_previews_and_sends(
    browser_as, org, contact, django_capture_on_commit_callbacks
):
    client = browser_as("advisor")
    found = client.get(reverse("messaging:compose"), {"q": "Lovelace"}).content.decode()
    assert f"?customer={contact.pk}" in found
    url = reverse("messaging:compose") + f"?customer={contact.pk}"
    assert "Ada Lovelace" in client.get(url).content.decode()
    form = {"channel": "sms", "category": "transactional", "body": "Hi {{ first_name }}!"}
    preview = client.post(url, {**form, "action": "preview"}, headers={"HX-Request": "true"})
    assert "Hi Ada!" in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {**form, "action": "send"})
    assert sent.status_code == 302
    with tenant_scope(org):
        message = Message.objects.get()
    assert (message.origin, message.status, message.body) == ("staff", "sent", "Hi Ada!")


def test_the_composer_shows_errors_next_to_the_form(browser_as, contact):
    url = reverse("messaging:compose") + f"?customer={contact.pk}"
    response = browser_as("advisor").post(
        url, {"channel": "email", "category": "transactional", "subject": "", "body": "x"}
    )
    assert response.status_code == 200 and "An email needs a subject." in response.content.decode()


def test_templates_are_created_and_edited_on_their_page(browser_as, org):
    client = browser_as("owner")
    client.post(
        reverse("messaging:templates"),
        {
            "name": "Ready",
            "channel": "sms",
            "category": "transactional",
            "body": "Hi",
            "is_active": "on",
        },
    )
    with tenant_scope(org):
        template = MessageTemplate.objects.get()
    client.post(
        reverse("messaging:template_edit", args=[template.pk]),
        {
            "name": "Ready now",
            "category": "transactional",
            "body": "Hi {{ first_name }}",
            "is_active": "on",
        },
    )
    with tenant_scope(org):
        template.refresh_from_db()
    assert template.name == "Ready now" and template.channel == "sms"
    bad = client.post(
        reverse("messaging:templates"),
        {"name": "Bad", "channel": "sms", "category": "transactional", "body": "{% load x %}"},
    )
    assert "Template error" in bad.content.decode()


def test_settings_are_saved_from_the_form(browser_as, org):
    client = browser_as("manager")
    response = client.post(
        reverse("messaging:settings"),
        {
            "auto_send_automation": "on", "sms_quiet_start": "20:00", "sms_quiet_end": "09:00",
            "cap_max_messages": "4", "cap_days": "14", "sms_help_text": "Call us",
        },
    )  # fmt: skip
    assert response.status_code == 302
    org.refresh_from_db()
    saved = org.settings["messaging"]
    assert saved["auto_send"]["automation"] is True
    assert saved["quiet_hours"] == {"sms": {"start": "20:00", "end": "09:00"}, "email": None}
    bad = client.post(
        reverse("messaging:settings"),
        {
            "sms_quiet_start": "99:00",
            "sms_quiet_end": "09:00",
            "cap_max_messages": "4",
            "cap_days": "14",
        },
    )
    assert bad.status_code == 200 and "quiet_hours.sms.start" in bad.content.decode()


def test_the_bell_shows_the_unread_count_and_opening_marks_read(browser_as, org, members):
    notification = make_notification(org, members["cashier"], title="Till is short", link="/")
    client = browser_as("cashier")
    page = client.get(reverse("core:dashboard")).content.decode()
    assert 'sse-connect="/api/crm/notifications/stream?format=html&amp;since=' in page
    assert 'data-unread="1"' in page and "Till is short" in page
    assert "hx-sse-2.min.js" in page
    response = client.get(reverse("messaging:notification_open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/"
    with tenant_scope(org):
        assert Notification.objects.get(pk=notification.pk).read_at is not None
    other = make_notification(org, members["owner"], title="Owner only")
    assert client.get(reverse("messaging:notification_open", args=[other.pk])).status_code == 404


def test_the_dashboard_shows_the_approval_queue(browser_as, org, contact):
    make_message(org, customer=contact)
    page = browser_as("owner").get(reverse("core:dashboard")).content.decode()
    assert "SMS to Ada Lovelace" in page and "Open the queue (1)" in page


def test_the_customer_overview_lists_recent_messages(api, org, contact):
    make_message(org, customer=contact)
    overview = api.get(f"/customers/{contact.pk}/overview").json()
    assert overview["sections"]["messages"]["recent"][0]["status"] == "pending_approval"


def test_a_template_page_of_another_organization_is_404(browser_as, other_org):
    template = make_template(other_org)
    assert (
        browser_as("owner").get(reverse("messaging:template_edit", args=[template.pk])).status_code
        == 404
    )
