"""Calls from the provider (token or signature, idempotent by call_id) and the missed-call
recovery queue: follow-up SMS under rules 4/5, mark handled, the overdue alert."""

import datetime as dt
import json
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer
from frontdesk.customers.tests.factories import make_customer, system
from frontdesk.events.models import OutboxEvent
from frontdesk.messaging.models import Message, Notification
from frontdesk.pipeline.models import Interaction
from frontdesk.telephony.models import Call
from frontdesk.telephony.services import (
    missed_calls_overdue_notify,
    telephony_secret_rotate,
    telephony_settings_update,
)
from frontdesk.telephony.signing import sign
from frontdesk.telephony.tasks import missed_calls_overdue_tick
from frontdesk.telephony.tests.factories import call_data, make_call

pytestmark = pytest.mark.django_db
URL = "/api/crm/telephony/calls"


def body(**data):
    data = call_data(**data)
    if isinstance(data["started_at"], dt.datetime):
        data["started_at"] = data["started_at"].isoformat()
    return data


def count(org, model, **filters):
    with tenant_scope(org):
        return model.objects.filter(**filters).count()


@pytest.fixture
def secret(org):
    with tenant_scope(org):
        return telephony_secret_rotate(org=org, actor=system(org))


def signed_post(org, secret, payload, *, stamp=None, signature=None):
    raw = json.dumps(payload).encode()
    stamp = str(int(stamp if stamp is not None else time.time()))
    headers = {
        "X-Frontdesk-Org": org.slug,
        "X-Frontdesk-Timestamp": stamp,
        "X-Frontdesk-Signature": signature or sign(secret, stamp, raw),
    }
    return Client().post(URL, raw, content_type="application/json", headers=headers)


# --- POST /telephony/calls ------------------------------------------------------------------
def test_a_missed_call_from_a_new_number_creates_a_prospect_logs_it_and_queues_it(api, org):
    response = api.post(URL, body(**{"from": "(512) 555-0177"}, status="voicemail",
                                  transcript="Call me back", duration_s=31))  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["from_number"] == "+15125550177" and data["missed"] is True
    assert data["created_customer"] is True
    with tenant_scope(org):
        customer = Customer.objects.get(pk=data["customer"]["id"])
        assert customer.lifecycle_stage == "prospect" and customer.source == "phone_call"
        interaction = Interaction.objects.get(pk=data["interaction_id"])
        assert (interaction.type, interaction.outcome) == ("phone_call", "left_voicemail")
        assert interaction.transcript == "Call me back" and interaction.duration_s == 31
        assert OutboxEvent.objects.filter(type="call.missed").count() == 1
    assert [c["id"] for c in api.get("/missed-calls").json()["items"]] == [data["id"]]


def test_a_known_callers_answered_call_is_logged_on_their_timeline_and_not_queued(api, org):
    known = make_customer(org, phones=[{"number": "512-555-0142"}])
    response = api.post(URL, body(**{"from": "+15125550142"}, status="completed", duration_s=90))
    data = response.json()
    assert data["customer"]["id"] == str(known.pk) and data["created_customer"] is False
    assert data["missed"] is False
    assert count(org, Customer) == 1 and count(org, OutboxEvent, type="call.missed") == 0
    assert api.get("/missed-calls").json()["items"] == []


def test_an_outbound_call_belongs_to_the_number_called(api, org):
    response = api.post(URL, body(direction="outbound", status="no_answer", to="+15125550155",
                                  **{"from": "+15125550100"}))  # fmt: skip
    data = response.json()
    assert data["missed"] is False
    with tenant_scope(org):
        assert Customer.objects.get(pk=data["customer"]["id"]).primary_phone == "+15125550155"


def test_the_same_call_id_is_applied_once(api, org):
    first = api.post(URL, body(call_id="CA-once"))
    again = api.post(URL, body(call_id="CA-once", status="completed"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "missed"
    assert count(org, Call) == 1 and count(org, Interaction) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "ringing"}, "status"),
        ({"direction": "sideways"}, "direction"),
        ({"from": "12"}, "from"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"duration_s": -1}, "duration_s"),
        ({"duration_s": "12"}, "duration_s"),
        ({"call_id": ""}, "call_id"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_call_events_are_422_and_write_nothing(api, org, change, field):
    response = api.post(URL, {**body(), **change})
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert count(org, Call) == count(org, Customer) == count(org, Interaction) == 0


def test_a_token_without_the_telephony_permission_is_403_and_none_is_401(api_as, anon_api, org):
    assert api_as("advisor").post(URL, body()).status_code == 403
    assert api_as("owner", assistant=True).post(URL, body()).status_code == 403
    assert anon_api.post(URL, body()).status_code == 401
    assert count(org, Call) == 0


def test_a_correctly_signed_event_is_accepted_without_a_token(org, secret):
    response = signed_post(org, secret, body(call_id="CA-signed"))
    assert response.status_code == 201, response.content
    with tenant_scope(org):
        call = Call.objects.get(call_id="CA-signed")
    assert call.organization_id == org.pk


def test_a_forged_stale_or_foreign_signature_is_401_and_writes_nothing(org, other_org, secret):
    payload = body()
    raw = json.dumps(payload).encode()
    now = str(int(time.time()))
    assert signed_post(org, secret, payload, signature=sign("guessed", now, raw)).status_code == 401
    stale = time.time() - 600
    assert signed_post(org, secret, payload, stamp=stale).status_code == 401
    tampered = sign(secret, now, raw.replace(b"missed", b"completed"))
    assert signed_post(org, secret, payload, stamp=int(now), signature=tampered).status_code == 401
    # the right secret, but claiming another organization (which has none)
    forged = Client().post(
        URL, raw, content_type="application/json",
        headers={"X-Frontdesk-Org": other_org.slug, "X-Frontdesk-Timestamp": now,
                 "X-Frontdesk-Signature": sign(secret, now, raw)},
    )  # fmt: skip
    assert forged.status_code == 401
    assert count(org, Call) == count(other_org, Call) == 0


def test_rotating_the_secret_retires_the_old_one(api, org, secret):
    new = api.post("/telephony/settings/rotate-secret").json()["signing_secret"]
    assert new != secret
    assert signed_post(org, secret, body()).status_code == 401
    assert signed_post(org, new, body()).status_code == 201
    settings = api.get("/telephony/settings").json()
    assert settings["has_signing_secret"] and settings["secret_hint"] == new[-4:]
    with connection.cursor() as cursor:
        cursor.execute("SELECT signing_secret FROM telephony_telephonysettings")
        stored = cursor.fetchone()[0]
    assert stored and new not in stored  # encrypted at rest


# --- the recovery queue ---------------------------------------------------------------------
def test_one_click_sms_writes_a_staff_message_to_the_caller_and_takes_the_call_out(api, org):
    call = make_call(org, **{"from": "+15125550181"})
    response = api.post(f"/missed-calls/{call.pk}/send-sms", {})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["call"]["handled_how"] == "sms" and data["call"]["handled_at"]
    with tenant_scope(org):
        message = Message.objects.get(pk=data["message_id"])
    assert (message.channel, message.to, message.origin) == ("sms", "+15125550181", "staff")
    assert "sorry we missed your call" in message.body
    assert api.get("/missed-calls").json()["items"] == []
    assert api.get("/missed-calls", {"handled": "true"}).json()["items"][0]["id"] == str(call.pk)
    again = api.post(f"/missed-calls/{call.pk}/send-sms", {})
    assert again.status_code == 409
    assert count(org, Message) == 1


def test_the_same_idempotency_key_sends_the_sms_once(api, org):
    call = make_call(org)
    headers = {"Idempotency-Key": "missed-sms-1"}
    first = api.post(f"/missed-calls/{call.pk}/send-sms", {"body": "Hi!"}, headers=headers)
    again = api.post(f"/missed-calls/{call.pk}/send-sms", {"body": "Hi!"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotency-Replayed"] == "true"
    assert count(org, Message) == 1


def test_an_assistants_follow_up_waits_for_approval(api_as, org):
    call = make_call(org)
    response = api_as("advisor", assistant=True).post(f"/missed-calls/{call.pk}/send-sms", {})
    assert response.status_code == 200
    assert response.json()["message_status"] == "pending_approval"


def test_mark_handled_is_repeatable_and_other_orgs_and_roles_are_refused(
    api, api_as, other_api, org
):
    call = make_call(org)
    answered = make_call(org, status="completed")
    url = f"/missed-calls/{call.pk}/mark-handled"
    assert other_api.post(url, {}).status_code == 404
    assert other_api.post(f"/missed-calls/{call.pk}/send-sms", {}).status_code == 404
    assert api_as("marketing").post(url, {}).status_code == 403
    assert api_as("marketing").get("/missed-calls").status_code == 403
    assert api.post(f"/missed-calls/{answered.pk}/mark-handled", {}).status_code == 404
    first = api.post(url, {"note": "Called back."})
    again = api.post(url, {"note": "Twice"})
    assert first.status_code == again.status_code == 200
    assert again.json()["handled_at"] == first.json()["handled_at"]
    assert api.post(f"/missed-calls/{call.pk}/send-sms", {}).status_code == 409
    assert other_api.get("/missed-calls").json()["items"] == []


def test_a_template_of_another_organization_is_404(api, org, other_org):
    from frontdesk.messaging.tests.factories import make_template

    foreign = make_template(other_org, channel="sms")
    call = make_call(org)
    response = api.post(f"/missed-calls/{call.pk}/send-sms", {"template_id": str(foreign.pk)})
    assert response.status_code == 404
    assert count(org, Message) == 0


def test_an_unhandled_missed_call_past_the_target_notifies_staff_once(org, members):
    old = make_call(org, started_at=timezone.now() - dt.timedelta(minutes=16))
    make_call(org, started_at=timezone.now() - dt.timedelta(minutes=5))
    assert missed_calls_overdue_tick() == 1
    assert missed_calls_overdue_tick() == 0
    with tenant_scope(org):
        notes = Notification.objects.filter(key=f"missed-call-overdue:{old.pk}")
        assert {n.recipient.role for n in notes} == {
            "owner",
            "manager",
            "advisor",
            "cashier",
            "sales",
        }


def test_the_target_comes_from_the_organization(org):
    with tenant_scope(org):
        telephony_settings_update(
            org=org, actor=system(org), data={"missed_call_target_minutes": 60}
        )
    make_call(org, started_at=timezone.now() - dt.timedelta(minutes=30))
    with tenant_scope(org):
        assert missed_calls_overdue_notify(org=org) == 0
        later = timezone.now() + dt.timedelta(minutes=31)
        assert missed_calls_overdue_notify(org=org, now=later) == 1


def test_settings_reject_a_bad_target(api):
    assert api.patch("/telephony/settings", {"missed_call_target_minutes": 0}).status_code == 422
    ok = api.patch("/telephony/settings", {"missed_call_target_minutes": 20})
    assert ok.status_code == 200 and ok.json()["missed_call_target_minutes"] == 20


def test_the_customer_360_shows_calls_inquiries_and_the_segment(api, org):
    from frontdesk.inquiries.tests.factories import make_inquiry

    call = make_call(org, **{"from": "+15125550133"}, status="voicemail")
    make_inquiry(org, name="Same Person", phone="+15125550133", email="")
    overview = api.get(f"/customers/{call.customer_id}/overview").json()
    assert overview["sections"]["calls"]["waiting_follow_up"] is True
    assert overview["sections"]["calls"]["recent"][0]["id"] == str(call.pk)
    assert overview["sections"]["inquiries"]["recent"][0]["number"] == "IQ-0001"
    assert overview["customer"]["segment"] == "lead"
