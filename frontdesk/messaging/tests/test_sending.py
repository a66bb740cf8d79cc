"""Sending through real channels: an HTTP server behaving like the SMS provider and an
SMTP server (aiosmtpd). At most one hand-over per approval, retries with backoff, the
lease that survives a worker dying mid-send."""

import datetime as dt

import pytest
from django.utils import timezone

from frontdesk.audit.models import AuditEntry
from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import OutboxEvent
from frontdesk.messaging import services, tasks
from frontdesk.messaging.channels import deliver
from frontdesk.messaging.config import messaging_settings
from frontdesk.messaging.models import Message, Suppression
from frontdesk.messaging.services.sending import _claim
from frontdesk.messaging.tests.factories import make_contact, make_message, set_messaging, system

pytestmark = pytest.mark.usefixtures("anytime")


def approved(org, actor_of, **fields):
    message = make_message(org, **fields)
    with tenant_scope(org):
        return services.message_approve(org=org, actor=actor_of("owner"), message=message)


def send(org, message, now=None):
    with tenant_scope(org):
        outcome = services.message_send(org=org, message_id=message.pk, now=now)
        return outcome, Message.objects.get(pk=message.pk)


def events(org, type):
    with tenant_scope(org):
        return OutboxEvent.objects.filter(type=type).count()


# --- SMS --------------------------------------------------------------------------------------
def test_an_sms_goes_to_the_provider_as_a_twilio_form_post(org, contact, actor_of, sms_provider):
    message = approved(org, actor_of, customer=contact)
    outcome, message = send(org, message)
    assert outcome == "sent" and message.status == "sent"
    [request] = sms_provider.requests
    assert request["path"] == "/2010-04-01/Accounts/ACtest/Messages.json"
    assert request["form"]["To"] == contact.primary_phone
    assert request["form"]["From"] == "+15125550100"
    assert request["form"]["Body"] == "Hi Ada, your car is ready."
    assert request["form"]["StatusCallback"].endswith("/api/crm/providers/sms/status?org=alpha")
    assert request["headers"]["Idempotency-Key"] == f"{message.pk}:1"
    assert message.provider_id == sms_provider.delivered[0]["sid"]
    assert message.transport == "sms_api" and events(org, "message.sent") == 1


@pytest.mark.parametrize("fault", [500, 429, "timeout"])
def test_a_provider_fault_is_retried_later_without_a_duplicate_send(
    org, contact, actor_of, sms_provider, fault
):
    sms_provider.plan.extend([fault, fault])
    message = approved(org, actor_of, customer=contact)
    outcome, message = send(org, message)
    assert outcome == "retry" and message.status == "queued"
    assert message.send_after > timezone.now() + dt.timedelta(seconds=20)
    assert message.last_error
    later = message.send_after + dt.timedelta(seconds=1)
    assert send(org, message, now=later)[0] == "retry"
    outcome, message = send(org, message, now=later + dt.timedelta(hours=1))
    assert outcome == "sent" and message.attempts == 3
    assert len(sms_provider.requests) == 3
    # every attempt carried the same idempotency key: one message reached the phone
    assert {r["headers"]["Idempotency-Key"] for r in sms_provider.requests} == {f"{message.pk}:1"}
    assert len(sms_provider.delivered) == 1
    assert events(org, "message.sent") == 1


def test_a_429_waits_at_least_the_backoff(org, contact, actor_of, sms_provider, settings):
    sms_provider.plan.append(429)
    message = approved(org, actor_of, customer=contact)
    with tenant_scope(org):
        now = timezone.now()
    _, message = send(org, message, now=now)
    assert message.send_after >= now + dt.timedelta(seconds=30)


def test_it_gives_up_after_the_last_attempt_and_says_why(
    org, contact, actor_of, sms_provider, settings
):
    settings.MESSAGE_MAX_ATTEMPTS = 2
    sms_provider.plan.extend([500, 500])
    message = approved(org, actor_of, customer=contact)
    send(org, message)
    outcome, message = send(org, message, now=timezone.now() + dt.timedelta(hours=2))
    assert outcome == "failed" and message.status == "failed"
    assert "500" in message.last_error and events(org, "message.failed") == 1


def test_a_refused_number_fails_at_once(org, contact, actor_of, sms_provider):
    sms_provider.plan.append(400)
    outcome, message = send(org, approved(org, actor_of, customer=contact))
    assert outcome == "failed" and "21211" in message.last_error
    assert len(sms_provider.requests) == 1


def test_a_worker_dying_mid_send_leaves_the_message_to_be_resent_once(
    org, contact, actor_of, sms_provider, settings
):
    """The worker claimed the message and the provider took it, but the worker died
    before recording that. Once the lease expires the sweep hands it out again, with
    the same idempotency key: the provider answers the first SID, nothing is resent."""
    message = approved(org, actor_of, customer=contact)
    with tenant_scope(org):
        claimed = _claim(
            org=org, message_id=message.pk, now=timezone.now(), config=messaging_settings(org)
        )
        assert claimed.status == "sending"
        first = deliver(claimed, org=org, config=messaging_settings(org))  # ... and dies here
        assert services.messages_due() == []  # the lease still holds
        later = claimed.lease_until + dt.timedelta(seconds=1)
        assert services.messages_due(now=later) == [message.pk]
    outcome, message = send(org, message, now=later)
    assert outcome == "sent" and message.provider_id == first.provider_id
    assert len(sms_provider.requests) == 2 and len(sms_provider.delivered) == 1


def test_a_message_is_handed_over_at_most_once_per_approval(org, contact, actor_of, sms_provider):
    message = approved(org, actor_of, customer=contact)
    assert send(org, message)[0] == "sent"
    assert send(org, message)[0] == "skipped"
    with tenant_scope(org):
        assert tasks.messages_send_batch(str(org.pk), [str(message.pk)] * 3) == {"skipped": 1}
    assert len(sms_provider.requests) == 1


def test_a_batch_applies_the_gate_to_each_message_and_the_cap_within_the_batch(
    org, actor_of, sms_provider, jobs
):
    set_messaging(org, quiet_hours={"sms": None}, frequency_cap={"max_messages": 1, "days": 7})
    ada, bob, cy = (make_contact(org) for _ in range(3))
    with tenant_scope(org):
        services.suppress(
            org=org, actor=system(org), channel="sms", address=cy.primary_phone, reason="stop"
        )
    batch = [
        approved(org, actor_of, customer=ada, category="marketing"),
        approved(org, actor_of, customer=ada, category="marketing"),  # over the cap
        approved(org, actor_of, customer=bob, category="marketing"),
        approved(org, actor_of, customer=cy),  # STOP
    ]
    with jobs(), tenant_scope(org):
        outcome = tasks.messages_send_batch(str(org.pk), [str(m.pk) for m in batch])
    with tenant_scope(org):
        statuses = [Message.objects.get(pk=m.pk) for m in batch]
        # the batch's events were written together and dispatched by one job
        assert not OutboxEvent.objects.filter(
            type__startswith="message.s", dispatched_at__isnull=True
        ).exists()
    assert outcome == {"sent": 2, "skipped": 2}
    assert [(m.status, m.blocked_reason) for m in statuses] == [
        ("sent", ""), ("blocked", "frequency_cap"), ("sent", ""), ("blocked", "stopped"),
    ]  # fmt: skip
    assert len(sms_provider.delivered) == 2
    assert events(org, "message.sent") == 2 and events(org, "message.blocked") == 2
    with tenant_scope(org):
        assert AuditEntry.objects.filter(metadata__transition="sent").count() == 2


def test_the_gate_runs_at_the_moment_of_sending_not_of_writing(
    org, contact, actor_of, sms_provider
):
    message = approved(org, actor_of, customer=contact)
    with tenant_scope(org):
        services.suppress(
            org=org, actor=system(org), channel="sms", address=contact.primary_phone, reason="stop"
        )
    outcome, message = send(org, message)
    assert (outcome, message.status, message.blocked_reason) == ("skipped", "blocked", "stopped")
    assert sms_provider.requests == [] and events(org, "message.blocked") == 1


def test_a_message_due_in_quiet_hours_is_sent_by_the_sweep_when_they_end(
    org, actor_of, sms_provider
):
    set_messaging(org, quiet_hours={"sms": {"start": "21:00", "end": "08:00"}})
    customer = make_contact(org, time_zone="America/Chicago")
    message = approved(org, actor_of, customer=customer)
    evening = dt.datetime(2030, 3, 5, 21, 30, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
    outcome, message = send(org, message, now=evening)
    assert (outcome, message.status) == ("skipped", "queued")
    assert message.send_after == dt.datetime(2030, 3, 6, 14, 0, tzinfo=dt.UTC)
    with tenant_scope(org):
        assert services.messages_due(now=evening + dt.timedelta(hours=1)) == []
        assert services.messages_due(now=message.send_after) == [message.pk]
    assert send(org, message, now=message.send_after)[0] == "sent"


def test_the_sweep_queues_due_messages_of_every_organization(
    org, other_org, contact, actor_of, settings
):
    message = approved(org, actor_of, customer=contact)
    with tenant_scope(org):
        Message.objects.filter(pk=message.pk).update(
            send_after=timezone.now() - dt.timedelta(minutes=1)
        )
    assert tasks.messages_sweep() == 1  # jobs run inline in tests
    with tenant_scope(org):
        assert Message.objects.get(pk=message.pk).status == "sent"


# --- email --------------------------------------------------------------------------------------
def test_an_email_goes_through_smtp_with_a_stable_message_id(org, contact, actor_of, smtp):
    message = approved(org, actor_of, customer=contact, channel="email")
    outcome, message = send(org, message)
    assert outcome == "sent" and message.transport == "smtp"
    [mime] = smtp.messages
    assert mime["To"] == contact.primary_email
    assert mime["Subject"] == "Your car is ready"
    assert "Alpha Auto" in mime["From"]
    assert mime["Message-ID"] == f"<{message.pk}.1@localhost>"
    assert mime.get_content().strip() == "Hi Ada, your car is ready."
    assert "List-Unsubscribe" not in mime  # transactional


def test_a_marketing_email_carries_a_one_click_unsubscribe(org, contact, actor_of, smtp, client):
    message = approved(org, actor_of, customer=contact, channel="email", category="marketing")
    send(org, message)
    [mime] = smtp.messages
    assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailto, https = [part.strip(" <>") for part in mime["List-Unsubscribe"].split(",")]
    assert mailto.startswith("mailto:unsubscribe@localhost?subject=unsubscribe%20")
    assert https.startswith("http://testserver/api/public/alpha/unsubscribe/")

    # the mail client's one-click POST: no login, no CSRF token, effective at once
    response = client.post(
        https.removeprefix("http://testserver"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    with tenant_scope(org):
        assert Suppression.objects.get(address=contact.primary_email).reason == "unsubscribed"
    contact.refresh_from_db()
    assert contact.opt_in_email is False
    again = approved(org, actor_of, customer=contact, channel="email", category="marketing")
    assert send(org, again)[1].blocked_reason in ("unsubscribed", "no_opt_in")
    receipt = approved(org, actor_of, customer=contact, channel="email")
    assert send(org, receipt)[0] == "sent"  # transactional still goes


def test_a_refused_mailbox_fails_and_is_suppressed_as_bounced(org, contact, actor_of, smtp):
    smtp.refuse[contact.primary_email] = 550
    outcome, message = send(org, approved(org, actor_of, customer=contact, channel="email"))
    assert outcome == "failed" and "550" in message.last_error
    with tenant_scope(org):
        assert Suppression.objects.get(address=contact.primary_email).reason == "bounced"


def test_a_temporary_smtp_refusal_is_retried(org, contact, actor_of, smtp):
    smtp.refuse[contact.primary_email] = 451
    message = approved(org, actor_of, customer=contact, channel="email")
    assert send(org, message)[0] == "retry"
    del smtp.refuse[contact.primary_email]
    assert send(org, message, now=timezone.now() + dt.timedelta(hours=1))[0] == "sent"
    assert len(smtp.messages) == 1


def test_an_unreachable_mail_server_is_retried(org, contact, actor_of, settings):
    settings.MESSAGING_EMAIL_TRANSPORT = "smtp"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    outcome, message = send(org, approved(org, actor_of, customer=contact, channel="email"))
    assert outcome == "retry" and "Cannot reach the mail server" in message.last_error


def test_an_email_interrupted_mid_handover_is_not_resent(org, contact, actor_of, smtp):
    message = approved(org, actor_of, customer=contact, channel="email")
    with tenant_scope(org):
        claimed = _claim(
            org=org, message_id=message.pk, now=timezone.now(), config=messaging_settings(org)
        )
    outcome, message = send(org, message, now=claimed.lease_until + dt.timedelta(seconds=1))
    assert (outcome, message.status) == ("skipped", "failed")
    assert "not resent" in message.last_error and smtp.messages == []


def test_without_providers_both_channels_write_to_the_local_outbox(org, contact, actor_of):
    for channel in ("sms", "email"):
        outcome, message = send(org, approved(org, actor_of, customer=contact, channel=channel))
        assert (outcome, message.transport) == ("sent", "outbox")
        assert message.provider_id == f"outbox-{message.pk.hex}"


def test_a_batch_records_a_message_whose_worker_died_together_with_fresh_ones(
    org, actor_of, sms_provider
):
    """The sweep's batch after a worker died: one message still ``sending`` under an
    expired lease (the provider has it already) and two never tried. All three end
    ``sent``, the interrupted one with its first SID and no second SMS."""
    interrupted, *fresh = (approved(org, actor_of, customer=make_contact(org)) for _ in range(3))
    with tenant_scope(org):
        claimed = _claim(
            org=org, message_id=interrupted.pk, now=timezone.now(), config=messaging_settings(org)
        )
        first = deliver(claimed, org=org, config=messaging_settings(org))  # ... and dies here
        later = claimed.lease_until + dt.timedelta(seconds=1)
        ids = [str(m.pk) for m in (interrupted, *fresh)]
        assert services.messages_send_many(org=org, message_ids=ids, now=later) == {"sent": 3}
        assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
        assert Message.objects.get(pk=interrupted.pk).provider_id == first.provider_id
    assert len(sms_provider.delivered) == 3 and len(sms_provider.requests) == 4
