"""Platform tables: reference-number sequences and idempotency records."""

from django.db import models

from frontdesk.core.tenancy import TenantModel


class Sequence(TenantModel):
    """The last reference number handed out for one kind (``C``, ``L``, ``INV-2026``)
    in one organization. Incremented inside the creating transaction: gap-free."""

    kind = models.CharField(max_length=32)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="sequence_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.last_value}"


class IdempotencyRecord(TenantModel):
    """The stored first response to a write carrying an ``Idempotency-Key``."""

    principal = models.CharField(max_length=80, help_text="token or membership that sent it")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "principal", "key"], name="idempotency_unique_key"
            )
        ]
        # the hourly prune (core.tasks.idempotency_records_prune) finds old records by it
        indexes = [models.Index(fields=["organization", "created_at"], name="idempotency_age_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
