"""Calls reported by the telephony provider (SPEC 4.3 "Calls and missed-call recovery")
and each organization's telephony settings (the webhook signing secret, encrypted)."""

from django.db import models
from django.db.models import Q

from frontdesk.core.crypto import EncryptedTextField
from frontdesk.core.tenancy import TenantModel
from frontdesk.telephony.choices import CallDirection, CallStatus, HandledHow

DEFAULT_SMS = (
    "Hi {{ first_name }}, sorry we missed your call to {{ organization_name }}. "
    "How can we help? Reply here or call us back."
)


class TelephonySettings(TenantModel):
    """One row per organization. The signing secret is encrypted at rest (core.crypto):
    the provider signs each request with it, so it must be readable, not only hashed."""

    signing_secret = EncryptedTextField(blank=True)
    secret_hint = models.CharField(max_length=8, blank=True, help_text="last characters")
    missed_call_target_minutes = models.PositiveIntegerField(default=15)
    sms_text = models.TextField(default=DEFAULT_SMS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="telephony_settings_one_per_org"),
            models.CheckConstraint(
                condition=Q(missed_call_target_minutes__gte=1),
                name="telephony_target_at_least_a_minute",
            ),
        ]

    def __str__(self) -> str:
        return f"telephony settings of {self.organization_id}"


class Call(TenantModel):
    """One call, stored once per provider ``call_id``; logged as an interaction."""

    call_id = models.CharField(max_length=100)
    from_number = models.CharField(max_length=40)
    to_number = models.CharField(max_length=40)
    direction = models.CharField(max_length=8, choices=CallDirection.choices)
    status = models.CharField(max_length=10, choices=CallStatus.choices)
    started_at = models.DateTimeField()
    duration_s = models.PositiveIntegerField(default=0)
    recording_url = models.URLField(max_length=1000, blank=True)
    transcript = models.TextField(blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="calls"
    )
    created_customer = models.BooleanField(default=False)
    interaction = models.ForeignKey(
        "pipeline.Interaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    missed = models.BooleanField(default=False, help_text="in the recovery queue")
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_calls",
    )
    handled_how = models.CharField(max_length=8, choices=HandledHow.choices, blank=True)
    handled_note = models.TextField(blank=True)
    sms_message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "id"]
        indexes = [
            models.Index(fields=["organization", "started_at", "id"], name="call_org_started_idx"),
            models.Index(
                fields=["organization", "started_at", "id"],
                condition=Q(missed=True, handled_at__isnull=True),
                name="call_org_open_missed_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "call_id"], name="call_unique_call_id"),
            models.CheckConstraint(
                condition=Q(status__in=CallStatus.values), name="call_valid_status"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=CallDirection.values), name="call_valid_direction"
            ),
            models.CheckConstraint(
                condition=Q(handled_at__isnull=True) | Q(missed=True),
                name="call_only_missed_calls_are_handled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} call {self.call_id} ({self.status})"
