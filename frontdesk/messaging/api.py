"""``/api/crm`` messages, templates, messaging settings and notifications: thin
endpoints over selectors and services. The origin of a new message is decided here,
from the credential: an assistant token writes ``assistant`` messages, anyone else
``staff`` ones."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router, Status

from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate
from frontdesk.core.errors import NotFound
from frontdesk.core.lookups import get_or_404, get_referenced
from frontdesk.customers.models import Customer
from frontdesk.messaging import permissions as perm
from frontdesk.messaging import selectors, services
from frontdesk.messaging.choices import Origin
from frontdesk.messaging.config import email_transport, messaging_settings, sms_transport
from frontdesk.messaging.models import Message, MessageTemplate
from frontdesk.messaging.schemas import (
    ApproveIn,
    BulkApproveIn,
    BulkApproveOut,
    MessageIn,
    MessageOut,
    MessagePatch,
    MessagingSettingsIn,
    MessagingSettingsOut,
    NotificationOut,
    NotificationPage,
    PreviewIn,
    PreviewOut,
    RejectIn,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
)
from frontdesk.messaging.stream import notification_events

router = Router(tags=["messages"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)


def origin_of(actor) -> str:
    """The one place a request's credential becomes a message origin."""
    return Origin.ASSISTANT if actor.kind == "assistant" else Origin.STAFF


def _membership_id(request: HttpRequest):
    if request.auth.membership_id is None:
        raise NotFound("Notifications belong to staff members.")
    return request.auth.membership_id


# --- messages ------------------------------------------------------------------------------
@router.post("/messages", auth=api_permission(perm.DRAFT), response={201: MessageOut, **WRITE})
def message_create(request: HttpRequest, payload: MessageIn):
    """Write a message to a customer. A staff member holding `messages.send` sends it
    (queued at once); others' messages, and an assistant's, wait for approval unless the
    organization switched on auto-send for that origin. Accepts `Idempotency-Key`."""
    customer = get_referenced(Customer, payload.customer_id, field="customer_id", status=404)
    template = None
    if payload.template_id:
        template = get_referenced(
            MessageTemplate, payload.template_id, field="template_id", status=404
        )
    message = services.message_create(
        org=request.org,
        actor=request.auth,
        origin=origin_of(request.auth),
        customer=customer,
        channel=payload.channel,
        subject=payload.subject,
        body=payload.body,
        template=template,
        variables=payload.variables,
        category=payload.category,
        to=payload.to,
    )
    return Status(201, message)


@router.get("/messages", auth=api_permission(perm.VIEW), response={200: Page[MessageOut], **READ})
def message_list(
    request: HttpRequest,
    params: Query[ListParams],
    status: str | None = None,
    customer_id: UUID | None = None,
    channel: str | None = None,
    origin: str | None = None,
):
    """Messages, newest first; filter by `status`, `customer_id`, `channel`, `origin`."""
    qs = selectors.message_list(
        filters={"status": status, "customer_id": customer_id, "channel": channel, "origin": origin}
    )
    return paginate(qs, params=params, orders=selectors.MESSAGE_ORDERS, default="-created_at")


@router.post(
    "/messages/bulk-approve",
    auth=api_permission(perm.REVIEW),
    response={200: BulkApproveOut, **WRITE},
)
def message_bulk_approve(request: HttpRequest, payload: BulkApproveIn):
    """Approve several waiting messages at once; those that no longer wait, or that your
    role may not approve, are listed under `skipped`. Unknown ids are 404."""
    messages = list(Message.objects.select_related("customer").filter(pk__in=payload.ids))
    found = {m.pk for m in messages}
    missing = [str(pk) for pk in payload.ids if pk not in found]
    if missing:
        raise NotFound(f"No message with id {missing[0]}.", field="ids")
    return services.message_bulk_approve(org=request.org, actor=request.auth, messages=messages)


@router.get(
    "/messages/{message_id}", auth=api_permission(perm.VIEW), response={200: MessageOut, **READ}
)
def message_get(request: HttpRequest, message_id: UUID):
    """One message with its status, blocked or rejected reason and provider id."""
    return selectors.message_get(id=message_id)


@router.patch(
    "/messages/{message_id}", auth=api_permission(perm.DRAFT), response={200: MessageOut, **WRITE}
)
def message_patch(request: HttpRequest, message_id: UUID, payload: MessagePatch):
    """Edit a message while it is a draft or waits for approval (409 after)."""
    message = selectors.message_get(id=message_id)
    return services.message_update(
        org=request.org,
        actor=request.auth,
        message=message,
        **payload.model_dump(exclude_unset=True),
    )


@router.post(
    "/messages/{message_id}/approve",
    auth=api_permission(perm.REVIEW),
    response={200: MessageOut, **WRITE},
)
def message_approve(request: HttpRequest, message_id: UUID, payload: ApproveIn = None):
    """Approve a waiting message, optionally with edits, and queue it for sending.
    Needs `messages.approve` (`messages.approve_campaign` for campaign messages); an
    approved message is handed to the provider at most once. Accepts `Idempotency-Key`."""
    message = selectors.message_get(id=message_id)
    edits = payload.model_dump(exclude_unset=True) if payload else {}
    return services.message_approve(org=request.org, actor=request.auth, message=message, **edits)


@router.post(
    "/messages/{message_id}/reject",
    auth=api_permission(perm.REVIEW),
    response={200: MessageOut, **WRITE},
)
def message_reject(request: HttpRequest, message_id: UUID, payload: RejectIn):
    """Reject a waiting message with a reason; it is never sent."""
    message = selectors.message_get(id=message_id)
    return services.message_reject(
        org=request.org, actor=request.auth, message=message, reason=payload.reason
    )


# --- settings ------------------------------------------------------------------------------
def _settings_out(org) -> dict:
    return {
        **messaging_settings(org),
        "email_transport": email_transport(),
        "sms_transport": sms_transport(),
    }


@router.get(
    "/settings/messaging",
    auth=api_permission(perm.SETTINGS),
    response={200: MessagingSettingsOut, **READ},
)
def messaging_settings_get(request: HttpRequest):
    """Auto-send switches per origin, quiet hours, frequency cap, sender identities, the
    SMS keyword answers, and which transports the deployment uses."""
    return _settings_out(request.org)


@router.put(
    "/settings/messaging",
    auth=api_permission(perm.SETTINGS),
    response={200: MessagingSettingsOut, **WRITE},
)
def messaging_settings_put(request: HttpRequest, payload: MessagingSettingsIn):
    """Replace the messaging settings (omitted fields take their defaults)."""
    services.messaging_settings_update(
        org=request.org, actor=request.auth, data=payload.model_dump(mode="json")
    )
    request.org.refresh_from_db()
    return _settings_out(request.org)


# --- templates -----------------------------------------------------------------------------
@router.get("/templates", auth=api_permission(perm.VIEW), response={200: Page[TemplateOut], **READ})
def template_list(
    request: HttpRequest,
    params: Query[ListParams],
    channel: str | None = None,
    active: bool | None = None,
):
    """Message templates by name; filter by `channel` and `active`."""
    qs = selectors.template_list(channel=channel, active=active)
    return paginate(qs, params=params, orders={"name": "name"}, default="name")


@router.post("/templates", auth=api_permission(perm.SETTINGS), response={201: TemplateOut, **WRITE})
def template_create(request: HttpRequest, payload: TemplateIn):
    """A new template. Subject and body are checked in the sandbox: an unknown or
    forbidden tag (`{% load %}`, `{% include %}`...) is a 422."""
    template = services.template_create(org=request.org, actor=request.auth, data=payload.dict())
    return Status(201, template)


@router.patch(
    "/templates/{template_id}",
    auth=api_permission(perm.SETTINGS),
    response={200: TemplateOut, **WRITE},
)
def template_patch(request: HttpRequest, template_id: UUID, payload: TemplatePatch):
    """Change a template (not its channel); only the fields sent change."""
    template = get_or_404(MessageTemplate, template_id)
    return services.template_update(
        org=request.org,
        actor=request.auth,
        template=template,
        data=payload.model_dump(exclude_unset=True),
    )


@router.post(
    "/templates/{template_id}/preview",
    auth=api_permission(perm.DRAFT),
    response={200: PreviewOut, **WRITE},
)
def template_preview(request: HttpRequest, template_id: UUID, payload: PreviewIn):
    """The template rendered for one customer, with the given variables (nothing is
    written or sent)."""
    template = get_or_404(MessageTemplate, template_id)
    customer = get_referenced(Customer, payload.customer_id, field="customer_id", status=404)
    return services.template_preview(
        org=request.org, template=template, customer=customer, variables=payload.variables
    )


# --- notifications -------------------------------------------------------------------------
@router.get(
    "/notifications",
    auth=api_permission(perm.NOTIFICATIONS),
    response={200: NotificationPage, **READ},
)
def notification_list(request: HttpRequest, params: Query[ListParams], unread: bool | None = None):
    """Your notifications, newest first, with the unread count."""
    membership_id = _membership_id(request)
    qs = selectors.notification_list(membership_id=membership_id, unread=unread)
    page = paginate(qs, params=params, orders={"created_at": "created_at"}, default="-created_at")
    return {**page, "unread": selectors.unread_count(membership_id=membership_id)}


@router.post(
    "/notifications/{notification_id}/read",
    auth=api_permission(perm.NOTIFICATIONS),
    response={200: NotificationOut, **WRITE},
)
def notification_read(request: HttpRequest, notification_id: UUID):
    """Mark one of your notifications read (idempotent)."""
    notification = selectors.notification_get(
        membership_id=_membership_id(request), id=notification_id
    )
    return services.notification_read(notification=notification)


@router.get(
    "/notifications/stream",
    auth=api_permission(perm.NOTIFICATIONS),
    response={200: None, **READ},
    openapi_extra={
        "responses": {
            200: {
                "description": "text/event-stream: `unread` and `notification` events",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def notification_stream(
    request: HttpRequest,
    format: Literal["json", "html"] = "json",
    since: str | None = Query(None, description="ISO time to send notifications from"),
):
    """Server-sent events: `unread` (the count) and `notification` (each new one), as
    JSON or as the bell's HTML fragments (`format=html`). The stream ends after about a
    minute with a `reconnect` event; reconnect (EventSource does) with `Last-Event-ID`,
    or `since`, to miss nothing."""
    events = notification_events(
        org=request.org,
        membership_id=_membership_id(request),
        last_event_id=request.headers.get("Last-Event-ID"),
        since=since,
        fmt=format,
    )
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
