"""The messaging API: each endpoint's 401, 404 (another organization), 403, 422, 409 and
idempotent cases, and the allowed path."""

import datetime as dt
import json
import uuid

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.messaging.models import Message, MessageTemplate, Notification
from frontdesk.messaging.services import notification_create
from frontdesk.messaging.tests.factories import (
    make_contact,
    make_message,
    make_notification,
    make_template,
)

pytestmark = pytest.mark.usefixtures("anytime")


def new_message(contact, **extra):
    return {
        "customer_id": str(contact.pk),
        "channel": "sms",
        "body": "Hi {{ first_name }}",
        **extra,
    }


def count(org, **filters):
    with tenant_scope(org):
        return Message.objects.filter(**filters).count()


# --- POST /messages -------------------------------------------------------------------------
def test_writing_a_message_needs_a_login(anon_api, contact):
    assert anon_api.post("/messages", new_message(contact)).status_code == 401


def test_a_staff_token_sends_at_once_and_the_origin_is_staff(api, org, contact):
    response = api.post("/messages", new_message(contact))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["origin"] == "staff" and body["status"] == "queued"
    assert body["body"] == "Hi Ada" and body["to"] == contact.primary_phone


def test_an_assistant_token_drafts_into_the_approval_queue(api_as, contact):
    response = api_as("owner", assistant=True).post("/messages", new_message(contact))
    assert response.status_code == 201
    assert (response.json()["origin"], response.json()["status"]) == (
        "assistant",
        "pending_approval",
    )


def test_the_body_cannot_choose_the_origin(api_as, org, contact):
    assistant = api_as("owner", assistant=True)
    for origin in ("staff", "system", "campaign"):
        response = assistant.post("/messages", new_message(contact, origin=origin))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "origin"
    assert count(org) == 0


def test_marketing_staff_without_send_wait_for_approval(api_as, contact):
    response = api_as("marketing").post("/messages", new_message(contact))
    assert response.json()["status"] == "pending_approval"


def test_another_organizations_customer_or_template_is_404(api, other_api, org, other_org, contact):
    assert other_api.post("/messages", new_message(contact)).status_code == 404
    foreign_template = make_template(other_org)
    response = api.post("/messages", new_message(contact, template_id=str(foreign_template.pk)))
    assert response.status_code == 404
    assert count(org) == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"channel": "email", "subject": ""}, "subject"),
        ({"channel": "email", "subject": "Hi\r\nBcc: a@example.com"}, "subject"),
        ({"body": ""}, "body"),
        ({"body": "{% include 'base.html' %}"}, "body"),
        ({"variables": {"x": {"nested": 1}}}, "variables.x"),
        ({"category": "bulk"}, "category"),
        ({"to": "someone@else.example"}, "to"),
        ({"customer_id": "not-a-uuid"}, "customer_id"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(api, org, contact, extra, field):
    response = api.post("/messages", new_message(contact, **extra))
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert count(org) == 0


def test_an_archived_customer_is_409(api, org):
    customer = make_contact(org)
    assert api.delete(f"/customers/{customer.pk}").status_code == 200
    assert api.post("/messages", new_message(customer)).status_code == 409


def test_the_same_idempotency_key_sends_once(api, org, contact, django_capture_on_commit_callbacks):
    headers = {"Idempotency-Key": "send-once-1"}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/messages", new_message(contact), headers=headers)
        again = api.post("/messages", new_message(contact), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotency-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert count(org) == 1 and count(org, status="sent") == 1
    other = api.post("/messages", new_message(contact, body="Different"), headers=headers)
    assert other.status_code == 422


# --- GET /messages, GET/PATCH /messages/{id} ---------------------------------------------------
def test_the_list_filters_by_status_customer_and_channel(api, org, contact):
    other_customer = make_contact(org)
    waiting = make_message(org, customer=contact)
    make_message(org, customer=other_customer, channel="email")
    assert [m["id"] for m in api.get("/messages", {"customer_id": contact.pk}).json()["items"]] == [
        str(waiting.pk)
    ]
    assert len(api.get("/messages", {"channel": "email"}).json()["items"]) == 1
    assert len(api.get("/messages", {"status": "pending_approval"}).json()["items"]) == 2
    assert api.get("/messages", {"status": "nope"}).status_code == 422
    assert api.get("/messages", {"customer_id": "x"}).status_code == 422


def test_the_list_is_a_constant_number_of_queries(api, org, contact, django_assert_max_num_queries):
    for _ in range(15):
        make_message(org, customer=contact)
    with django_assert_max_num_queries(10):
        response = api.get("/messages", {"limit": 10})
    assert len(response.json()["items"]) == 10 and response.json()["next_cursor"]


def test_reading_needs_a_login_and_another_organizations_message_is_404(
    api, anon_api, other_api, org, contact
):
    message = make_message(org, customer=contact)
    assert anon_api.get(f"/messages/{message.pk}").status_code == 401
    assert other_api.get(f"/messages/{message.pk}").status_code == 404
    assert api.get(f"/messages/{uuid.uuid4()}").status_code == 404
    assert api.get(f"/messages/{message.pk}").json()["status"] == "pending_approval"


def test_a_pending_message_is_edited_and_a_sent_one_is_409(api, org, contact):
    message = make_message(org, customer=contact)
    response = api.patch(f"/messages/{message.pk}", {"body": "Edited for {{ first_name }}"})
    assert response.status_code == 200 and response.json()["body"] == "Edited for Ada"
    sent = api.post("/messages", new_message(contact)).json()
    assert api.patch(f"/messages/{sent['id']}", {"body": "x"}).status_code == 409
    assert api.patch(f"/messages/{message.pk}", {"subject": "a\nb"}).status_code in (200, 422)


# --- approve / reject / bulk-approve ---------------------------------------------------------
def test_approving_sends_and_a_second_approval_is_409(
    api, org, contact, django_capture_on_commit_callbacks
):
    message = make_message(org, customer=contact)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/messages/{message.pk}/approve", {})
    assert response.status_code == 200 and response.json()["status"] == "queued"
    assert count(org, status="sent") == 1
    assert api.post(f"/messages/{message.pk}/approve", {}).status_code == 409


def test_approving_with_edits(api, org, contact):
    message = make_message(org, customer=contact)
    response = api.post(f"/messages/{message.pk}/approve", {"body": "Better, {{ first_name }}"})
    assert response.json()["body"] == "Better, Ada"


def test_an_approval_with_the_same_idempotency_key_is_replayed(api, org, contact):
    message = make_message(org, customer=contact)
    headers = {"Idempotency-Key": "approve-1"}
    first = api.post(f"/messages/{message.pk}/approve", {}, headers=headers)
    again = api.post(f"/messages/{message.pk}/approve", {}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotency-Replayed"] == "true"
    with tenant_scope(org):
        assert Message.objects.get(pk=message.pk).approval_count == 1


@pytest.mark.parametrize(
    ("role", "assistant"), [("owner", True), ("advisor", False), ("sales", False)]
)
def test_assistants_and_staff_without_review_get_403_on_approve_and_reject(
    api_as, org, contact, role, assistant
):
    message = make_message(org, customer=contact)
    client = api_as(role, assistant=assistant)
    assert client.post(f"/messages/{message.pk}/approve", {}).status_code == 403
    assert client.post(f"/messages/{message.pk}/reject", {"reason": "x"}).status_code == 403
    assert count(org, status="pending_approval") == 1


def test_marketing_approves_campaign_messages_only(api_as, org, contact):
    ordinary = make_message(org, customer=contact)
    campaign = make_message(org, customer=contact, origin="campaign")
    marketing = api_as("marketing")
    denied = marketing.post(f"/messages/{ordinary.pk}/approve", {})
    assert denied.status_code == 403 and denied.json()["permission"] == "messages.approve"
    assert marketing.post(f"/messages/{campaign.pk}/approve", {}).status_code == 200


def test_approve_and_reject_of_another_organizations_message_are_404(other_api, org, contact):
    message = make_message(org, customer=contact)
    assert other_api.post(f"/messages/{message.pk}/approve", {}).status_code == 404
    assert other_api.post(f"/messages/{message.pk}/reject", {"reason": "x"}).status_code == 404
    assert count(org, status="pending_approval") == 1


def test_rejecting_needs_a_reason(api, org, contact):
    message = make_message(org, customer=contact)
    assert api.post(f"/messages/{message.pk}/reject", {"reason": ""}).status_code == 422
    assert api.post(f"/messages/{message.pk}/reject", {}).status_code == 422
    response = api.post(f"/messages/{message.pk}/reject", {"reason": "Not now"})
    assert response.json()["status"] == "rejected"
    assert api.post(f"/messages/{message.pk}/reject", {"reason": "again"}).status_code == 409


def test_bulk_approve_reports_what_it_skipped(api, org, contact):
    waiting = [make_message(org, customer=contact) for _ in range(3)]
    api.post(f"/messages/{waiting[0].pk}/reject", {"reason": "no"})
    response = api.post("/messages/bulk-approve", {"ids": [str(m.pk) for m in waiting]})
    assert response.status_code == 200
    assert len(response.json()["approved"]) == 2
    assert response.json()["skipped"][0]["id"] == str(waiting[0].pk)
    unknown = api.post("/messages/bulk-approve", {"ids": [str(uuid.uuid4())]})
    assert unknown.status_code == 404
    assert api.post("/messages/bulk-approve", {"ids": []}).status_code == 422


# --- settings ---------------------------------------------------------------------------------
def test_settings_round_trip(api, other_api, org):
    settings = other_api.get("/settings/messaging").json()  # untouched: the defaults
    assert settings["quiet_hours"]["sms"] == {"start": "21:00", "end": "08:00"}
    assert settings["auto_send"] == {
        "automation": False,
        "campaign": False,
        "assistant": False,
        "system": False,
    }
    assert settings["sms_transport"] == "outbox"
    new = {
        "auto_send": {"automation": True},
        "quiet_hours": {"sms": {"start": "20:00", "end": "09:00"}, "email": None},
        "frequency_cap": {"max_messages": 5, "days": 30},
        "sms_help_text": "Call us",
        "sms_from": "+15125550123",
    }
    response = api.put("/settings/messaging", new)
    assert response.status_code == 200, response.content
    assert response.json()["auto_send"]["automation"] is True
    assert api.get("/settings/messaging").json()["frequency_cap"] == {"max_messages": 5, "days": 30}


@pytest.mark.parametrize(
    "body",
    [
        {"quiet_hours": {"sms": {"start": "25:00", "end": "08:00"}}},
        {"quiet_hours": {"sms": {"start": "08:00", "end": "08:00"}}},
        {"frequency_cap": {"max_messages": -1, "days": 7}},
        {"email_from_name": "Alpha\r\nBcc: x@example.com"},
        {"email_from_address": "not an address"},
        {"sms_from": "5125550123"},
        {"auto_send": {"staff": True}},
        {"unknown": 1},
    ],
)
def test_bad_settings_are_422(api, body):
    assert api.put("/settings/messaging", body).status_code == 422


def test_two_organizations_cannot_send_from_one_number(api, other_api):
    assert other_api.put("/settings/messaging", {"sms_from": "+15125550199"}).status_code == 200
    assert api.put("/settings/messaging", {"sms_from": "+15125550199"}).status_code == 409


@pytest.mark.parametrize("method", ["get", "put"])
def test_settings_are_refused_to_assistants_and_staff_without_the_permission(api_as, method):
    for role, assistant in (("owner", True), ("advisor", False)):
        client = api_as(role, assistant=assistant)
        response = (
            client.get("/settings/messaging")
            if method == "get"
            else client.put("/settings/messaging", {})
        )
        assert response.status_code == 403


# --- templates ----------------------------------------------------------------------------------
def test_templates_are_created_listed_edited_and_previewed(api, org, contact):
    body = {"name": "Ready", "channel": "sms", "body": "Hi {{ first_name }}, ready at {{ when }}."}
    created = api.post("/templates", body)
    assert created.status_code == 201, created.content
    template_id = created.json()["id"]
    assert api.post("/templates", body).status_code == 409
    assert [t["name"] for t in api.get("/templates").json()["items"]] == ["Ready"]
    assert (
        api.patch(f"/templates/{template_id}", {"name": "Car ready"}).json()["name"] == "Car ready"
    )
    preview = api.post(
        f"/templates/{template_id}/preview",
        {"customer_id": str(contact.pk), "variables": {"when": "5pm"}},
    )
    assert preview.json() == {"subject": "", "body": "Hi Ada, ready at 5pm."}
    with tenant_scope(org):
        assert MessageTemplate.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "channel": "sms", "body": "{% load static %}"},
        {"name": "x", "channel": "sms", "body": "{{ a|center:'999999999' }}"},
        {"name": "x", "channel": "email", "body": "no subject"},
        {"name": "x", "channel": "email", "subject": "a\nb", "body": "x"},
        {"name": "", "channel": "sms", "body": "x"},
    ],
)
def test_bad_templates_are_422(api, body):
    assert api.post("/templates", body).status_code == 422


def test_a_preview_cannot_reach_another_organization(api, other_api, org, other_org, contact):
    template = make_template(org)
    foreign_customer = make_customer(other_org, first_name="Foreign")
    response = api.post(
        f"/templates/{template.pk}/preview", {"customer_id": str(foreign_customer.pk)}
    )
    assert response.status_code == 404
    assert other_api.patch(f"/templates/{template.pk}", {"name": "x"}).status_code == 404
    assert (
        other_api.post(
            f"/templates/{template.pk}/preview", {"customer_id": str(contact.pk)}
        ).status_code
        == 404
    )


def test_templates_are_changed_only_with_the_settings_permission(api_as, org):
    template = make_template(org)
    assert api_as("advisor").post("/templates", {}).status_code == 403
    assert api_as("owner", assistant=True).patch(f"/templates/{template.pk}", {}).status_code == 403


# --- notifications ---------------------------------------------------------------------------------
def test_each_member_sees_and_reads_only_their_own_notifications(api_as, org, members):
    mine = make_notification(org, members["advisor"], title="For the advisor")
    theirs = make_notification(org, members["cashier"], title="For the cashier")
    advisor = api_as("advisor")
    page = advisor.get("/notifications").json()
    assert [n["title"] for n in page["items"]] == ["For the advisor"] and page["unread"] == 1
    assert advisor.post(f"/notifications/{theirs.pk}/read").status_code == 404
    read = advisor.post(f"/notifications/{mine.pk}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert advisor.post(f"/notifications/{mine.pk}/read").status_code == 200  # idempotent
    assert advisor.get("/notifications", {"unread": True}).json()["items"] == []


def test_notifications_need_a_login(anon_api, other_api, org, members):
    notification = make_notification(org, members["owner"])
    assert anon_api.get("/notifications").status_code == 401
    assert anon_api.get("/notifications/stream").status_code == 401
    assert other_api.post(f"/notifications/{notification.pk}/read").status_code == 404


def stream_events(response) -> list[tuple[str, str]]:
    assert response["Content-Type"] == "text/event-stream"
    text = b"".join(response.streaming_content).decode()
    events = []
    for block in text.split("\n\n"):
        name, data = None, []
        for line in block.splitlines():
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if name:
            events.append((name, "\n".join(data)))
    return events


def test_the_stream_replays_what_was_missed_since_the_last_event_id(api, org, members):
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
    make_notification(org, members["owner"], title="While you were away")
    response = api.get("/notifications/stream", headers={"Last-Event-ID": before.isoformat()})
    events = stream_events(response)
    assert events[0] == ("unread", json.dumps({"unread": 1}))
    assert ("notification", "While you were away") in [
        (name, json.loads(data).get("title")) for name, data in events[1:] if name == "notification"
    ]


def test_the_stream_ends_after_its_lifetime(api, settings):
    settings.NOTIFICATION_STREAM_SECONDS = 0.3
    settings.NOTIFICATION_POLL_SECONDS = 0.1
    start = dt.datetime.now()
    response = api.get("/notifications/stream", {"format": "html"})
    events = stream_events(response)
    assert (dt.datetime.now() - start).total_seconds() < 3
    assert events[0][0] == "unread" and "data-unread" in events[0][1]
    # it ends by handing the bell a fresh copy of itself, which reconnects from the browser
    name, html = events[-1]
    assert name == "reconnect" and 'sse-connect="/api/crm/notifications/stream?' in html


def test_notification_create_reaches_everyone_holding_a_permission_once_per_key(org, members):
    with tenant_scope(org):
        first = notification_create(
            org=org, permission="messages.approve", kind="other", title="Hi", key="k1"
        )
        again = notification_create(
            org=org, permission="messages.approve", kind="other", title="Hi", key="k1"
        )
        assert {n.recipient_id for n in first} == {members["owner"].pk, members["manager"].pk}
        assert again == [] and Notification.objects.count() == 2


def test_an_approval_needs_no_body(api, org, contact):
    message = make_message(org, customer=contact)
    response = api.client.generic(
        "POST", f"/api/crm/messages/{message.pk}/approve", headers=api.headers
    )
    assert response.status_code == 200 and response.json()["status"] == "queued"
