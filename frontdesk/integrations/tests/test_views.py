"""The webhook settings pages: who may open them, creating with the secret shown once,
editing, rotating, testing, deleting, the delivery log (and its htmx refresh), replay."""

import pytest
from django.test import Client
from django.urls import reverse

from frontdesk.core.navigation import navigation_for
from frontdesk.integrations.tests.factories import make_endpoint
from frontdesk.integrations.tests.world import webhooks_world
from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY, actor_for_membership

pytestmark = pytest.mark.django_db


def logged_in(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = str(membership.pk)
    session.save()
    return client


@pytest.fixture
def owner(members):
    return logged_in(members["owner"])


@pytest.fixture
def world(org, members, in_org):
    with in_org():
        endpoint, delivery, replay = webhooks_world(org, members)
    return {"endpoint": endpoint, "delivery": delivery, "replay": replay}


def url(name, *args):
    return reverse(f"integrations:{name}", args=args)


def test_the_settings_navigation_shows_webhooks_to_owners_and_managers_only(members):
    for role, expected in [("owner", True), ("manager", True), ("advisor", False)]:
        actor = actor_for_membership(members[role])
        labels = [
            item["label"]
            for group in navigation_for(actor, "/")
            if group["label"] == "Settings"
            for item in group["items"]
        ]
        assert ("Webhooks" in labels) == expected, role


def test_anonymous_visitors_are_sent_to_log_in(world):
    response = Client().get(url("webhooks"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ["advisor", "cashier", "marketing", "sales"])
def test_roles_without_the_permission_get_403(role, members, world):
    client = logged_in(members[role])
    endpoint, delivery = world["endpoint"], world["delivery"]
    assert client.get(url("webhooks")).status_code == 403
    assert client.get(url("webhook", endpoint.pk)).status_code == 403
    assert client.post(url("webhook_test", endpoint.pk)).status_code == 403
    assert client.post(url("webhook_delivery_replay", endpoint.pk, delivery.pk)).status_code == 403


def test_another_organizations_endpoint_is_not_found(owner, other_org, other_owner, in_org):
    with in_org(other_org):
        endpoint, delivery, _ = webhooks_world(other_org, {"owner": other_owner})
    assert owner.get(url("webhook", endpoint.pk)).status_code == 404
    assert owner.get(url("webhook_delivery", endpoint.pk, delivery.pk)).status_code == 404
    assert owner.post(url("webhook_delete", endpoint.pk)).status_code == 404
    assert owner.post(url("webhook_rotate", endpoint.pk), {"grace_hours": 1}).status_code == 404
    with in_org(other_org):
        endpoint.refresh_from_db()
    assert endpoint.archived_at is None


def test_the_owner_creates_a_webhook_and_sees_its_secret_once(owner, org, in_org):
    response = owner.post(
        url("webhooks"),
        {
            "url": "https://hooks.alpha.example/in",
            "description": "Booking system",
            "events": ["customer.created", "appointment.*"],
            "active": "on",
        },
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    with in_org():
        endpoint = WebhookEndpoint.objects.get()
    assert set(endpoint.events) == {"customer.created", "appointment.*"}
    page = response.content.decode()
    assert endpoint.secret in page and "shown only once" in page
    assert endpoint.secret not in owner.get(url("webhooks")).content.decode()
    assert endpoint.secret not in owner.get(url("webhook", endpoint.pk)).content.decode()


def test_a_private_url_is_refused_next_to_the_field(owner, org, in_org):
    response = owner.post(
        url("webhooks"), {"url": "http://169.254.169.254/latest/", "events": ["*"]}
    )
    assert response.status_code == 200
    assert "a cloud metadata address" in response.content.decode()
    with in_org():
        assert not WebhookEndpoint.objects.exists()


def test_the_owner_edits_events_and_turns_the_webhook_off(owner, org, in_org, world):
    endpoint = world["endpoint"]
    response = owner.post(
        url("webhook", endpoint.pk),
        {"url": endpoint.url, "description": "Renamed", "events": ["lead.created"]},
    )
    assert response.status_code == 302
    with in_org():
        endpoint.refresh_from_db()
    assert endpoint.events == ["lead.created"] and endpoint.description == "Renamed"
    assert not endpoint.active and endpoint.disabled_reason.startswith("Turned off by")


def test_the_detail_page_shows_the_delivery_log_with_replay(owner, world):
    endpoint = world["endpoint"]
    page = owner.get(url("webhook", endpoint.pk)).content.decode()
    assert "customer.created" in page and "Replay" in page
    assert 'hx-trigger="every 3s"' not in page  # nothing in flight
    assert url("webhook_delivery_replay", endpoint.pk, world["delivery"].pk) in page
    failed = owner.get(url("webhook", endpoint.pk) + "?status=gave_up").content.decode()
    assert "No deliveries with this status yet." in failed


def test_the_log_refreshes_itself_while_deliveries_are_in_flight(owner, org, in_org, world):
    endpoint = world["endpoint"]
    with in_org():
        WebhookDelivery.objects.filter(pk=world["delivery"].pk).update(status="failed")
    page = owner.get(url("webhook", endpoint.pk)).content.decode()
    assert 'hx-trigger="every 3s"' in page
    partial = owner.get(url("webhook", endpoint.pk), headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert text.lstrip().startswith('<div id="deliveries"') and "<html" not in text


def test_the_delivery_page_shows_what_was_sent_and_answered(owner, world):
    endpoint, delivery = world["endpoint"], world["delivery"]
    page = owner.get(url("webhook_delivery", endpoint.pk, delivery.pk)).content.decode()
    assert "received by alpha world" in page and str(delivery.event_id) in page


def test_replay_rotate_test_and_delete_from_the_page(
    owner, org, in_org, world, django_capture_on_commit_callbacks
):
    endpoint, delivery = world["endpoint"], world["delivery"]
    with django_capture_on_commit_callbacks(execute=False):
        replay = owner.post(url("webhook_delivery_replay", endpoint.pk, delivery.pk))
        ping = owner.post(url("webhook_test", endpoint.pk))
    assert replay.status_code == 302 and ping.status_code == 302
    with in_org():
        assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 4
    old = endpoint.secret
    rotated = owner.post(url("webhook_rotate", endpoint.pk), {"grace_hours": "2"})
    assert rotated.status_code == 200 and rotated["Cache-Control"] == "no-store"
    with in_org():
        endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret in rotated.content.decode()
    deleted = owner.post(url("webhook_delete", endpoint.pk))
    assert deleted.status_code == 302
    with in_org():
        endpoint.refresh_from_db()
    assert endpoint.archived_at is not None
    page = owner.get(url("webhook", endpoint.pk)).content.decode()
    assert "deleted" in page and "Rotate secret" not in page and "Replay" not in page


def test_a_replay_of_an_unsettled_delivery_says_why_not(owner, org, in_org, world):
    endpoint = world["endpoint"]
    with in_org():
        WebhookDelivery.objects.filter(pk=world["delivery"].pk).update(status="pending")
    response = owner.post(
        url("webhook_delivery_replay", endpoint.pk, world["delivery"].pk), follow=True
    )
    assert "still being attempted" in response.content.decode()


def test_the_list_shows_endpoints_and_why_one_is_off(owner, org):
    make_endpoint(org, "https://hooks.alpha.example/on")
    make_endpoint(org, "https://hooks.alpha.example/off", active=False)
    page = owner.get(url("webhooks")).content.decode()
    assert "https://hooks.alpha.example/on" in page and "https://hooks.alpha.example/off" in page
