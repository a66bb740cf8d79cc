"""The demo business gets one example webhook, turned off (nothing listens there)."""

import pytest

from frontdesk.core.demo import demo_create
from frontdesk.core.tenancy import tenant_scope
from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint
from frontdesk.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_example_webhook_that_is_off(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    demo_create(slug="demo-webhooks")
    org = Organization.objects.get(slug="demo-webhooks")
    with tenant_scope(org):
        (endpoint,) = WebhookEndpoint.objects.all()
        assert not endpoint.active and endpoint.url == "https://hooks.example.com/frontdesk"
        assert endpoint.secret.startswith("whsec_")
        assert not WebhookDelivery.objects.exists()  # nothing is sent to it
