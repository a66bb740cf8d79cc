"""The append-only audit trail (SPEC rule 9)."""

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from frontdesk.core.tenancy import TenantModel, unindexed_created_at, unindexed_organization


class AuditAction(models.TextChoices):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    RESTORE = "restore"
    DELETE = "delete"
    MERGE = "merge"
    ERASE = "erase"
    EXPORT = "export"
    READ = "read"
    LOGIN = "login"
    REVOKE = "revoke"
    CONFIRM = "confirm"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit entries are append-only")

    def delete(self):
        raise TypeError("audit entries are append-only")


class AuditEntry(TenantModel):
    """Who did what to which record, when, from where, with the fields before and after.

    Every write of the system adds a row here, so the table has only the two indexes its
    reads use (a record's trail, the organization's newest first); both lead with
    ``organization``, which serves the tenant filter too."""

    organization = unindexed_organization()
    created_at = unindexed_created_at()
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")
    metadata = models.JSONField(default=dict, blank=True)
    actor_kind = models.CharField(max_length=16)
    actor_label = models.CharField(max_length=300, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_token_id = models.UUIDField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(
        organization="organization", _manager_class=models.Manager.from_queryset(AppendOnlyQuerySet)
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "object_type", "object_id", "created_at"],
                name="audit_object_idx",
            ),
            # the trail's default page (newest first within one organization)
            models.Index(
                fields=["organization", "-created_at", "-id"], name="audit_org_recent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit entries are append-only")
