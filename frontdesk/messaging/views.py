"""The messaging pages: outbox, approval queue, a message, the composer, SMS replies,
templates, settings and notifications. Forms validate; services write."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from pydantic import ValidationError as SchemaError

from frontdesk.audit.selectors import audit_list
from frontdesk.core.api import ListParams, paginate
from frontdesk.core.errors import DomainError, ValidationFailed
from frontdesk.core.lookups import get_or_404
from frontdesk.core.pages import page_permission
from frontdesk.customers.models import Customer
from frontdesk.customers.selectors import customer_get, customer_list, customer_page
from frontdesk.messaging import permissions as perm
from frontdesk.messaging import selectors, services
from frontdesk.messaging.api import origin_of
from frontdesk.messaging.choices import EDITABLE_STATUSES, Channel, Origin, Status
from frontdesk.messaging.config import email_transport, messaging_settings, sms_transport
from frontdesk.messaging.forms import (
    ComposeForm,
    EditForm,
    RejectForm,
    SettingsForm,
    TemplateForm,
)
from frontdesk.messaging.models import Message, MessageTemplate
from frontdesk.messaging.schemas import MessagingSettingsIn
from frontdesk.messaging.templating import render_message
from frontdesk.organizations.models import Membership

PAGE_SIZE = 50


def _form_error(form, exc: DomainError) -> None:
    errors = getattr(exc, "errors", None) or [
        {"field": exc.extra.get("field"), "message": exc.detail}
    ]
    for error in errors:
        field = error["field"] if error["field"] in form.fields else None
        form.add_error(field, error["message"])


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _page(qs, request: HttpRequest, orders: dict[str, str], default: str) -> dict:
    params = ListParams(limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None)
    return paginate(qs, params=params, orders=orders, default=default)


# --- outbox and one message ------------------------------------------------------------------
@page_permission(perm.VIEW)
def outbox(request: HttpRequest) -> HttpResponse:
    """Every message with its status and blocked reason ("what would have been sent")."""
    filters = {k: request.GET.get(k) or None for k in ("status", "channel", "origin")}
    filters["customer_id"] = request.GET.get("customer") or None
    try:
        page = _page(
            selectors.message_list(filters=filters),
            request,
            selectors.MESSAGE_ORDERS,
            "-created_at",
        )
    except ValidationFailed as exc:
        flash.error(request, exc.detail)
        return redirect("messaging:outbox")
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v and k != "customer_id")
    context = {
        "page": page,
        "filters": filters,
        "query": query,
        "statuses": Status.choices,
        "channels": Channel.choices,
        "origins": Origin.choices,
        "transports": {"email": email_transport(), "sms": sms_transport()},
    }
    template = "messaging/partials/_outbox_rows.html" if request.htmx else "messaging/outbox.html"
    return render(request, template, context)


@page_permission(perm.VIEW)
def detail(request: HttpRequest, message_id) -> HttpResponse:
    message = selectors.message_get(id=message_id)
    editable = message.status in EDITABLE_STATUSES
    can_edit = editable and request.actor.has(perm.DRAFT)
    can_review = editable and request.actor.has(perm.REVIEW)
    form = EditForm(
        request.POST or None, initial={"subject": message.subject, "body": message.body}
    )
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if not (can_review if action == "approve" else can_edit):
            raise PermissionDenied("You may not change this message.")
        if form.is_valid():
            data = {"subject": form.cleaned_data["subject"], "body": form.cleaned_data["body"]}
            try:
                if action == "approve":
                    services.message_approve(
                        org=request.org, actor=request.actor, message=message, **data
                    )
                    flash.success(request, "Approved: the message is on its way.")
                else:
                    services.message_update(
                        org=request.org, actor=request.actor, message=message, **data
                    )
                    flash.success(request, "Saved.")
            except DomainError as exc:
                _form_error(form, exc)
            else:
                return redirect("messaging:detail", message.pk)
    return render(
        request,
        "messaging/detail.html",
        {
            "message": message,
            "form": form,
            "reject_form": RejectForm(),
            "can_edit": can_edit,
            "can_review": can_review,
            "trail": audit_list(object_type="messaging.message", object_id=str(message.pk))[:50],
        },
    )


# --- approval queue ----------------------------------------------------------------------------
@page_permission(perm.REVIEW)
def approvals(request: HttpRequest) -> HttpResponse:
    """Messages waiting for the reviewer: approve, edit, reject; or approve the ticked ones."""
    if request.method == "POST":
        ids = request.POST.getlist("ids")
        chosen = (
            list(
                Message.objects.select_related("customer").filter(
                    pk__in=[i for i in ids if i][:500]
                )
            )
            if ids
            else []
        )
        if not chosen:
            flash.error(request, "Tick the messages to approve.")
            return redirect("messaging:approvals")
        result = services.message_bulk_approve(
            org=request.org, actor=request.actor, messages=chosen
        )
        flash.success(request, f"Approved {len(result['approved'])} message(s).")
        for skipped in result["skipped"]:
            flash.warning(request, f"Not approved: {skipped['reason']}")
        return redirect("messaging:approvals")
    queue = selectors.approval_queue(actor=request.actor)
    return render(
        request,
        "messaging/approvals.html",
        {"queue": list(queue[:200]), "total": queue.count(), "reject_form": RejectForm()},
    )


@require_POST
@page_permission(perm.REVIEW)
def approve(request: HttpRequest, message_id) -> HttpResponse:
    message = selectors.message_get(id=message_id)
    try:
        services.message_approve(org=request.org, actor=request.actor, message=message)
    except DomainError as exc:
        flash.error(request, exc.detail)
    else:
        flash.success(request, f"Approved the message to {message.customer.display_name}.")
    return _back(request, reverse("messaging:approvals"))


@require_POST
@page_permission(perm.REVIEW)
def reject(request: HttpRequest, message_id) -> HttpResponse:
    message = selectors.message_get(id=message_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Say why the message is rejected.")
        return _back(request, reverse("messaging:approvals"))
    try:
        services.message_reject(
            org=request.org,
            actor=request.actor,
            message=message,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        flash.error(request, exc.detail)
    else:
        flash.success(request, f"Rejected the message to {message.customer.display_name}.")
    return _back(request, reverse("messaging:approvals"))


# --- composer --------------------------------------------------------------------------------
def _compose_customer(request: HttpRequest) -> Customer | None:
    raw = request.GET.get("customer") or request.POST.get("customer")
    return customer_get(org=request.org, id=raw) if raw else None


@page_permission(perm.DRAFT)
def compose(request: HttpRequest) -> HttpResponse:
    """Write to one customer (``?customer=<id>``; otherwise find them first)."""
    customer = _compose_customer(request)
    if customer is None:
        q = request.GET.get("q", "").strip()
        found = []
        if q:
            found = customer_page(customer_list(org=request.org), params=ListParams(limit=10), q=q)[
                "items"
            ]
        return render(request, "messaging/compose_find.html", {"q": q, "found": found})
    templates = selectors.template_list(active=True)
    channel = request.GET.get("channel") or (
        Channel.SMS if customer.preferred_channel == "sms" else Channel.EMAIL
    )
    form = ComposeForm(request.POST or None, templates=templates, initial={"channel": channel})
    preview = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        template = get_or_404(MessageTemplate, d["template"]) if d["template"] else None
        try:
            if request.POST.get("action") == "preview":
                preview = _preview(request, customer, d, template)
            else:
                message = services.message_create(
                    org=request.org,
                    actor=request.actor,
                    origin=origin_of(request.actor),
                    customer=customer,
                    channel=d["channel"],
                    subject=d["subject"],
                    body=d["body"],
                    template=template,
                    category=d["category"],
                )
                if message.status == Status.PENDING_APPROVAL:
                    flash.success(request, "Written: it waits for approval.")
                else:
                    flash.success(request, "Sent to the outbox.")
                return redirect("messaging:detail", message.pk)
        except DomainError as exc:
            _form_error(form, exc)
    context = {
        "customer": customer,
        "form": form,
        "preview": preview,
        "recent": selectors.message_list(filters={"customer_id": customer.pk})[:10],
        "sends_at_once": request.actor.has(perm.SEND),
    }
    if request.htmx and preview is not None:
        return render(request, "messaging/partials/_preview.html", context)
    return render(request, "messaging/compose.html", context)


def _preview(request, customer, d, template) -> dict:
    subject = d["subject"] or (template.subject if template else "")
    body = d["body"] or (template.body if template else "")
    if d["channel"] == Channel.SMS:
        subject = ""
    subject, body = render_message(org=request.org, customer=customer, subject=subject, body=body)
    return {"subject": subject, "body": body}


# --- SMS replies, templates, settings ---------------------------------------------------------
@page_permission(perm.VIEW)
def inbound(request: HttpRequest) -> HttpResponse:
    return render(request, "messaging/inbound.html", {"rows": selectors.inbound_list()[:200]})


@page_permission(perm.VIEW)
def templates(request: HttpRequest) -> HttpResponse:
    can_manage = request.actor.has(perm.SETTINGS)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied("Your role may not change templates.")
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_create(
                org=request.org, actor=request.actor, data=dict(form.cleaned_data)
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            flash.success(request, f"Template “{form.cleaned_data['name']}” saved.")
            return redirect("messaging:templates")
    return render(
        request,
        "messaging/templates.html",
        {"templates": selectors.template_list(), "form": form, "can_manage": can_manage},
    )


@page_permission(perm.SETTINGS)
def template_edit(request: HttpRequest, template_id) -> HttpResponse:
    template = get_or_404(MessageTemplate, template_id)
    initial = {f: getattr(template, f) for f in TemplateForm.base_fields}
    form = TemplateForm(request.POST or None, initial=initial)
    form.fields["channel"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "channel"}
        try:
            services.template_update(
                org=request.org, actor=request.actor, template=template, data=data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            flash.success(request, "Template saved.")
            return redirect("messaging:templates")
    return render(request, "messaging/template_edit.html", {"template": template, "form": form})


@page_permission(perm.SETTINGS)
def settings_page(request: HttpRequest) -> HttpResponse:
    config = messaging_settings(request.org)
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_from(config))
    if request.method == "POST" and form.is_valid():
        try:
            data = MessagingSettingsIn(**form.settings_data()).model_dump(mode="json")
            services.messaging_settings_update(org=request.org, actor=request.actor, data=data)
        except SchemaError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                form.add_error(None, f"{where}: {error['msg']}")
        except DomainError as exc:
            _form_error(form, exc)
        else:
            flash.success(request, "Messaging settings saved.")
            return redirect("messaging:settings")
    return render(
        request,
        "messaging/settings.html",
        {"form": form, "transports": {"email": email_transport(), "sms": sms_transport()}},
    )


# --- notifications -------------------------------------------------------------------------------
@page_permission(perm.NOTIFICATIONS)
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notification_read_all(
            recipient=Membership.objects.get(pk=request.actor.membership_id)
        )
        return redirect("messaging:notifications")
    rows = selectors.notification_list(membership_id=request.actor.membership_id)[:100]
    return render(request, "messaging/notifications.html", {"rows": rows})


@page_permission(perm.NOTIFICATIONS)
def notification_open(request: HttpRequest, notification_id) -> HttpResponse:
    """Mark the notification read (idempotent) and go where it points."""
    notification = selectors.notification_get(
        membership_id=request.actor.membership_id, id=notification_id
    )
    services.notification_read(notification=notification)
    return redirect(notification.link or reverse("messaging:notifications"))
