"""Deliveries end to end, against a real HTTP receiver on 127.0.0.1: events from the outbox
become signed requests (checked with the standardwebhooks library and by hand), failures
are retried on the backoff schedule with the same webhook-id, endpoints that keep failing
are turned off, settled deliveries can be replayed, and a rotated secret keeps signing
during its grace period."""

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from frontdesk.audit.models import AuditEntry
from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import event_emit
from frontdesk.events.tasks import event_dispatch
from frontdesk.integrations.tests.factories import make_endpoint, system
from frontdesk.integrations.tests.receiver import Answer, Receiver
from frontdesk.integrations.webhooks import services
from frontdesk.integrations.webhooks.choices import DeliveryStatus, DeliveryTrigger
from frontdesk.integrations.webhooks.delivery import RESPONSE_BODY_LIMIT
from frontdesk.integrations.webhooks.models import WebhookDelivery
from frontdesk.integrations.webhooks.services import MAX_ATTEMPTS, RETRY_DELAYS
from frontdesk.integrations.webhooks.tasks import webhook_deliveries_sweep

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_targets")]


@pytest.fixture
def deliver(org, in_org, django_capture_on_commit_callbacks):
    """``deliver("customer.created", id=...)`` emits an event and runs what follows its
    commit: the outbox dispatch, the webhook fan-out and the delivery jobs."""

    def run(type="customer.created", **payload):
        with django_capture_on_commit_callbacks(execute=True), in_org():
            with transaction.atomic():
                event = event_emit(org=org, type=type, payload=payload, actor=system(org))
        return event

    return run


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return webhook_deliveries_sweep()

    return run


def by_hand(secret: str, headers: dict, body: bytes) -> bool:
    """The signature checked without the library: HMAC-SHA256 of id.timestamp.body with
    the base64-decoded part of the secret after ``whsec_``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(f"v1,{expected}", part) for part in headers["webhook-signature"].split()
    )


def verified(secret: str, request) -> dict:
    assert by_hand(secret, request.headers, request.body)
    return Webhook(secret).verify(request.body, request.headers)


def deliveries(org, in_org, **filters):
    with in_org():
        return list(WebhookDelivery.objects.filter(**filters).order_by("created_at"))


def test_an_event_reaches_a_subscribed_endpoint_signed_per_standard_webhooks(
    org, in_org, receiver, deliver
):
    endpoint, secret = make_endpoint(org, receiver.url(), events=["customer.created"])
    event = deliver("customer.created", id="c-1", display_name="Ada Lovelace")
    (request,) = receiver.received
    message = verified(secret, request)
    assert request.path == "/hooks"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == str(event.pk)
    assert abs(int(request.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60
    assert message == {
        "id": str(event.pk),
        "type": "customer.created",
        "timestamp": event.created_at.isoformat(),
        "organization_id": str(org.pk),
        "data": {"id": "c-1", "display_name": "Ada Lovelace"},
    }
    (delivery,) = deliveries(org, in_org)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.response_body == "ok" and delivery.duration_ms is not None
    assert delivery.endpoint_id == endpoint.pk and delivery.event_id == event.pk


def test_a_signature_made_with_another_secret_does_not_verify(org, receiver, deliver):
    make_endpoint(org, receiver.url())
    deliver()
    (request,) = receiver.received
    other = services.secret_generate()
    assert not by_hand(other, request.headers, request.body)
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(request.body, request.headers)


def test_only_active_endpoints_subscribed_to_the_event_receive_it(
    org, other_org, in_org, receiver, deliver
):
    make_endpoint(org, receiver.url("/all"), events=["*"])
    make_endpoint(org, receiver.url("/family"), events=["customer.*"])
    make_endpoint(org, receiver.url("/exact"), events=["customer.created"])
    make_endpoint(org, receiver.url("/other-type"), events=["lead.created"])
    make_endpoint(org, receiver.url("/off"), events=["*"], active=False)
    make_endpoint(other_org, receiver.url("/other-org"), events=["*"])
    deliver("customer.created")
    assert sorted(r.path for r in receiver.received) == ["/all", "/exact", "/family"]
    deliver("lead.created")
    assert sorted(r.path for r in receiver.received[3:]) == ["/all", "/other-type"]


def test_an_event_dispatched_again_makes_no_second_delivery(org, in_org, receiver, deliver):
    make_endpoint(org, receiver.url())
    event = deliver()
    with in_org():
        services.webhook_deliveries_for_event(event=OutboxEvent.objects.get(pk=event.pk))
        OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
    event_dispatch(str(event.pk))
    assert len(deliveries(org, in_org)) == 1
    assert len(receiver.received) == 1


def test_a_failing_endpoint_is_retried_with_backoff_and_the_same_webhook_id(
    org, in_org, receiver, deliver, sweep
):
    _, secret = make_endpoint(org, receiver.url())
    receiver.answer(Answer(500, b"down"), Answer(503, b"still down"), Answer(200, b"fine"))
    start = timezone.now()
    event = deliver()
    (delivery,) = deliveries(org, in_org)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, 500)
    assert delivery.error == "Answered 500." and delivery.response_body == "down"
    assert start + RETRY_DELAYS[0] <= delivery.next_attempt_at <= timezone.now() + RETRY_DELAYS[0]
    assert sweep() == 0  # not due yet
    with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1), tick=False):
        assert sweep() == 1
        (delivery,) = deliveries(org, in_org)
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 2, 503)
        assert delivery.next_attempt_at == timezone.now() + RETRY_DELAYS[1]
    with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1), tick=False):
        assert sweep() == 1
        for request in receiver.received:
            verified(secret, request)
    (delivery,) = deliveries(org, in_org)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 3, 200)
    assert delivery.next_attempt_at is None and delivery.error == ""
    assert [r.headers["webhook-id"] for r in receiver.received] == [str(event.pk)] * 3
    assert len({r.body for r in receiver.received}) == 1


def test_the_retry_schedule_spans_about_three_days():
    total = sum(RETRY_DELAYS, dt.timedelta())
    assert dt.timedelta(days=2, hours=12) <= total <= dt.timedelta(days=3, hours=12)
    assert all(a <= b for a, b in zip(RETRY_DELAYS, RETRY_DELAYS[1:], strict=False))
    assert len(RETRY_DELAYS) + 1 == MAX_ATTEMPTS


@override_settings(WEBHOOKS_TIMEOUT_SECONDS=0.3)
def test_a_receiver_slower_than_the_timeout_counts_as_a_failure_and_is_retried(
    org, in_org, receiver, deliver, sweep
):
    make_endpoint(org, receiver.url())
    receiver.answer(Answer(200, delay=1.0))
    deliver()
    (delivery,) = deliveries(org, in_org)
    assert delivery.status == "failed"
    assert delivery.error == "Timed out after 0.3 s." and delivery.response_status is None
    assert delivery.duration_ms < 1000
    with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1), tick=False):
        sweep()
    (delivery,) = deliveries(org, in_org)
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


def test_a_redirect_is_not_followed(org, in_org, receiver, deliver):
    make_endpoint(org, receiver.url())
    receiver.answer(Answer(302, headers={"Location": receiver.url("/elsewhere")}))
    deliver()
    assert [r.path for r in receiver.received] == ["/hooks"]
    (delivery,) = deliveries(org, in_org)
    assert delivery.status == "failed" and delivery.response_status == 302
    assert "not followed" in delivery.error and "/elsewhere" in delivery.error


def test_only_the_first_64_kb_of_an_answer_is_read_and_kept(org, in_org, receiver, deliver):
    make_endpoint(org, receiver.url())
    receiver.answer(Answer(200, b"x" * (RESPONSE_BODY_LIMIT * 4)))
    deliver()
    (delivery,) = deliveries(org, in_org)
    assert delivery.status == "succeeded"
    assert len(delivery.response_body) == RESPONSE_BODY_LIMIT


def test_an_answer_with_nul_bytes_is_kept_readable(org, in_org, receiver, deliver):
    make_endpoint(org, receiver.url())
    receiver.answer(Answer(500, b"bad\x00\xff"))
    deliver()
    (delivery,) = deliveries(org, in_org)
    assert delivery.response_body == "bad\ufffd\ufffd"


def gave_up_after_every_attempt(org, in_org, receiver, deliver, sweep, count=1):
    receiver.answer(*[Answer(500)] * (MAX_ATTEMPTS * count))
    for _ in range(count):
        deliver()
    now = timezone.now()
    for delay in RETRY_DELAYS:
        now += delay + dt.timedelta(seconds=1)
        with time_machine.travel(now, tick=False):
            sweep()
    return deliveries(org, in_org)


def test_a_delivery_gives_up_after_the_last_attempt(org, in_org, receiver, deliver, sweep):
    endpoint, _ = make_endpoint(org, receiver.url())
    (delivery,) = gave_up_after_every_attempt(org, in_org, receiver, deliver, sweep)
    assert (delivery.status, delivery.attempts) == ("gave_up", MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    assert len(receiver.received) == MAX_ATTEMPTS
    with in_org():
        endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.active


@override_settings(WEBHOOKS_DISABLE_AFTER=2)
def test_an_endpoint_is_turned_off_after_deliveries_in_a_row_gave_up(
    org, in_org, receiver, deliver, sweep
):
    endpoint, _ = make_endpoint(org, receiver.url(), events=["customer.created"])
    watcher, _ = make_endpoint(org, receiver.url("/watcher"), events=["webhook.disabled"])
    receiver.answer(*[Answer(500)] * (MAX_ATTEMPTS * 3))
    deliver()
    deliver()
    now = timezone.now()
    for i, delay in enumerate(RETRY_DELAYS):
        now += delay + dt.timedelta(seconds=1)
        with time_machine.travel(now, tick=False):
            if i == len(RETRY_DELAYS) - 1:
                pending_third = deliver()  # fails once, then waits for its retry
            sweep()
    with in_org():
        endpoint.refresh_from_db()
        disabled = OutboxEvent.objects.get(type="webhook.disabled")
        audit = AuditEntry.objects.filter(object_id=str(endpoint.pk), action="update").get()
    assert not endpoint.active and endpoint.consecutive_failures == 2
    assert endpoint.disabled_reason.startswith("Turned off automatically: 2 deliveries in a row")
    assert disabled.payload["id"] == str(endpoint.pk)
    assert audit.changes["active"] == [True, False] and audit.actor_label == "webhooks"
    watched = [r for r in receiver.received if r.path == "/watcher"]
    assert [json.loads(r.body)["type"] for r in watched] == ["webhook.disabled"]
    third = deliveries(org, in_org, event_id=pending_third.pk, endpoint=endpoint)[0]
    assert third.status == "gave_up" and "turned off" in third.error
    deliver()  # a turned-off endpoint gets no new deliveries
    assert len(deliveries(org, in_org, endpoint=endpoint)) == 3


def test_a_success_resets_the_failure_count(org, in_org, receiver, deliver, sweep):
    endpoint, _ = make_endpoint(org, receiver.url())
    gave_up_after_every_attempt(org, in_org, receiver, deliver, sweep)
    deliver()
    with in_org():
        endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_a_settled_delivery_is_replayed_with_the_same_body_and_webhook_id(
    org, in_org, receiver, deliver
):
    _, secret = make_endpoint(org, receiver.url())
    receiver.answer(Answer(200, b"first"))
    deliver()
    (original,) = deliveries(org, in_org)
    with in_org(), transaction.atomic():
        replay = services.webhook_delivery_replay(org=org, actor=system(org), delivery=original)
    # the test transaction never commits: run the queued attempt as the worker would
    with in_org():
        services.webhook_delivery_attempt(org=org, delivery_id=replay.pk)
        replay.refresh_from_db()
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(original.event_id)
    verified(secret, second)
    assert (replay.trigger, replay.replay_of_id, replay.status) == (
        DeliveryTrigger.REPLAY,
        original.pk,
        DeliveryStatus.SUCCEEDED,
    )


def test_a_delivery_still_being_attempted_is_not_replayed(org, in_org, receiver, deliver):
    make_endpoint(org, receiver.url())
    receiver.answer(Answer(500))
    deliver()
    (delivery,) = deliveries(org, in_org)
    with in_org(), pytest.raises(services.InvalidState):
        services.webhook_delivery_replay(org=org, actor=system(org), delivery=delivery)


def test_during_rotation_both_secrets_sign_and_afterwards_only_the_new_one(
    org, in_org, receiver, deliver
):
    endpoint, old = make_endpoint(org, receiver.url())
    with in_org():
        endpoint, new = services.webhook_rotate_secret(
            org=org, actor=system(org), endpoint=endpoint, grace=dt.timedelta(hours=24)
        )
    deliver()
    request = receiver.received[-1]
    assert len(request.headers["webhook-signature"].split()) == 2
    verified(old, request)
    verified(new, request)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25), tick=False):
        deliver()
        request = receiver.received[-1]
        assert len(request.headers["webhook-signature"].split()) == 1
        verified(new, request)
        assert not by_hand(old, request.headers, request.body)


def test_a_rotation_without_grace_drops_the_old_secret_at_once(org, in_org, receiver, deliver):
    endpoint, old = make_endpoint(org, receiver.url())
    with in_org():
        endpoint, new = services.webhook_rotate_secret(
            org=org, actor=system(org), endpoint=endpoint, grace=dt.timedelta(0)
        )
    deliver()
    request = receiver.received[-1]
    verified(new, request)
    assert not by_hand(old, request.headers, request.body)


def test_a_test_ping_makes_one_attempt_even_to_an_endpoint_that_is_off(
    org, in_org, receiver, django_capture_on_commit_callbacks
):
    endpoint, secret = make_endpoint(org, receiver.url(), active=False)
    receiver.answer(Answer(500))
    with django_capture_on_commit_callbacks(execute=True), in_org():
        delivery = services.webhook_test_send(org=org, actor=system(org), endpoint=endpoint)
    message = verified(secret, receiver.received[0])
    assert message["type"] == "webhook.test"
    assert message["data"]["endpoint_id"] == str(endpoint.pk)
    with in_org():
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.trigger) == ("gave_up", 1, "test")


def test_a_claimed_attempt_is_not_sent_twice_but_resumes_after_a_dead_worker(
    org, in_org, receiver, deliver, sweep
):
    """A worker killed mid-send leaves its claim; nothing else sends the delivery until
    the claim expires, then the sweep sends it again with the same webhook-id."""
    endpoint, _ = make_endpoint(org, receiver.url())
    with in_org():
        delivery = WebhookDelivery.objects.create(
            organization=org,
            endpoint=endpoint,
            event_id="7f2d3c4b-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
            event_type="customer.created",
            body="{}",
            next_attempt_at=timezone.now() - dt.timedelta(minutes=5),
        )
        claimed = services._claim(delivery.pk, now=timezone.now())  # the worker that dies
        assert claimed is not None
        assert services.webhook_delivery_attempt(org=org, delivery_id=delivery.pk) is None
    assert sweep() == 0 and receiver.received == []
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5), tick=False):
        assert sweep() == 1
    (request,) = receiver.received
    assert request.headers["webhook-id"] == "7f2d3c4b-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    with in_org():
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)


def test_a_delivery_whose_job_was_lost_is_sent_by_the_sweep(org, in_org, receiver, sweep):
    endpoint, _ = make_endpoint(org, receiver.url())
    with in_org():
        WebhookDelivery.objects.create(
            organization=org,
            endpoint=endpoint,
            event_id="0b7c1f9e-2222-4c3d-8e9f-0a1b2c3d4e5f",
            event_type="customer.created",
            body="{}",
            next_attempt_at=timezone.now(),
        )
    assert sweep() == 0  # its own job may still be on its way
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1), tick=False):
        assert sweep() == 1
    assert len(receiver.received) == 1


def test_proxies_from_the_environment_are_not_used(org, in_org, receiver, deliver, monkeypatch):
    proxy = Receiver().start()
    try:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.url("/"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        make_endpoint(org, receiver.url())
        deliver()
    finally:
        proxy.stop()
    assert len(receiver.received) == 1 and proxy.received == []
