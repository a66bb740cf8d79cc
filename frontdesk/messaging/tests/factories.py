"""Messages, templates, suppressions and notifications for tests, made through the
services (so audit and events are what production would write)."""

from __future__ import annotations

import itertools
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.messaging import services
from frontdesk.messaging.models import Message, MessageTemplate, Notification
from frontdesk.organizations.roles import permissions_for

_serial = itertools.count(1)


def system(org) -> Actor:
    return Actor.system(org_id=org.pk, label="tests")


def staff_actor(membership) -> Actor:
    return Actor(
        kind="staff",
        org_id=membership.organization_id,
        user_id=membership.user_id,
        membership_id=membership.pk,
        role=membership.role,
        label=f"{membership.role}@tests",
        permissions=permissions_for(membership.role),
        via="session",
    )


def make_contact(org, **data: Any):
    """A customer reachable on both channels and opted in to both."""
    n = next(_serial)
    data.setdefault("first_name", "Dana")
    data.setdefault("last_name", f"Contact{n}")
    data.setdefault("phones", [{"number": f"+1512555{n % 10000:04d}", "kind": "mobile"}])
    data.setdefault("emails", [{"address": f"dana{n}@{org.slug}.example"}])
    communication = {"opt_in_email": True, "opt_in_sms": True}
    communication.update(data.pop("communication", {}))
    data["communication"] = communication
    return make_customer(org, allow_duplicate=True, **data)


def make_message(
    org,
    *,
    customer=None,
    channel: str = "sms",
    origin: str = "automation",
    actor: Actor | None = None,
    **fields: Any,
) -> Message:
    """A message through ``message_create``: automation origin waits for approval."""
    customer = customer or make_contact(org)
    fields.setdefault("body", "Hi {{ first_name }}, your car is ready.")
    if channel == "email":
        fields.setdefault("subject", "Your car is ready")
    with tenant_scope(org):
        return services.message_create(
            org=org,
            actor=actor or system(org),
            origin=origin,
            customer=customer,
            channel=channel,
            **fields,
        )


def make_template(org, **data: Any) -> MessageTemplate:
    data.setdefault("name", f"Template {next(_serial)}")
    data.setdefault("channel", "sms")
    data.setdefault("body", "Hi {{ first_name }}, see you at {{ organization_name }}.")
    if data["channel"] == "email":
        data.setdefault("subject", "Hello {{ first_name }}")
    with tenant_scope(org):
        return services.template_create(org=org, actor=system(org), data=data)


def make_notification(org, membership, **fields: Any) -> Notification:
    fields.setdefault("kind", "other")
    fields.setdefault("title", f"Something happened {next(_serial)}")
    with tenant_scope(org):
        (notification,) = services.notification_create(org=org, recipients=[membership], **fields)
    return notification


def set_messaging(org, **settings: Any) -> None:
    """Merge ``settings`` into the organization's messaging settings."""
    with tenant_scope(org):
        current = dict((org.settings or {}).get("messaging") or {})
        current.update(settings)
        org.settings = {**(org.settings or {}), "messaging": current}
        org.save(update_fields=["settings", "updated_at"])
