"""Webhook records for tests, made through the services."""

from __future__ import annotations

from django.test import override_settings

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.integrations.webhooks.services import webhook_create


def system(org) -> Actor:
    return Actor.system(org_id=org.pk, label="tests")


def make_endpoint(org, url: str, *, events=("*",), active: bool = True, description: str = ""):
    """An endpoint and its secret; private targets allowed (tests point at 127.0.0.1)."""
    with tenant_scope(org), override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True):
        return webhook_create(
            org=org,
            actor=system(org),
            url=url,
            events=list(events),
            description=description,
            active=active,
        )
