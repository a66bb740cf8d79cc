"""Message templates and the organization's messaging settings."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, ValidationFailed
from frontdesk.core.services import model_create, model_update
from frontdesk.messaging.choices import Category, Channel
from frontdesk.messaging.config import DEFAULTS, messaging_settings
from frontdesk.messaging.models import MessageTemplate
from frontdesk.messaging.templating import check_header, compile_template, render_message
from frontdesk.organizations.models import Organization

TEMPLATE_FIELDS = ("name", "channel", "category", "subject", "body", "is_active")


def _clean_template(data: dict[str, Any], *, channel: str) -> dict[str, Any]:
    if channel not in Channel.values:
        raise ValidationFailed({"channel": "One of: email, sms."})
    if "category" in data and data["category"] not in Category.values:
        raise ValidationFailed({"category": "One of: transactional, marketing."})
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise ValidationFailed({"name": "Give the template a name."})
        check_header("name", data["name"])
    if "subject" in data:
        data["subject"] = (data["subject"] or "").strip()
        check_header("subject", data["subject"])
        compile_template("subject", data["subject"])
    if "body" in data:
        if not (data["body"] or "").strip():
            raise ValidationFailed({"body": "A template needs a body."})
        compile_template("body", data["body"])
    return data


def template_create(*, org, actor: Actor, data: dict[str, Any]) -> MessageTemplate:
    data = {k: v for k, v in data.items() if k in TEMPLATE_FIELDS}
    data = _clean_template(data, channel=data.get("channel", ""))
    if data["channel"] == Channel.EMAIL and not data.get("subject"):
        raise ValidationFailed({"subject": "An email template needs a subject."})
    try:
        with transaction.atomic():
            return model_create(model=MessageTemplate, org=org, actor=actor, **data)
    except IntegrityError:
        raise Conflict(f"A template named {data['name']!r} exists already.", field="name")


def template_update(
    *, org, actor: Actor, template: MessageTemplate, data: dict[str, Any]
) -> MessageTemplate:
    data = {k: v for k, v in data.items() if k in TEMPLATE_FIELDS and k != "channel"}
    data = _clean_template(data, channel=template.channel)
    try:
        with transaction.atomic():
            template, _ = model_update(instance=template, org=org, actor=actor, data=data)
    except IntegrityError:
        raise Conflict(f"A template named {data.get('name')!r} exists already.", field="name")
    return template


def template_preview(
    *, org, template: MessageTemplate, customer, variables: dict[str, Any] | None = None
) -> dict[str, str]:
    """What the template would say to ``customer`` (nothing is written)."""
    subject, body = render_message(
        org=org,
        customer=customer,
        subject=template.subject if template.channel == Channel.EMAIL else "",
        body=template.body,
        variables=variables,
    )
    return {"subject": subject, "body": body}


def messaging_settings_update(*, org: Organization, actor: Actor, data: dict[str, Any]) -> dict:
    """Replace the organization's messaging settings (validated by the API schema) and
    audit the change. Returns the settings with defaults filled in."""
    for name in ("email_from_name", "email_from_address", "email_reply_to", "sms_from"):
        check_header(name, data.get(name) or "")
    unknown = set(data) - set(DEFAULTS)
    if unknown:
        raise ValidationFailed({name: "Not a messaging setting." for name in unknown})
    sms_from = data.get("sms_from") or ""
    if sms_from and (
        Organization.objects.filter(settings__messaging__sms_from=sms_from)
        .exclude(pk=org.pk)
        .exists()
    ):
        raise Conflict("Another organization sends from this number.", field="sms_from")
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        settings = {**(org.settings or {}), "messaging": data}
        model_update(instance=org, org=org, actor=actor, data={"settings": settings})
    return messaging_settings(org)
