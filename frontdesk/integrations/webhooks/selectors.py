"""Webhook reads (within the active organization's scope)."""

from django.db.models import QuerySet

from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint


def webhook_list(*, archived: bool = False, active: bool | None = None) -> QuerySet:
    qs = WebhookEndpoint.objects.filter(archived_at__isnull=not archived)
    if active is not None:
        qs = qs.filter(active=active)
    return qs


def webhook_delivery_list(*, endpoint: WebhookEndpoint, status: str | None = None) -> QuerySet:
    qs = WebhookDelivery.objects.filter(endpoint=endpoint)
    if status:
        qs = qs.filter(status=status)
    return qs
