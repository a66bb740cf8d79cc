"""The integrations app's models live in one module per integration."""

from frontdesk.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = ["WebhookDelivery", "WebhookEndpoint"]
