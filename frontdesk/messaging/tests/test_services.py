"""Creating, editing, approving and rejecting messages (SPEC rule 4)."""

import pytest

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import InvalidState, PermissionDenied, ValidationFailed
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.merge import customer_merge
from frontdesk.events.models import OutboxEvent
from frontdesk.messaging import services
from frontdesk.messaging.models import Message, Notification
from frontdesk.messaging.services.notifications import notification_digest_send
from frontdesk.messaging.tests.factories import (
    make_contact,
    make_message,
    make_notification,
    make_template,
    set_messaging,
    system,
)


def reload(org, message):
    with tenant_scope(org):
        return Message.objects.get(pk=message.pk)


def test_a_staff_member_who_may_send_sends_at_once_reviewed_by_themself(
    org, contact, actor_of, members, jobs, anytime
):
    with jobs():
        message = make_message(org, customer=contact, origin="staff", actor=actor_of("advisor"))
    message = reload(org, message)
    assert message.status == "sent" and message.transport == "outbox"
    assert message.approved_by_id == members["advisor"].pk
    assert message.body == "Hi Ada, your car is ready."


def test_a_staff_member_without_the_send_permission_waits_for_approval(org, contact, actor_of):
    message = make_message(org, customer=contact, origin="staff", actor=actor_of("marketing"))
    assert message.status == "pending_approval" and message.approved_by_id is None


@pytest.mark.parametrize("origin", ["automation", "campaign", "assistant", "system"])
def test_other_origins_wait_for_approval_unless_auto_send_is_on(
    org, contact, origin, jobs, anytime
):
    actor = system(org)
    if origin == "assistant":
        actor = actor.__class__(kind="assistant", org_id=org.pk, label="assistant")
    waiting = make_message(org, customer=contact, origin=origin, actor=actor)
    assert waiting.status == "pending_approval"
    set_messaging(org, auto_send={origin: True})
    with jobs():
        auto = make_message(org, customer=contact, origin=origin, actor=actor)
    auto = reload(org, auto)
    assert auto.status == "sent" and auto.approved_by_id is None


def test_an_assistant_cannot_pass_its_message_off_as_another_origin(org, contact):
    assistant = system(org).__class__(kind="assistant", org_id=org.pk, label="assistant")
    with pytest.raises(PermissionDenied):
        make_message(org, customer=contact, origin="staff", actor=assistant)
    with pytest.raises(PermissionDenied):
        make_message(org, customer=contact, origin="system", actor=assistant)


def test_a_message_entering_the_queue_notifies_the_approvers_once_until_read(
    org, contact, members, jobs
):
    with jobs():
        make_message(org, customer=contact)
        make_message(org, customer=contact)
    with tenant_scope(org):
        notified = set(
            Notification.objects.filter(kind="approval_needed").values_list(
                "recipient_id", flat=True
            )
        )
        assert notified == {members["owner"].pk, members["manager"].pk}
        assert Notification.objects.filter(kind="approval_needed").count() == 2


def test_approving_queues_the_message_and_sends_it(org, contact, actor_of, members, jobs, anytime):
    message = make_message(org, customer=contact)
    with jobs(), tenant_scope(org):
        services.message_approve(org=org, actor=actor_of("manager"), message=message)
    message = reload(org, message)
    assert message.status == "sent"
    assert message.approved_by_id == members["manager"].pk and message.approval_count == 1


def test_edit_then_approve_sends_the_edited_text_and_audits_both(
    org, contact, actor_of, jobs, anytime
):
    message = make_message(org, customer=contact)
    with jobs(), tenant_scope(org):
        services.message_approve(
            org=org, actor=actor_of("owner"), message=message, body="Hi {{ first_name }}, ready!"
        )
        entry = AuditEntry.objects.filter(
            object_id=str(message.pk), metadata__transition="approved"
        ).get()
    assert reload(org, message).body == "Hi Ada, ready!"
    assert entry.changes["body"] == ["Hi Ada, your car is ready.", "Hi Ada, ready!"]
    assert entry.changes["status"] == ["pending_approval", "queued"]


def test_only_owners_and_managers_approve_and_marketing_only_campaigns(org, contact, actor_of):
    message = make_message(org, customer=contact)
    campaign = make_message(org, customer=contact, origin="campaign")
    with tenant_scope(org):
        for role in ("advisor", "cashier", "sales", "marketing"):
            with pytest.raises(PermissionDenied):
                services.message_approve(org=org, actor=actor_of(role), message=message)
        services.message_approve(org=org, actor=actor_of("marketing"), message=campaign)
    assert reload(org, campaign).status in ("queued", "sent")


def test_a_message_is_approved_once(org, contact, actor_of):
    message = make_message(org, customer=contact)
    with tenant_scope(org):
        services.message_approve(org=org, actor=actor_of("owner"), message=message)
        with pytest.raises(InvalidState):
            services.message_approve(org=org, actor=actor_of("manager"), message=message)
        with pytest.raises(InvalidState):
            services.message_reject(org=org, actor=actor_of("manager"), message=message, reason="x")


def test_rejecting_needs_a_reason_and_the_message_is_never_sent(org, contact, actor_of, jobs):
    message = make_message(org, customer=contact)
    with tenant_scope(org):
        with pytest.raises(ValidationFailed):
            services.message_reject(org=org, actor=actor_of("owner"), message=message, reason=" ")
        with jobs():
            services.message_reject(
                org=org, actor=actor_of("owner"), message=message, reason="Wrong customer"
            )
        assert not OutboxEvent.objects.filter(type="message.sent").exists()
    message = reload(org, message)
    assert (message.status, message.rejected_reason) == ("rejected", "Wrong customer")


def test_a_pending_message_can_be_edited_and_a_sent_one_cannot(
    org, contact, actor_of, jobs, anytime
):
    message = make_message(org, customer=contact)
    with tenant_scope(org):
        services.message_update(org=org, actor=actor_of("advisor"), message=message, body="New")
        assert reload(org, message).body == "New"
        with jobs():
            services.message_approve(org=org, actor=actor_of("owner"), message=message)
        with pytest.raises(InvalidState):
            services.message_update(org=org, actor=actor_of("owner"), message=message, body="x")


def test_a_template_gives_subject_body_and_category(org, contact, jobs):
    template = make_template(
        org,
        channel="email",
        category="marketing",
        subject="News for {{ first_name }}",
        body="Dear {{ display_name }}, spring offers at {{ organization_name }}.",
    )
    message = make_message(
        org, customer=contact, channel="email", template=template, subject="", body=""
    )
    assert message.subject == "News for Ada"
    assert message.body == "Dear Ada Lovelace, spring offers at Alpha Auto."
    assert message.category == "marketing" and message.to == contact.primary_email


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"channel": "email", "subject": ""}, "subject"),
        ({"channel": "email", "subject": "Hi\r\nBcc: x@example.com"}, "subject"),
        ({"body": "  "}, "body"),
        ({"body": "x" * 1601}, "body"),
        ({"to": "+15550000000"}, "to"),
        ({"category": "spam"}, "category"),
        ({"body": "{% load static %}"}, "body"),
    ],
)
def test_bad_input_is_refused_naming_the_field(org, contact, fields, field):
    channel = fields.pop("channel", "sms")
    with pytest.raises(ValidationFailed) as exc:
        make_message(org, customer=contact, channel=channel, **fields)
    assert exc.value.errors[0]["field"] == field


def test_a_customer_without_a_phone_cannot_get_an_sms(org):
    customer = make_contact(org, phones=[])
    with pytest.raises(ValidationFailed) as exc:
        make_message(org, customer=customer)
    assert "no phone number" in exc.value.detail


def test_messages_follow_a_merge_to_the_surviving_customer(org, contact, actor_of):
    duplicate = make_contact(org)
    message = make_message(org, customer=duplicate)
    with tenant_scope(org):
        customer_merge(org=org, actor=actor_of("owner"), survivor=contact, duplicate=duplicate)
    assert reload(org, message).customer_id == contact.pk


def test_the_daily_digest_emails_unread_notifications_when_switched_on(org, members, mailoutbox):
    make_notification(org, members["owner"], title="Three messages wait")
    with tenant_scope(org):
        assert services_digest(org) == 0  # off by default
        set_messaging(org, notification_digest=True)
        assert services_digest(org) == 1
    [email] = mailoutbox
    assert email.to == [members["owner"].user.email]
    assert "Three messages wait" in email.body


def services_digest(org):
    return notification_digest_send(org=org)
