"""The tenant (an organization: one brand), staff memberships and API tokens."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from frontdesk.core.tenancy import TenantModel
from frontdesk.organizations.choices import Role


def default_business_hours() -> dict:
    weekday = [["08:00", "18:00"]]
    return {
        "mon": weekday,
        "tue": weekday,
        "wed": weekday,
        "thu": weekday,
        "fri": weekday,
        "sat": [],
        "sun": [],
    }


class Organization(models.Model):
    """The tenant. Every tenant record points here; nothing crosses organizations."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="America/New_York")
    currency = models.CharField(max_length=3, default="USD")
    locale = models.CharField(max_length=16, default="en-US")
    country = models.CharField(max_length=2, default="US", help_text="default region for phones")
    business_hours = models.JSONField(default=default_business_hours)
    uses_vehicles = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TenantModel):
    """A user's staff role in one organization. Deactivating it locks them out at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    is_advisor = models.BooleanField(default=False, help_text="can be booked on appointments")
    title = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_valid_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class ApiToken(TenantModel):
    """A bearer token of one membership. Only its SHA-256 is stored; shown once."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="first characters, to recognise it")
    token_hash = models.CharField(max_length=64, unique=True)
    is_assistant = models.BooleanField(default=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
