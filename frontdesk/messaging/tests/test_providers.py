"""The SMS provider's webhooks: inbound replies (STOP, START, HELP and the rest) and
delivery-status callbacks, authenticated by Twilio's X-Twilio-Signature."""

import uuid
from urllib.parse import urlencode

import pytest
from django.test import Client

from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import OutboxEvent
from frontdesk.messaging import services
from frontdesk.messaging.models import InboundMessage, Message, Notification, Suppression
from frontdesk.messaging.providers import twilio_signature
from frontdesk.messaging.tests.factories import make_message, set_messaging

NUMBER = "+15125550100"
INBOUND = "/api/crm/providers/sms/inbound"
STATUS = "/api/crm/providers/sms/status"


@pytest.fixture
def provider(settings, org):
    settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN = "ACtest", "secret-token"
    set_messaging(org, sms_from=NUMBER)
    return settings


def signed_post(path, params, *, token="secret-token", signature=None):
    url = "http://testserver" + path
    signature = signature if signature is not None else twilio_signature(token, url, params)
    return Client().post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )


def text(contact, body, sid=None):
    params = {
        "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "AccountSid": "ACtest",
        "From": contact.primary_phone,
        "To": NUMBER,
        "Body": body,
    }
    return signed_post(INBOUND, params)


def reply_of(response) -> str:
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/xml")
    if "<Message>" not in body:
        return ""
    return body.split("<Message>")[1].split("</Message>")[0]


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", " Stop! ", "STOPALL", "unsubscribe.", "Cancel", "END", "quit",
     "REVOKE", "opt out", "OPT-OUT", "  Opt Out!!  ", "optout"],
)  # fmt: skip
def test_each_stop_word_opts_the_number_out_with_one_confirmation(org, contact, provider, body):
    first = text(contact, body)
    assert first.status_code == 200
    assert "unsubscribed" in reply_of(first)
    assert reply_of(text(contact, body)) == ""  # at most one confirmation
    with tenant_scope(org):
        assert Suppression.objects.get(address=contact.primary_phone).reason == "stop"
    contact.refresh_from_db()
    assert contact.opt_in_sms is False


@pytest.mark.parametrize("body", ["stop now please", "don't stop", "STOP STOP", "s top"])
def test_a_sentence_containing_stop_is_a_reply_not_an_opt_out(org, contact, provider, body):
    assert reply_of(text(contact, body)) == ""
    with tenant_scope(org):
        assert not Suppression.objects.exists()


def test_a_stopped_number_gets_no_message_not_even_a_transactional_one(
    org, contact, provider, actor_of, anytime
):
    text(contact, "STOP")
    message = make_message(org, customer=contact, category="transactional")
    with tenant_scope(org):
        services.message_approve(org=org, actor=actor_of("owner"), message=message)
        services.message_send(org=org, message_id=message.pk)
        assert Message.objects.get(pk=message.pk).blocked_reason == "stopped"


@pytest.mark.parametrize("word", ["START", "unstop", " Start. "])
def test_start_opts_back_in(org, contact, provider, word):
    text(contact, "STOP")
    assert "subscribed again" in reply_of(text(contact, word))
    with tenant_scope(org):
        assert Suppression.objects.get(address=contact.primary_phone).lifted_at is not None
    contact.refresh_from_db()
    assert contact.opt_in_sms is True
    assert reply_of(text(contact, "STOP"))  # a new opt-out is confirmed again


def test_help_answers_with_the_organizations_help_text(org, contact, provider):
    assert "Alpha Auto" in reply_of(text(contact, "help"))
    set_messaging(org, sms_from=NUMBER, sms_help_text="Alpha Auto: call 512-555-0100 & ask")
    assert reply_of(text(contact, "HELP")) == "Alpha Auto: call 512-555-0100 &amp; ask"


def test_another_reply_notifies_staff_and_leaves_an_event(org, contact, provider, members, jobs):
    with jobs():
        response = text(contact, "Can I come at 3 instead?")
    assert reply_of(response) == ""
    with tenant_scope(org):
        inbound = InboundMessage.objects.get()
        assert inbound.customer_id == contact.pk and inbound.keyword == ""
        event = OutboxEvent.objects.get(type="message.inbound")
        assert event.payload["body"] == "Can I come at 3 instead?"
        notified = Notification.objects.filter(kind="inbound_sms")
        assert notified.count() == 6  # every role sees messages
        assert notified.first().title == "SMS from Ada Lovelace"


def test_a_repeated_webhook_is_applied_once(org, contact, provider, members, jobs):
    sid = f"SM{uuid.uuid4().hex}"
    with jobs():
        text(contact, "Running late", sid=sid)
        second = text(contact, "Running late", sid=sid)
    assert second.status_code == 200 and reply_of(second) == ""
    with tenant_scope(org):
        assert InboundMessage.objects.count() == 1
        assert OutboxEvent.objects.filter(type="message.inbound").count() == 1
        assert Notification.objects.filter(kind="inbound_sms").count() == 6


@pytest.mark.parametrize(
    "signature",
    ["", "bm9wZQ==", twilio_signature("wrong-token", "http://testserver" + INBOUND, {})],
)
def test_a_bad_signature_is_401_and_changes_nothing(org, contact, provider, signature):
    params = {"MessageSid": "SM1", "From": contact.primary_phone, "To": NUMBER, "Body": "STOP"}
    response = signed_post(INBOUND, params, signature=signature)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    with tenant_scope(org):
        assert not InboundMessage.objects.exists() and not Suppression.objects.exists()


def test_a_signature_over_other_parameters_is_refused(org, contact, provider):
    url = "http://testserver" + INBOUND
    params = {"MessageSid": "SM1", "From": contact.primary_phone, "To": NUMBER, "Body": "hi"}
    signature = twilio_signature("secret-token", url, params)
    response = signed_post(INBOUND, {**params, "Body": "STOP"}, signature=signature)
    assert response.status_code == 401


def test_without_a_provider_configured_every_webhook_is_refused(org, contact, settings):
    settings.SMS_AUTH_TOKEN = ""
    assert text(contact, "STOP").status_code == 401


def test_a_number_no_organization_uses_is_404(org, contact, provider):
    params = {"MessageSid": "SM1", "From": contact.primary_phone, "To": "+15550001111", "Body": "x"}
    assert signed_post(INBOUND, params).status_code == 404


def test_the_webhooks_take_only_post(provider):
    assert Client().get(INBOUND).status_code == 405


# --- delivery status --------------------------------------------------------------------------
def sent_sms(org, contact, actor_of):
    message = make_message(org, customer=contact)
    with tenant_scope(org):
        services.message_approve(org=org, actor=actor_of("owner"), message=message)
        Message.objects.filter(pk=message.pk).update(
            status="sent", provider_id=f"SM{uuid.uuid4().hex}", transport="sms_api"
        )
        return Message.objects.get(pk=message.pk)


def status(message, value, **extra):
    params = {
        "MessageSid": message.provider_id,
        "MessageStatus": value,
        "From": NUMBER,
        "To": message.to,
        **extra,
    }
    return signed_post(f"{STATUS}?org=alpha", params)


def test_a_delivery_callback_is_applied_once(org, contact, provider, actor_of):
    message = sent_sms(org, contact, actor_of)
    assert status(message, "delivered").status_code == 204
    assert status(message, "delivered").status_code == 204
    assert status(message, "sent").status_code == 204  # late and out of order
    with tenant_scope(org):
        message.refresh_from_db()
        assert message.status == "delivered" and message.delivered_at
        assert OutboxEvent.objects.filter(type="message.delivered").count() == 1


def test_a_failed_delivery_is_recorded_and_an_unknown_number_suppressed(
    org, contact, provider, actor_of
):
    message = sent_sms(org, contact, actor_of)
    status(message, "undelivered", ErrorCode="30005")
    status(message, "failed", ErrorCode="30005")
    with tenant_scope(org):
        message.refresh_from_db()
        assert message.status == "failed" and "30005" in message.last_error
        assert OutboxEvent.objects.filter(type="message.failed").count() == 1
        assert Suppression.objects.get(address=contact.primary_phone).reason == "bounced"


def test_a_status_callback_is_routed_by_the_sending_number_too(org, contact, provider, actor_of):
    message = sent_sms(org, contact, actor_of)
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered", "From": NUMBER}
    assert signed_post(STATUS, params).status_code == 204
    with tenant_scope(org):
        assert Message.objects.get(pk=message.pk).status == "delivered"


def test_a_status_callback_with_a_bad_signature_is_401(org, contact, provider, actor_of):
    message = sent_sms(org, contact, actor_of)
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered", "From": NUMBER}
    assert signed_post(STATUS, params, token="wrong").status_code == 401
    with tenant_scope(org):
        assert Message.objects.get(pk=message.pk).status == "sent"


def test_a_callback_cannot_touch_another_organizations_message(
    org, other_org, contact, provider, actor_of
):
    message = sent_sms(org, contact, actor_of)
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
    assert signed_post(f"{STATUS}?org={other_org.slug}", params).status_code == 204
    with tenant_scope(org):
        assert Message.objects.get(pk=message.pk).status == "sent"


def test_a_callback_arriving_before_the_send_is_recorded_is_applied_by_the_sweep(
    org, contact, provider, actor_of
):
    """The provider calls back "delivered" before the worker has recorded the SID (it
    records a batch a moment after the provider answered): the status waits and the
    sweep applies it once the message carries that SID."""
    import datetime as dt

    from django.utils import timezone

    from frontdesk.messaging import tasks
    from frontdesk.messaging.models import EarlyStatus

    message = make_message(org, customer=contact)
    with tenant_scope(org):
        services.message_approve(org=org, actor=actor_of("owner"), message=message)
    early = Message(provider_id=f"SM{uuid.uuid4().hex}", to=contact.primary_phone)
    assert status(early, "delivered").status_code == 204
    never = Message(provider_id="SMnever", to="+15125550199")
    assert status(never, "sent").status_code == 204
    with tenant_scope(org):
        assert EarlyStatus.objects.count() == 2
        Message.objects.filter(pk=message.pk).update(
            status="sent", provider_id=early.provider_id, transport="sms_api"
        )
    tasks.messages_sweep()
    with tenant_scope(org):
        message.refresh_from_db()
        assert message.status == "delivered" and message.delivered_at
        assert OutboxEvent.objects.filter(type="message.delivered").count() == 1
        assert list(EarlyStatus.objects.values_list("provider_id", flat=True)) == ["SMnever"]
        later = timezone.now() + dt.timedelta(days=1, minutes=1)
        assert services.early_statuses_apply(org=org, now=later) == 0
        assert not EarlyStatus.objects.exists()  # never matched: forgotten after a day
