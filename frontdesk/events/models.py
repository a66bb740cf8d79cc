"""The transactional event outbox (SPEC section 5)."""

from django.db import models

from frontdesk.core.tenancy import TenantModel, unindexed_created_at


class OutboxEvent(TenantModel):
    """A domain change others may care about, written in the transaction of the change."""

    type = models.CharField(max_length=64)  # nothing looks events up by type
    payload = models.JSONField(default=dict)
    actor_label = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # outbox_pending_idx

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["dispatched_at", "next_attempt_at"], name="outbox_pending_idx")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.pk}"

    def as_message(self) -> dict:
        return {
            "id": str(self.pk),
            "type": self.type,
            "organization_id": str(self.organization_id),
            "occurred_at": self.created_at.isoformat(),
            "data": self.payload,
        }


class HandlerRun(TenantModel):
    """One handler's processing of one event. ``done`` rows make handlers idempotent:
    a redelivered event skips the handlers that already ran."""

    class Status(models.TextChoices):
        DONE = "done"
        FAILED = "failed"

    created_at = unindexed_created_at()
    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="runs", db_index=False
    )  # handlerrun_unique leads with it
    handler = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="handlerrun_unique")
        ]

    def __str__(self) -> str:
        return f"{self.handler} on {self.event_id}: {self.status}"
