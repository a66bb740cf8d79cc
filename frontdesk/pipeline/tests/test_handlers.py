"""What messaging reports lands on the customer's timeline, once."""

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.services import event_emit
from frontdesk.messaging.services import message_create
from frontdesk.pipeline.models import Interaction
from frontdesk.pipeline.tests.factories import system


def emit(org, type, payload, capture):
    with tenant_scope(org), capture(execute=True):
        event_emit(org=org, type=type, payload=payload)


def test_an_sms_reply_becomes_an_sms_inbound_interaction(org, django_capture_on_commit_callbacks):
    customer = make_customer(org, phones=[{"number": "+15125550111"}])
    payload = {"id": "m1", "customer_id": str(customer.pk), "channel": "sms",
               "from": "+15125550111", "body": "Yes, Tuesday works"}  # fmt: skip
    emit(org, "message.inbound", payload, django_capture_on_commit_callbacks)
    with tenant_scope(org):
        item = Interaction.objects.get()
    assert (item.type, item.direction, item.customer_id) == ("sms_inbound", "inbound", customer.pk)
    assert item.body == "Yes, Tuesday works"


def test_a_sent_one_to_one_message_is_logged_but_a_campaign_is_not(
    org, django_capture_on_commit_callbacks
):
    customer = make_customer(org, emails=[{"address": "a@example.com"}])
    with tenant_scope(org):
        message = message_create(
            org=org, actor=system(org), origin="system", customer=customer, channel="email",
            subject="Your estimate", body="Attached.",
        )  # fmt: skip
    emit(
        org,
        "message.sent",
        {"id": str(message.pk), "customer_id": str(customer.pk), "origin": "campaign"},
        django_capture_on_commit_callbacks,
    )
    with tenant_scope(org):
        assert not Interaction.objects.exists()
    emit(
        org,
        "message.sent",
        {"id": str(message.pk), "customer_id": str(customer.pk), "origin": "system"},
        django_capture_on_commit_callbacks,
    )
    with tenant_scope(org):
        item = Interaction.objects.get()
    assert (item.type, item.subject) == ("email_outbound", "Your estimate")
