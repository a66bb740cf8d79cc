"""Events of other domains that messaging turns into messages or notifications."""

import pytest

from frontdesk.core.actor import Actor
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.services import event_emit
from frontdesk.messaging.models import Message, Notification

pytestmark = pytest.mark.django_db


def _emit(org, type, payload, capture):
    with capture(execute=True):
        event_emit(org=org, type=type, payload=payload, actor=Actor.system(org_id=org.pk))


def test_a_due_reminder_becomes_a_transactional_message_waiting_for_approval(
    org, members, in_org, django_capture_on_commit_callbacks
):
    with in_org():
        customer = make_customer(
            org, first_name="Rosa", last_name="Lopez", phones=[{"number": "+15125550101"}]
        )
        _emit(
            org,
            "appointment.reminder_due",
            {
                "id": "x",
                "number": "A-0007",
                "customer_id": str(customer.pk),
                "starts_at": "2030-03-05T15:30:00+00:00",
                "lead_hours": 24,
            },
            django_capture_on_commit_callbacks,
        )
        message = Message.objects.get(customer=customer)
    assert message.channel == "sms"
    assert message.origin == "system"
    assert message.category == "transactional"
    assert message.status == "pending_approval"  # rule 4: no auto-send unless enabled
    assert "A-0007" in message.body and "Rosa" in message.body
    assert "9:30 AM" in message.body  # 15:30 UTC in America/Chicago


def test_a_reminder_for_a_customer_without_phone_or_email_writes_nothing(
    org, members, in_org, django_capture_on_commit_callbacks
):
    with in_org():
        customer = make_customer(org, first_name="No", last_name="Contact")
        _emit(
            org,
            "appointment.reminder_due",
            {
                "id": "x",
                "number": "A-0008",
                "customer_id": str(customer.pk),
                "starts_at": "2030-03-05T15:30:00+00:00",
                "lead_hours": 24,
            },
            django_capture_on_commit_callbacks,
        )
        assert not Message.objects.filter(customer=customer).exists()


def test_a_disabled_webhook_notifies_the_members_who_manage_webhooks(
    org, members, in_org, django_capture_on_commit_callbacks
):
    with in_org():
        _emit(
            org,
            "webhook.disabled",
            {
                "id": "w",
                "url": "https://hooks.example.com/x",
                "reason": "5 deliveries failed",
                "consecutive_failures": 5,
            },
            django_capture_on_commit_callbacks,
        )
        recipients = {n.recipient.role for n in Notification.objects.select_related("recipient")}
    assert recipients == {"owner", "manager"}
