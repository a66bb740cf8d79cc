"""No webhook reaches loopback, private, link-local, metadata, multicast or reserved
addresses, however the address is written: refused when the endpoint is saved (422 on
``url``) and again when a delivery is attempted, where the address actually connected to
is checked after DNS. Only WEBHOOKS_ALLOW_PRIVATE_TARGETS lets loopback and private
networks through (the tests' receiver lives on 127.0.0.1)."""

import ipaddress

import httpx
import pytest
from django.db import transaction
from django.test import override_settings

from frontdesk.core.errors import ValidationFailed
from frontdesk.events.services import event_emit
from frontdesk.integrations.tests.factories import make_endpoint, system
from frontdesk.integrations.tests.receiver import Answer
from frontdesk.integrations.webhooks import services
from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint
from frontdesk.integrations.webhooks.targets import (
    TargetRefused,
    address_refusal,
    guarded_client,
    url_check,
)

pytestmark = pytest.mark.django_db

# every spelling of a forbidden place the issue names, and more; {port} is the receiver's
REFUSED = {
    "loopback": "http://127.0.0.1:{port}/hooks",
    "loopback, other": "http://127.8.9.10:{port}/hooks",
    "loopback, decimal": "http://2130706433:{port}/hooks",
    "loopback, octal": "http://0177.0.0.1:{port}/hooks",
    "loopback, octal whole": "http://017700000001:{port}/hooks",
    "loopback, hex": "http://0x7f.0.0.1:{port}/hooks",
    "loopback, hex whole": "http://0x7f000001:{port}/hooks",
    "loopback, short": "http://127.1:{port}/hooks",
    "loopback, trailing dot": "http://127.0.0.1.:{port}/hooks",
    "loopback, IPv6": "http://[::1]:{port}/hooks",
    "loopback, IPv4-mapped IPv6": "http://[::ffff:127.0.0.1]:{port}/hooks",
    "loopback, NAT64": "http://[64:ff9b::7f00:1]:{port}/hooks",
    "loopback, 6to4": "http://[2002:7f00:1::]:{port}/hooks",
    "localhost by DNS": "http://localhost:{port}/hooks",
    "localhost by DNS, upper case, dot": "http://LOCALHOST.:{port}/hooks",
    "a .localhost name": "http://hooks.localhost:{port}/hooks",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "metadata, IPv4-mapped hex": "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "metadata, decimal": "http://2852039166/latest/meta-data/",
    "metadata, GCP name": "http://metadata.google.internal/computeMetadata/v1/",
    "metadata, AWS IPv6": "http://[fd00:ec2::254]/latest/meta-data/",
    "metadata, Alibaba": "http://100.100.100.200/latest/meta-data/",
    "link-local": "http://169.254.1.1/",
    "link-local IPv6": "http://[fe80::1]/",
    "private 10/8": "http://10.0.0.5/hooks",
    "private 172.16/12": "http://172.16.0.1/hooks",
    "private 192.168/16": "http://192.168.1.10/hooks",
    "carrier-grade NAT": "http://100.64.0.1/hooks",
    "unique local IPv6": "http://[fd12:3456::1]/hooks",
    "unspecified": "http://0.0.0.0:{port}/hooks",
    "unspecified, short": "http://0:{port}/hooks",
    "multicast": "http://224.0.0.1/hooks",
    "reserved": "http://240.0.0.1/hooks",
    "broadcast": "http://255.255.255.255/hooks",
    "documentation range": "http://192.0.2.10/hooks",
}
# refused even with WEBHOOKS_ALLOW_PRIVATE_TARGETS on
ALWAYS_REFUSED = {
    name
    for name in REFUSED
    if name.startswith(("metadata", "link-local", "unspecified", "multicast", "reserved"))
    or name in ("broadcast", "documentation range", "loopback, NAT64")
}
NOT_URLS = {
    "ftp": "ftp://hooks.example.com/",
    "no scheme": "hooks.example.com/frontdesk",
    "javascript": "javascript:alert(1)",
    "credentials": "https://user:secret@hooks.example.com/",
    "credentials hiding the host": "http://hooks.example.com@127.0.0.1/",
    "backslash": "http://hooks.example.com\\@127.0.0.1/",
    "percent-encoded host": "http://%31%32%37.0.0.1/",
    "space": "http://hooks.example.com/a b",
    "no host": "http:///hooks",
    "bad port": "http://hooks.example.com:99999/",
}


def url_of(template: str, port: int = 9) -> str:
    return template.format(port=port)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_forbidden_address_is_refused_at_save(name, org, in_org):
    with in_org(), pytest.raises(ValidationFailed) as refused:
        services.webhook_create(org=org, actor=system(org), url=url_of(REFUSED[name]), events=["*"])
    assert [e["field"] for e in refused.value.errors] == ["url"]
    assert "webhooks are not sent there" in refused.value.errors[0]["message"]
    with in_org():
        assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("name", sorted(NOT_URLS))
def test_what_is_not_an_http_url_is_refused_at_save(name, org, in_org):
    with in_org(), pytest.raises(ValidationFailed) as refused:
        services.webhook_create(org=org, actor=system(org), url=NOT_URLS[name], events=["*"])
    assert [e["field"] for e in refused.value.errors] == ["url"]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_operator_setting_lets_only_loopback_and_private_networks_through(name):
    url = url_of(REFUSED[name])
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True):
        if name in ALWAYS_REFUSED:
            with pytest.raises(TargetRefused):
                url_check(url, allow_private=True)
        elif name != "loopback, octal":  # httpx cannot send to that spelling at all
            assert url_check(url, allow_private=True)


def test_the_api_answers_422_naming_url_and_keeps_nothing(api, in_org):
    for url in ("http://127.0.0.1/", "http://[::ffff:a9fe:a9fe]/", "http://0177.0.0.1/"):
        response = api.post("/webhooks", {"url": url, "events": ["*"]})
        assert response.status_code == 422, response.content
        assert [e["field"] for e in response.json()["errors"]] == ["url"]
    with in_org():
        assert not WebhookEndpoint.objects.exists()


def test_a_changed_url_is_checked_too(api, org, in_org):
    endpoint, _ = make_endpoint(org, "https://hooks.alpha.example/frontdesk")
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=False):
        response = api.patch(f"/webhooks/{endpoint.pk}", {"url": "http://169.254.169.254/"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"
    with in_org():
        endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.alpha.example/frontdesk"


public_examples = ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:0808:0808::1"]


@pytest.mark.parametrize("address", public_examples)
def test_public_addresses_are_allowed(address):
    assert address_refusal(ipaddress.ip_address(address), allow_private=False) is None


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_forbidden_address_is_refused_at_delivery(
    name, org, in_org, receiver, django_capture_on_commit_callbacks
):
    """The endpoint was saved while the setting allowed it (or before the rules): the
    attempt refuses before any connection, and the receiver hears nothing."""
    url = url_of(REFUSED[name], receiver.port)
    with in_org():
        endpoint = WebhookEndpoint.objects.create(
            organization=org, url=url, events=["*"], secret=services.secret_generate()
        )
        with django_capture_on_commit_callbacks(execute=True):
            delivery = services.webhook_test_send(org=org, actor=system(org), endpoint=endpoint)
        delivery.refresh_from_db()
    assert delivery.status == "gave_up" and delivery.attempts == 1
    assert delivery.response_status is None
    assert delivery.error.startswith("Refused:") or "Not a valid URL" in delivery.error
    assert receiver.received == []


def test_a_name_that_resolves_to_loopback_is_refused_when_connecting(receiver):
    """The check of the address connected to: nothing before it looked at the name."""
    with guarded_client(timeout=2, allow_private=False) as client:
        with pytest.raises(TargetRefused, match="localhost resolves to"):
            client.post(receiver.url(host="localhost"), content=b"{}")
        with pytest.raises(TargetRefused, match="is a loopback address"):
            client.post(receiver.url(), content=b"{}")
    assert receiver.received == []
    with guarded_client(timeout=2, allow_private=True) as client:
        assert client.post(receiver.url(host="localhost"), content=b"{}").status_code == 200
    assert [r.headers["host"] for r in receiver.received] == [f"localhost:{receiver.port}"]


def test_the_guarded_client_never_follows_a_redirect_to_a_private_address(receiver):
    receiver.answer(Answer(307, headers={"Location": "http://169.254.169.254/latest/"}))
    with guarded_client(timeout=2, allow_private=True) as client:
        response = client.post(receiver.url(), content=b"{}")
    assert response.status_code == 307 and len(receiver.received) == 1


def test_a_redirect_to_a_private_address_is_recorded_not_followed(
    org, in_org, receiver, django_capture_on_commit_callbacks
):
    endpoint, _ = make_endpoint(org, receiver.url())
    receiver.answer(Answer(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True), in_org():
        with django_capture_on_commit_callbacks(execute=True):
            delivery = services.webhook_test_send(org=org, actor=system(org), endpoint=endpoint)
        delivery.refresh_from_db()
    assert len(receiver.received) == 1
    assert delivery.status == "gave_up" and delivery.response_status == 302
    assert "169.254.169.254" in delivery.error and "not followed" in delivery.error


def test_the_client_does_not_speak_to_unix_sockets():
    with guarded_client(timeout=2, allow_private=True) as client:
        with pytest.raises((TargetRefused, httpx.HTTPError)):
            client.post("http+unix://%2Fvar%2Frun%2Fdocker.sock/info", content=b"{}")


def test_deliveries_are_never_made_to_a_refused_endpoint_by_the_event_path(
    org, in_org, receiver, django_capture_on_commit_callbacks
):
    with in_org():
        WebhookEndpoint.objects.create(
            organization=org,
            url=receiver.url(host="localhost"),
            events=["*"],
            secret=services.secret_generate(),
        )
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            event_emit(org=org, type="customer.created", payload={})
        (delivery,) = WebhookDelivery.objects.all()
    assert delivery.status == "failed" and "localhost resolves to 127.0.0.1" in delivery.error
    assert receiver.received == []
