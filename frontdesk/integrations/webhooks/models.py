"""Webhook endpoints and their deliveries."""

from django.db import models
from django.db.models import Q

from frontdesk.core.crypto import EncryptedTextField
from frontdesk.core.tenancy import TenantModel
from frontdesk.integrations.webhooks.choices import DeliveryStatus, DeliveryTrigger


class WebhookEndpoint(TenantModel):
    """A URL that receives the organization's events, signed with its secret.

    Deleting an endpoint archives it (``archived_at``): it stops, its secrets are wiped,
    and its delivery log stays readable."""

    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text='event types, "family.*" or "*"')
    secret = EncryptedTextField(blank=True, help_text="whsec_…, encrypted at rest")
    previous_secret = EncryptedTextField(blank=True, help_text="still signs during rotation")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="deliveries in a row that used up every attempt"
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "active"], name="webhookendpoint_active_idx")
        ]

    def __str__(self) -> str:
        return self.url

    def matches(self, event_type: str) -> bool:
        family = event_type.split(".", 1)[0]
        return bool({"*", event_type, f"{family}.*"} & set(self.events))


class WebhookDelivery(TenantModel):
    """One event (or test ping, or replay) for one endpoint, and how sending it went.

    ``body`` is fixed when the delivery is made, so every attempt sends the same bytes
    with the same ``webhook-id`` (the event id). The response fields describe the latest
    attempt."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    event_id = models.UUIDField(help_text="the webhook-id header; the same on every attempt")
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    trigger = models.CharField(
        max_length=8, choices=DeliveryTrigger.choices, default=DeliveryTrigger.EVENT
    )
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="the first 64 KB")
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=Q(trigger="event"),
                name="webhookdelivery_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhookdelivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id}: {self.status}"
