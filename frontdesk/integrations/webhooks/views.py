"""Webhook settings pages: the endpoint list (create, secret shown once), one endpoint
(edit, rotate, test, delete, delivery log with replay) and one delivery. Forms validate,
services write; the delivery log refreshes itself through htmx while deliveries are in
flight."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from frontdesk.core.errors import DomainError
from frontdesk.core.lookups import get_or_404
from frontdesk.core.pages import page_permission
from frontdesk.integrations.webhooks import selectors, services
from frontdesk.integrations.webhooks.choices import DeliveryStatus
from frontdesk.integrations.webhooks.forms import RotateForm, WebhookForm
from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint
from frontdesk.integrations.webhooks.permissions import MANAGE

LOG_SIZE = 50


def _form_error(form, exc: DomainError) -> None:
    errors = getattr(exc, "errors", None) or [{"field": None, "message": exc.detail}]
    for error in errors:
        name = (error["field"] or "").split("[", 1)[0]
        form.add_error(name if name in form.fields else None, error["message"])


def _no_store(response: HttpResponse) -> HttpResponse:
    # a secret is in this page only: never keep it in a cache or the history
    response["Cache-Control"] = "no-store"
    return response


@page_permission(MANAGE)
def webhook_list_page(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None, initial={"active": True})
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.webhook_create(
                org=request.org, actor=request.actor, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            created = {"endpoint": endpoint, "secret": secret}
            form = WebhookForm(initial={"active": True})
    context = {
        "form": form,
        "created": created,
        "endpoints": selectors.webhook_list(),
        "archived": selectors.webhook_list(archived=True).order_by("-archived_at")[:20],
    }
    return _no_store(render(request, "integrations/webhook_list.html", context))


def _initial(endpoint: WebhookEndpoint) -> dict:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "active": endpoint.active,
    }


def _detail_context(request: HttpRequest, endpoint: WebhookEndpoint, **extra) -> dict:
    status = request.GET.get("status") or None
    if status not in DeliveryStatus.values:
        status = None
    deliveries = list(selectors.webhook_delivery_list(endpoint=endpoint, status=status)[:LOG_SIZE])
    return {
        "endpoint": endpoint,
        "deliveries": deliveries,
        "status": status,
        "statuses": DeliveryStatus.choices,
        "in_flight": any(
            d.status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED) for d in deliveries
        ),
        "rotate_form": RotateForm(),
        **extra,
    }


@page_permission(MANAGE)
def webhook_detail_page(request: HttpRequest, webhook_id) -> HttpResponse:
    endpoint = get_or_404(WebhookEndpoint, webhook_id)
    if request.htmx and request.method == "GET":
        context = _detail_context(request, endpoint)
        return render(request, "integrations/webhook_detail.html#deliveries", context)
    form = WebhookForm(request.POST or None, initial=_initial(endpoint))
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_update(
                org=request.org, actor=request.actor, endpoint=endpoint, data=form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("integrations:webhook", webhook_id=endpoint.pk)
    return render(
        request, "integrations/webhook_detail.html", _detail_context(request, endpoint, form=form)
    )


@require_POST
@page_permission(MANAGE)
def webhook_rotate(request: HttpRequest, webhook_id) -> HttpResponse:
    endpoint = get_or_404(WebhookEndpoint, webhook_id)
    rotate_form = RotateForm(request.POST)
    if not rotate_form.is_valid():
        messages.error(request, "Give the grace period in hours, from 0 to 168.")
        return redirect("integrations:webhook", webhook_id=endpoint.pk)
    endpoint, secret = services.webhook_rotate_secret(
        org=request.org,
        actor=request.actor,
        endpoint=endpoint,
        grace=dt.timedelta(hours=rotate_form.cleaned_data["grace_hours"]),
    )
    context = _detail_context(request, endpoint, form=WebhookForm(initial=_initial(endpoint)))
    context["new_secret"] = secret
    return _no_store(render(request, "integrations/webhook_detail.html", context))


@require_POST
@page_permission(MANAGE)
def webhook_test(request: HttpRequest, webhook_id) -> HttpResponse:
    endpoint = get_or_404(WebhookEndpoint, webhook_id)
    services.webhook_test_send(org=request.org, actor=request.actor, endpoint=endpoint)
    messages.success(request, "Test ping sent: see the delivery log.")
    return redirect("integrations:webhook", webhook_id=endpoint.pk)


@require_POST
@page_permission(MANAGE)
def webhook_delete(request: HttpRequest, webhook_id) -> HttpResponse:
    endpoint = get_or_404(WebhookEndpoint, webhook_id)
    services.webhook_archive(org=request.org, actor=request.actor, endpoint=endpoint)
    messages.success(request, f"Webhook to {endpoint.url} deleted; its delivery log is kept.")
    return redirect("integrations:webhooks")


def _delivery(webhook_id, delivery_id) -> WebhookDelivery:
    endpoint = get_or_404(WebhookEndpoint, webhook_id)
    return get_or_404(
        WebhookDelivery.objects.filter(endpoint=endpoint).select_related("endpoint"), delivery_id
    )


@page_permission(MANAGE)
def webhook_delivery_page(request: HttpRequest, webhook_id, delivery_id) -> HttpResponse:
    delivery = _delivery(webhook_id, delivery_id)
    return render(request, "integrations/webhook_delivery.html", {"delivery": delivery})


@require_POST
@page_permission(MANAGE)
def webhook_delivery_replay(request: HttpRequest, webhook_id, delivery_id) -> HttpResponse:
    delivery = _delivery(webhook_id, delivery_id)
    try:
        services.webhook_delivery_replay(org=request.org, actor=request.actor, delivery=delivery)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{delivery.event_type} sent again: see the delivery log.")
    return redirect("integrations:webhook", webhook_id=delivery.endpoint_id)
