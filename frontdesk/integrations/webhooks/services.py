"""Webhook writes: endpoints (create, change, rotate, delete), deliveries (from events, test
pings, replays) and the attempt that sends one — audited, within one organization.

A delivery is attempted by a job (``tasks.webhook_deliver``), never inside a request. The
attempt claims the delivery in a short transaction (so two workers never send it at
once), sends with no transaction open, and records the outcome in another. A failed
attempt is retried on the schedule of :data:`RETRY_DELAYS` (about three days); a worker
that dies mid-send leaves the claim to expire, and the sweep sends again with the same
``webhook-id``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets as random
import uuid
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record, jsonable
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.core.services import model_create, model_update
from frontdesk.events.models import OutboxEvent
from frontdesk.events.registry import memoized
from frontdesk.events.services import event_emit
from frontdesk.integrations.webhooks import events as webhook_events
from frontdesk.integrations.webhooks.choices import FINAL_STATUSES, DeliveryStatus, DeliveryTrigger
from frontdesk.integrations.webhooks.delivery import AttemptResult, webhook_post
from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint
from frontdesk.integrations.webhooks.targets import TargetRefused, url_check
from frontdesk.jobs.services import enqueue_on_commit

# Delay after the 1st, 2nd, ... failed attempt: 11 attempts over about 2 days 23 hours.
RETRY_DELAYS = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
    dt.timedelta(hours=6),
    dt.timedelta(hours=12),
    dt.timedelta(hours=24),
    dt.timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DEFAULT_ROTATION_GRACE = dt.timedelta(hours=24)
MAX_ROTATION_GRACE = dt.timedelta(days=7)
MAX_EVENTS = 100
DELIVER_TASK = "frontdesk.integrations.webhooks.tasks.webhook_deliver"
SYSTEM_LABEL = "webhooks"


def secret_generate() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(random.token_bytes(32)).decode()


def _attempt_lease() -> dt.timedelta:
    """How long a claimed attempt keeps others off: longer than any attempt can take."""
    return dt.timedelta(seconds=2 * settings.WEBHOOKS_TIMEOUT_SECONDS + 60)


# --- validation ------------------------------------------------------------------------------
def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationFailed({"url": "Give the URL that receives the webhooks."})
    try:
        url_check(url, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS)
    except TargetRefused as exc:
        raise ValidationFailed({"url": str(exc)})
    return url


def _clean_events(events: list[str]) -> list[str]:
    if not events:
        raise ValidationFailed({"events": "Choose at least one event type, or * for all."})
    if len(events) > MAX_EVENTS:
        raise ValidationFailed({"events": f"At most {MAX_EVENTS} event types."})
    catalog = set(webhook_events.event_catalog())
    families = {name.split(".", 1)[0] for name in catalog}
    cleaned: list[str] = []
    errors = []
    for i, name in enumerate(events):
        name = str(name).strip()
        known = name == "*" or name in catalog or (name.endswith(".*") and name[:-2] in families)
        if not known:
            errors.append(
                {
                    "field": f"events[{i}]",
                    "message": f"Unknown event type {name[:64]!r}: see "
                    "GET /api/crm/webhooks/event-types (or use * or family.*).",
                }
            )
        elif name not in cleaned:
            cleaned.append(name)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _require_not_archived(endpoint: WebhookEndpoint) -> None:
    if endpoint.archived_at:
        raise InvalidState("This webhook endpoint was deleted; its delivery log is kept.")


# --- endpoints -------------------------------------------------------------------------------
def webhook_create(
    *,
    org,
    actor: Actor,
    url: str,
    events: list[str],
    description: str = "",
    active: bool = True,
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; returns it and its signing secret (shown to the caller once,
    stored encrypted)."""
    url = _clean_url(url)
    events = _clean_events(events)
    secret = secret_generate()
    endpoint = model_create(
        model=WebhookEndpoint,
        org=org,
        actor=actor,
        audit_fields=["url", "description", "events", "active"],
        url=url,
        description=(description or "").strip(),
        events=events,
        active=active,
        disabled_at=None if active else timezone.now(),
        secret=secret,
    )
    return endpoint, secret


def webhook_update(*, org, actor: Actor, endpoint: WebhookEndpoint, data: dict[str, Any]):
    """Change url, description, events or active. Turning an endpoint back on clears its
    failure count; turning it off stops its pending deliveries."""
    _require_not_archived(endpoint)
    data = dict(data)
    if "url" in data:
        data["url"] = _clean_url(data["url"])
    if "events" in data:
        data["events"] = _clean_events(data["events"])
    if "description" in data:
        data["description"] = (data["description"] or "").strip()
    turning_off = data.get("active") is False and endpoint.active
    if data.get("active") is True and not endpoint.active:
        data.update(consecutive_failures=0, disabled_reason="", disabled_at=None)
    elif turning_off:
        data.update(disabled_reason=f"Turned off by {actor.label}.", disabled_at=timezone.now())
    with transaction.atomic():
        endpoint, _ = model_update(instance=endpoint, org=org, actor=actor, data=data)
        if turning_off:
            _stop_pending(endpoint, "The endpoint was turned off.")
    return endpoint


def webhook_archive(*, org, actor: Actor, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Delete an endpoint from use: it stops, its secrets are wiped, pending deliveries
    give up; the endpoint and its delivery log stay readable. Repeating is harmless."""
    if endpoint.archived_at:
        return endpoint
    now = timezone.now()
    with transaction.atomic():
        endpoint, _ = model_update(
            instance=endpoint,
            org=org,
            actor=actor,
            data={
                "active": False,
                "archived_at": now,
                "disabled_at": endpoint.disabled_at or now,
                "disabled_reason": endpoint.disabled_reason or f"Deleted by {actor.label}.",
            },
            action=AuditAction.ARCHIVE,
        )
        # not through model_update: the audit record must never hold a secret
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            secret="", previous_secret="", previous_secret_expires_at=None
        )
        endpoint.secret = endpoint.previous_secret = ""
        endpoint.previous_secret_expires_at = None
        _stop_pending(endpoint, "The endpoint was deleted.")
    return endpoint


def webhook_rotate_secret(
    *,
    org,
    actor: Actor,
    endpoint: WebhookEndpoint,
    grace: dt.timedelta = DEFAULT_ROTATION_GRACE,
) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new secret (returned once). For ``grace`` the old one signs
    too, so receivers can switch without missing a delivery; a second rotation within
    the grace period drops the oldest secret."""
    _require_not_archived(endpoint)
    if not dt.timedelta(0) <= grace <= MAX_ROTATION_GRACE:
        raise ValidationFailed({"grace_hours": "From 0 to 168 hours."})
    new = secret_generate()
    before = endpoint.previous_secret_expires_at
    with transaction.atomic():
        endpoint.previous_secret = endpoint.secret if grace else ""
        endpoint.previous_secret_expires_at = timezone.now() + grace if grace else None
        endpoint.secret = new
        endpoint.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=endpoint,
            changes={"previous_secret_expires_at": (before, endpoint.previous_secret_expires_at)},
            metadata={"secret_rotated": True, "grace_seconds": int(grace.total_seconds())},
        )
    return endpoint, new


def signing_secrets(endpoint: WebhookEndpoint, *, now: dt.datetime) -> list[str]:
    """The secrets that sign a request now: the current one, and the previous one while
    its grace period lasts."""
    result = [endpoint.secret] if endpoint.secret else []
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > now:
        result.append(endpoint.previous_secret)
    return result


def _stop_pending(endpoint: WebhookEndpoint, reason: str) -> int:
    return endpoint.deliveries.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]
    ).update(status=DeliveryStatus.GAVE_UP, next_attempt_at=None, error=reason)


def _disable(*, org, endpoint: WebhookEndpoint, reason: str) -> None:
    """Turn a failing endpoint off, audited, and tell the organization (the
    ``webhook.disabled`` event; staff notifications subscribe to it)."""
    actor = Actor.system(org_id=org.pk, label=SYSTEM_LABEL)
    endpoint.active = False
    endpoint.disabled_reason = reason[:500]
    endpoint.disabled_at = timezone.now()
    endpoint.save(update_fields=["active", "disabled_reason", "disabled_at", "updated_at"])
    audit_record(
        org=org,
        actor=actor,
        action=AuditAction.UPDATE,
        obj=endpoint,
        changes={"active": (True, False), "disabled_reason": ("", endpoint.disabled_reason)},
    )
    _stop_pending(endpoint, "The endpoint was turned off after repeated failures.")
    event_emit(
        org=org,
        type=webhook_events.WEBHOOK_DISABLED,
        actor=actor,
        payload={
            "id": endpoint.pk,
            "url": endpoint.url,
            "reason": endpoint.disabled_reason,
            "consecutive_failures": endpoint.consecutive_failures,
        },
    )


# --- deliveries ------------------------------------------------------------------------------
def _body(*, event_id, type: str, timestamp: dt.datetime, org_id, data: dict) -> str:
    message = {
        "id": str(event_id),
        "type": type,
        "timestamp": timestamp.isoformat(),
        "organization_id": str(org_id),
        "data": jsonable(data),
    }
    return json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)


def _queue(delivery: WebhookDelivery) -> None:
    enqueue_on_commit(DELIVER_TASK, str(delivery.organization_id), str(delivery.pk))


def webhook_deliveries_for_event(*, event: OutboxEvent) -> list[WebhookDelivery]:
    """One delivery per active endpoint subscribed to ``event`` (at most one per endpoint
    and event, however often this runs), each queued for sending."""
    active = memoized(
        ("webhook endpoints", event.organization_id),
        lambda: list(WebhookEndpoint.objects.filter(active=True, archived_at__isnull=True)),
    )  # once per dispatched batch of events
    endpoints = [endpoint for endpoint in active if endpoint.matches(event.type)]
    if not endpoints:
        return []
    body = _body(
        event_id=event.pk,
        type=event.type,
        timestamp=event.created_at,
        org_id=event.organization_id,
        data=event.payload,
    )
    created = []
    for endpoint in endpoints:
        delivery, is_new = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            event_id=event.pk,
            trigger=DeliveryTrigger.EVENT,
            defaults={
                "organization_id": event.organization_id,
                "event_type": event.type,
                "body": body,
                "next_attempt_at": timezone.now(),
            },
        )
        if is_new:
            _queue(delivery)
            created.append(delivery)
    return created


def webhook_test_send(*, org, actor: Actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``webhook.test`` ping to the endpoint (also when it is turned off, to try
    it before turning it on). One attempt, no retries."""
    _require_not_archived(endpoint)
    now = timezone.now()
    event_id = uuid.uuid4()
    body = _body(
        event_id=event_id,
        type=webhook_events.WEBHOOK_TEST,
        timestamp=now,
        org_id=org.pk,
        data={
            "endpoint_id": endpoint.pk,
            "message": "A test from Frontdesk: this endpoint receives webhooks.",
        },
    )
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            organization_id=org.pk,
            endpoint=endpoint,
            event_id=event_id,
            event_type=webhook_events.WEBHOOK_TEST,
            body=body,
            trigger=DeliveryTrigger.TEST,
            next_attempt_at=now,
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=delivery,
            metadata={"endpoint_id": endpoint.pk, "trigger": DeliveryTrigger.TEST},
        )
        _queue(delivery)
    return delivery


def webhook_delivery_replay(*, org, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a settled delivery again, as a new delivery with the same body and
    ``webhook-id`` (receivers that already processed it can tell)."""
    if delivery.status not in FINAL_STATUSES:
        raise InvalidState(
            "This delivery is still being attempted; replay it once it succeeded or gave up."
        )
    endpoint = delivery.endpoint
    _require_not_archived(endpoint)
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            organization_id=org.pk,
            endpoint=endpoint,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            body=delivery.body,
            trigger=DeliveryTrigger.REPLAY,
            replay_of=delivery,
            next_attempt_at=timezone.now(),
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=replay,
            metadata={"endpoint_id": endpoint.pk, "replay_of": delivery.pk},
        )
        _queue(replay)
    return replay


# --- the attempt -----------------------------------------------------------------------------
def _claim(delivery_id, *, now: dt.datetime) -> tuple[WebhookDelivery, list[str]] | None:
    """Take the delivery for one attempt, or None if it is settled, not due, or taken."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in FINAL_STATUSES:
            return None
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return None
        endpoint = delivery.endpoint
        stop = ""
        if endpoint.archived_at:
            stop = "The endpoint was deleted."
        elif not endpoint.active and delivery.trigger == DeliveryTrigger.EVENT:
            stop = "The endpoint is turned off."
        if stop:
            delivery.status = DeliveryStatus.GAVE_UP
            delivery.next_attempt_at = None
            delivery.error = stop
            delivery.save(update_fields=["status", "next_attempt_at", "error", "updated_at"])
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + _attempt_lease()
        delivery.save(
            update_fields=["attempts", "last_attempt_at", "next_attempt_at", "updated_at"]
        )
        return delivery, signing_secrets(endpoint, now=now)


def _record(*, org, delivery: WebhookDelivery, result: AttemptResult) -> WebhookDelivery:
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        delivery.response_status = result.status_code
        delivery.response_body = result.body
        delivery.duration_ms = result.duration_ms
        delivery.error = result.error
        gave_up = False
        if result.ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.succeeded_at = now
            delivery.next_attempt_at = None
        elif delivery.trigger != DeliveryTrigger.TEST and delivery.attempts < MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
        else:
            delivery.status = DeliveryStatus.GAVE_UP
            delivery.next_attempt_at = None
            gave_up = delivery.trigger != DeliveryTrigger.TEST
        delivery.save(
            update_fields=[
                "status",
                "next_attempt_at",
                "succeeded_at",
                "response_status",
                "response_body",
                "duration_ms",
                "error",
                "updated_at",
            ]
        )
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        if result.ok and endpoint.consecutive_failures:
            endpoint.consecutive_failures = 0
            endpoint.save(update_fields=["consecutive_failures", "updated_at"])
        elif gave_up:
            endpoint.consecutive_failures += 1
            endpoint.save(update_fields=["consecutive_failures", "updated_at"])
            limit = settings.WEBHOOKS_DISABLE_AFTER
            if (
                endpoint.active
                and not endpoint.archived_at
                and endpoint.consecutive_failures >= limit
            ):
                _disable(
                    org=org,
                    endpoint=endpoint,
                    reason=(
                        f"Turned off automatically: {endpoint.consecutive_failures} deliveries "
                        f"in a row failed every attempt. Last error: {result.error}"
                    ),
                )
    return delivery


def webhook_delivery_attempt(*, org, delivery_id) -> WebhookDelivery | None:
    """Make one attempt at a delivery if it is due (the job's work). Returns the delivery
    as recorded, or None when there was nothing to do."""
    claimed = _claim(delivery_id, now=timezone.now())
    if claimed is None:
        return None
    delivery, secrets = claimed
    result = webhook_post(
        url=delivery.endpoint.url,
        body=delivery.body,
        msg_id=str(delivery.event_id),
        secrets=secrets,
    )
    return _record(org=org, delivery=delivery, result=result)
