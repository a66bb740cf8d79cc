"""Every /api/crm/webhooks route: 401 anonymous, 404 for another organization's ids, 403
without ``webhooks.manage`` (nothing written), the allowed path, 422 with nothing
written, 409 for deleted endpoints and unsettled replays, secrets shown once, and
idempotent repeats."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import ValidationFailed
from frontdesk.core.tenancy import tenant_scope
from frontdesk.integrations.tests.factories import make_endpoint, system
from frontdesk.integrations.tests.world import webhooks_world
from frontdesk.integrations.webhooks import services
from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint
from frontdesk.organizations.roles import permissions_for

pytestmark = pytest.mark.django_db

URL = "https://hooks.alpha.example/frontdesk"
NEW = {"url": URL, "events": ["customer.created"], "description": "Booking system"}

# (method, path, body); {endpoint} and {delivery} are ids of the world
ROUTES = [
    ("get", "/webhooks", None),
    ("post", "/webhooks", NEW),
    ("get", "/webhooks/event-types", None),
    ("get", "/webhooks/{endpoint}", None),
    ("patch", "/webhooks/{endpoint}", {"description": "Renamed"}),
    ("delete", "/webhooks/{endpoint}", None),
    ("post", "/webhooks/{endpoint}/rotate-secret?grace_hours=1", None),
    ("post", "/webhooks/{endpoint}/test", None),
    ("get", "/webhooks/{endpoint}/deliveries", None),
    ("get", "/webhooks/{endpoint}/deliveries/{delivery}", None),
    ("post", "/webhooks/{endpoint}/deliveries/{delivery}/replay", None),
]
IDS = [f"{m.upper()} {p}" for m, p, _ in ROUTES]
ALLOWED = {200, 201, 202}


@pytest.fixture
def world(org, members):
    with tenant_scope(org):
        endpoint, delivery, _ = webhooks_world(org, members)
    return {"endpoint": endpoint, "delivery": delivery}


@pytest.fixture
def other_world(other_org, other_owner):
    with tenant_scope(other_org):
        endpoint, delivery, _ = webhooks_world(other_org, {"owner": other_owner})
    return {"endpoint": endpoint, "delivery": delivery}


def fill(path, world):
    for name, obj in world.items():
        path = path.replace("{" + name + "}", str(obj.pk))
    return path


def call(client, method, path, body, world):
    if method == "get":
        return client.get(fill(path, world))
    return getattr(client, method)(fill(path, world), body)


def snapshot(org):
    with tenant_scope(org):
        return (
            list(WebhookEndpoint.objects.values().order_by("pk")),
            list(WebhookDelivery.objects.values().order_by("pk")),
            AuditEntry.objects.count(),
        )


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=IDS)
def test_anonymous_callers_get_401(method, path, body, anon_api, world):
    response = call(anon_api, method, path, body, world)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=IDS)
def test_another_organizations_ids_are_not_found_and_untouched(
    method, path, body, api, world, other_world, other_org
):
    if "{" not in path:
        pytest.skip("no ids")
    before = snapshot(other_org)
    response = call(api, method, path, body, other_world)
    assert response.status_code == 404, response.content
    assert snapshot(other_org) == before
    # an own endpoint with the other organization's delivery id: 404 too
    if "{delivery}" in path:
        mixed = {"endpoint": world["endpoint"], "delivery": other_world["delivery"]}
        assert call(api, method, path, body, mixed).status_code == 404


@pytest.mark.parametrize("role", ["advisor", "cashier", "marketing", "sales"])
@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=IDS)
def test_roles_without_the_permission_get_403_and_change_nothing(
    role, method, path, body, api_as, world, org
):
    assert "webhooks.manage" not in permissions_for(role)
    client = api_as(role)
    before = snapshot(org)
    response = call(client, method, path, body, world)
    assert response.status_code == 403
    assert response.json()["permission"] == "webhooks.manage"
    assert snapshot(org) == before


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=IDS)
def test_an_assistant_token_gets_403(method, path, body, api_as, world):
    response = call(api_as("owner", assistant=True), method, path, body, world)
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["owner", "manager"])
@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=IDS)
def test_owners_and_managers_may(
    role, method, path, body, api_as, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # no real sending here
        response = call(api_as(role), method, path, body, world)
    assert response.status_code in ALLOWED, response.content


def test_create_shows_the_secret_once_and_never_again(api, org, in_org):
    response = api.post("/webhooks", NEW)
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["customer.created"] and created["active"] is True
    assert created["url"] == URL and created["description"] == "Booking system"
    with in_org():
        endpoint = WebhookEndpoint.objects.get(pk=created["id"])
        audit = AuditEntry.objects.get(object_id=str(endpoint.pk), action="create")
    assert endpoint.secret == created["secret"]  # decrypted on read
    for text in (
        api.get(f"/webhooks/{endpoint.pk}").content,
        api.get("/webhooks").content,
        json.dumps(audit.changes).encode(),
    ):
        assert created["secret"].encode() not in text
        assert created["secret"][6:].encode() not in text
    assert set(audit.changes) == {"url", "description", "events", "active"}


def test_the_secret_is_encrypted_at_rest(org, in_org):
    endpoint, secret = make_endpoint(org, URL)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM integrations_webhookendpoint WHERE id = %s",
            [endpoint.pk.hex if connection.vendor == "sqlite" else endpoint.pk],
        )
        (stored,) = cursor.fetchone()
    assert stored and secret not in stored and secret[6:] not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_a_repeated_create_with_an_idempotency_key_does_not_make_a_second_endpoint(api, in_org):
    headers = {"Idempotency-Key": "create-hook-1"}
    first = api.post("/webhooks", NEW, headers=headers)
    again = api.post("/webhooks", NEW, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 409 and again["Idempotency-Replayed"] == "true"
    assert "whsec_" not in again.content.decode()
    with in_org():
        assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["*"]}, "url"),
        ({"url": URL}, "events"),
        ({"url": URL, "events": []}, "events"),
        ({"url": URL, "events": ["customer.creatd"]}, "events[0]"),
        ({"url": URL, "events": ["*", "nonsense.*"]}, "events[1]"),
        ({"url": "not a url", "events": ["*"]}, "url"),
        ({"url": URL, "events": ["*"], "secret": "whsec_mine"}, "secret"),
        ({"url": URL, "events": ["*"], "description": "x" * 201}, "description"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_keeps_nothing(api, org, body, field):
    before = snapshot(org)
    response = api.post("/webhooks", body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert snapshot(org) == before


def test_event_types_list_the_spec_and_the_apps_events(api):
    types = api.get("/webhooks/event-types").json()
    assert {"customer.created", "appointment.booked", "webhook.disabled"} <= set(types)
    assert types == sorted(types)


def test_patch_changes_events_and_turns_an_endpoint_off_and_on(api, org, in_org):
    endpoint, _ = make_endpoint(org, URL, events=["*"])
    with in_org():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=3)
    response = api.patch(
        f"/webhooks/{endpoint.pk}", {"events": ["customer.*", "lead.created"], "active": False}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["events"] == ["customer.*", "lead.created"] and body["active"] is False
    assert body["disabled_reason"].startswith("Turned off by owner@alpha.example")
    on = api.patch(f"/webhooks/{endpoint.pk}", {"active": True}).json()
    assert on["active"] is True and on["disabled_reason"] == "" and on["consecutive_failures"] == 0


def test_delete_archives_keeps_the_log_and_refuses_further_changes(api, org, in_org, world):
    endpoint = world["endpoint"]
    response = api.delete(f"/webhooks/{endpoint.pk}")
    assert response.status_code == 200 and response.json()["archived_at"]
    assert response.json()["active"] is False
    assert api.delete(f"/webhooks/{endpoint.pk}").status_code == 200  # harmless again
    with in_org():
        endpoint.refresh_from_db()
    assert endpoint.secret == "" and endpoint.previous_secret == ""
    assert api.get("/webhooks").json()["items"] == []
    assert [e["id"] for e in api.get("/webhooks?archived=true").json()["items"]] == [
        str(endpoint.pk)
    ]
    assert len(api.get(f"/webhooks/{endpoint.pk}/deliveries").json()["items"]) == 2
    for method, path, body in [
        ("patch", "", {"description": "x"}),
        ("post", "/rotate-secret", {}),
        ("post", "/test", None),
        ("post", f"/deliveries/{world['delivery'].pk}/replay", None),
    ]:
        response = getattr(api, method)(f"/webhooks/{endpoint.pk}{path}", body)
        assert response.status_code == 409, (path, response.content)


def test_rotate_secret_shows_the_new_secret_once_with_the_grace_period(api, org, in_org):
    endpoint, old = make_endpoint(org, URL)
    response = api.post(f"/webhooks/{endpoint.pk}/rotate-secret?grace_hours=2")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    new = response.json()["secret"]
    assert new.startswith("whsec_") and new != old
    with in_org():
        endpoint.refresh_from_db()
        audit = AuditEntry.objects.filter(object_id=str(endpoint.pk)).first()
    assert (endpoint.secret, endpoint.previous_secret) == (new, old)
    expires = dt.datetime.fromisoformat(response.json()["previous_secret_expires_at"])
    assert abs(expires - endpoint.previous_secret_expires_at) < dt.timedelta(milliseconds=1)
    assert dt.timedelta(hours=1, minutes=59) < expires - timezone.now() <= dt.timedelta(hours=2)
    assert audit.metadata == {"secret_rotated": True, "grace_seconds": 7200}
    assert old not in json.dumps(audit.changes) and new not in json.dumps(audit.changes)
    default = api.post(f"/webhooks/{endpoint.pk}/rotate-secret").json()
    assert default["previous_secret_expires_at"]
    assert api.post(f"/webhooks/{endpoint.pk}/rotate-secret?grace_hours=999").status_code == 422


def test_the_delivery_log_is_newest_first_filtered_and_detailed(api, org, in_org, world):
    endpoint, delivery = world["endpoint"], world["delivery"]
    log = api.get(f"/webhooks/{endpoint.pk}/deliveries").json()["items"]
    assert [d["trigger"] for d in log] == ["replay", "event"]
    assert "body" not in log[0] and "response_body" not in log[0]
    assert api.get(f"/webhooks/{endpoint.pk}/deliveries?status=gave_up").json()["items"] == []
    assert api.get(f"/webhooks/{endpoint.pk}/deliveries?status=nope").status_code == 422
    detail = api.get(f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}").json()
    assert detail["body"] == delivery.body
    assert detail["response_body"] == "received by alpha world"


def test_replay_and_test_queue_a_delivery_and_a_repeat_with_the_key_queues_none(
    api, org, in_org, world, django_capture_on_commit_callbacks
):
    endpoint, delivery = world["endpoint"], world["delivery"]
    headers = {"Idempotency-Key": "replay-1"}
    with django_capture_on_commit_callbacks(execute=False):
        first = api.post(
            f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/replay", headers=headers
        )
        again = api.post(
            f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/replay", headers=headers
        )
        ping = api.post(f"/webhooks/{endpoint.pk}/test")
    assert first.status_code == 202 and again.status_code == 202
    assert again["Idempotency-Replayed"] == "true" and again.json() == first.json()
    assert first.json()["replay_of_id"] == str(delivery.pk)
    assert first.json()["event_id"] == str(delivery.event_id)
    assert ping.status_code == 202 and ping.json()["event_type"] == "webhook.test"
    with in_org():
        assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 4


def test_a_pending_delivery_is_not_replayed(api, org, in_org, world):
    endpoint = world["endpoint"]
    with in_org():
        pending = WebhookDelivery.objects.create(
            organization=org,
            endpoint=endpoint,
            event_id="1c7d2c3b-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
            event_type="customer.updated",
            body="{}",
        )
    response = api.post(f"/webhooks/{endpoint.pk}/deliveries/{pending.pk}/replay")
    assert response.status_code == 409
    assert "still being attempted" in response.json()["detail"]


def test_changes_are_audited_with_who_did_them(api, org, in_org):
    created = api.post("/webhooks", NEW).json()
    api.patch(f"/webhooks/{created['id']}", {"description": "New name"})
    api.delete(f"/webhooks/{created['id']}")
    with in_org():
        actions = list(
            AuditEntry.objects.filter(object_id=created["id"])
            .order_by("created_at")
            .values_list("action", "actor_label")
        )
    assert [a for a, _ in actions] == ["create", "update", "archive"]
    assert all(label.startswith("owner@alpha.example") for _, label in actions)


def test_a_service_caller_gets_the_same_rules(org, in_org):
    with in_org(), pytest.raises(ValidationFailed):
        services.webhook_create(org=org, actor=system(org), url=URL, events=["bogus.event"])


def test_the_lists_take_the_same_queries_however_long_they_are(
    api, org, in_org, world, django_assert_max_num_queries
):
    endpoint = world["endpoint"]
    api.get("/webhooks")  # warm up the token's last-used stamp and the rate limiter
    with django_assert_max_num_queries(20) as few:
        api.get("/webhooks")
        api.get(f"/webhooks/{endpoint.pk}/deliveries")
    for i in range(10):
        make_endpoint(org, f"https://hooks.alpha.example/{i}")
    with in_org():
        for i in range(20):
            WebhookDelivery.objects.create(
                organization=org,
                endpoint=endpoint,
                event_id=f"00000000-0000-4000-8000-{i:012d}",
                event_type="customer.updated",
                body="{}",
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/webhooks").json()["items"]) == 11
        assert len(api.get(f"/webhooks/{endpoint.pk}/deliveries").json()["items"]) == 22
