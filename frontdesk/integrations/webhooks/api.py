"""``/api/crm/webhooks``: endpoints, their delivery log, replay, secret rotation and test
pings. Thin: each handler looks the path ids up in the caller's organization (404
otherwise) and calls one selector or service."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate
from frontdesk.core.lookups import get_or_404
from frontdesk.integrations.webhooks import selectors, services
from frontdesk.integrations.webhooks.events import event_catalog
from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint
from frontdesk.integrations.webhooks.permissions import MANAGE
from frontdesk.integrations.webhooks.schemas import (
    DeliveryDetailOut,
    DeliveryFilter,
    DeliveryOut,
    SecretOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)

router = Router(tags=["webhooks"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)
AUTH = api_permission(MANAGE)


def _endpoint(webhook_id: UUID) -> WebhookEndpoint:
    return get_or_404(WebhookEndpoint, webhook_id)


def _delivery(webhook_id: UUID, delivery_id: UUID) -> WebhookDelivery:
    endpoint = _endpoint(webhook_id)
    return get_or_404(WebhookDelivery.objects.filter(endpoint=endpoint), delivery_id)


@router.get("/webhooks", auth=AUTH, response={200: Page[WebhookOut], **READ})
def webhook_list(
    request: HttpRequest,
    params: Query[ListParams],
    active: bool | None = None,
    archived: bool = False,
):
    """Webhook endpoints, oldest first; `archived=true` lists deleted ones (whose
    delivery logs are kept)."""
    qs = selectors.webhook_list(archived=archived, active=active)
    return paginate(qs, params=params, orders={"created_at": "created_at"}, default="created_at")


@router.post("/webhooks", auth=AUTH, response={201: WebhookCreatedOut, **WRITE})
def webhook_create(request: HttpRequest, payload: WebhookIn, response: HttpResponse):
    """Create an endpoint. The answer holds its signing secret (`whsec_…`), shown this
    once (with an Idempotency-Key, a repeat answers 409 rather than show it again). A URL
    on a loopback, private, link-local or metadata address is a 422 on `url`."""
    response["Cache-Control"] = "no-store"
    endpoint, secret = services.webhook_create(
        org=request.org, actor=request.auth, **payload.model_dump()
    )
    endpoint.secret = secret
    return Status(201, endpoint)


@router.get("/webhooks/event-types", auth=AUTH, response={200: list[str], **READ})
def webhook_event_types(request: HttpRequest):
    """The event types an endpoint can subscribe to (besides `*` and `family.*`)."""
    return event_catalog()


@router.get("/webhooks/{webhook_id}", auth=AUTH, response={200: WebhookOut, **READ})
def webhook_get(request: HttpRequest, webhook_id: UUID):
    """One endpoint (never its secret)."""
    return _endpoint(webhook_id)


@router.patch("/webhooks/{webhook_id}", auth=AUTH, response={200: WebhookOut, **WRITE})
def webhook_patch(request: HttpRequest, webhook_id: UUID, payload: WebhookPatch):
    """Change the URL, events, description or `active`. `active: true` turns an endpoint
    that was turned off (by a person or after repeated failures) back on; `false` turns it
    off and stops its pending deliveries. 409 for a deleted endpoint."""
    return services.webhook_update(
        org=request.org,
        actor=request.auth,
        endpoint=_endpoint(webhook_id),
        data=payload.model_dump(exclude_unset=True, exclude_none=True),
    )


@router.delete("/webhooks/{webhook_id}", auth=AUTH, response={200: WebhookOut, **WRITE})
def webhook_delete(request: HttpRequest, webhook_id: UUID):
    """Delete an endpoint: it stops receiving, its secrets are wiped and its pending
    deliveries give up. It is archived rather than erased, so its delivery log stays
    readable (`GET /webhooks/{id}/deliveries`). Deleting again changes nothing."""
    return services.webhook_archive(
        org=request.org, actor=request.auth, endpoint=_endpoint(webhook_id)
    )


@router.post("/webhooks/{webhook_id}/rotate-secret", auth=AUTH, response={200: SecretOut, **WRITE})
def webhook_rotate_secret(
    request: HttpRequest,
    webhook_id: UUID,
    response: HttpResponse,
    grace_hours: int = Query(24, ge=0, le=168, description="how long the old secret still signs"),
):
    """Give the endpoint a new secret, shown in this answer only. For `grace_hours`
    (default 24) requests carry a signature with the old secret too, so the receiver can
    switch without missing one."""
    response["Cache-Control"] = "no-store"
    grace = dt.timedelta(hours=grace_hours)
    endpoint, secret = services.webhook_rotate_secret(
        org=request.org, actor=request.auth, endpoint=_endpoint(webhook_id), grace=grace
    )
    return {
        "id": endpoint.pk,
        "secret": secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
    }


@router.post("/webhooks/{webhook_id}/test", auth=AUTH, response={202: DeliveryOut, **WRITE})
def webhook_test(request: HttpRequest, webhook_id: UUID):
    """Send a `webhook.test` ping now (one attempt, also to an endpoint that is turned
    off). The answer is the queued delivery; its outcome shows in the delivery log."""
    delivery = services.webhook_test_send(
        org=request.org, actor=request.auth, endpoint=_endpoint(webhook_id)
    )
    return Status(202, delivery)


@router.get(
    "/webhooks/{webhook_id}/deliveries", auth=AUTH, response={200: Page[DeliveryOut], **READ}
)
def webhook_delivery_list(
    request: HttpRequest,
    webhook_id: UUID,
    params: Query[ListParams],
    filters: Query[DeliveryFilter],
):
    """The endpoint's delivery log, newest first, optionally by `status`."""
    qs = selectors.webhook_delivery_list(endpoint=_endpoint(webhook_id), status=filters.status)
    return paginate(qs, params=params, orders={"created_at": "created_at"}, default="-created_at")


@router.get(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}",
    auth=AUTH,
    response={200: DeliveryDetailOut, **READ},
)
def webhook_delivery_get(request: HttpRequest, webhook_id: UUID, delivery_id: UUID):
    """One delivery with the JSON sent and the start of the latest answer."""
    return _delivery(webhook_id, delivery_id)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
    auth=AUTH,
    response={202: DeliveryOut, **WRITE},
)
def webhook_delivery_replay(request: HttpRequest, webhook_id: UUID, delivery_id: UUID):
    """Send a delivery that succeeded or gave up again, as a new delivery with the same
    body and `webhook-id`. 409 while the delivery is still being attempted."""
    replay = services.webhook_delivery_replay(
        org=request.org, actor=request.auth, delivery=_delivery(webhook_id, delivery_id)
    )
    return Status(202, replay)
