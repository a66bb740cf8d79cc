"""A website inquiry (SPEC 4.3 "Inquiry capture"): what the visitor wrote, kept as plain
text, with the contact, lead and interaction it produced and its lifecycle
(new → assigned → replied → converted | lost)."""

from django.db import models
from django.db.models import Q

from frontdesk.core.tenancy import TenantModel
from frontdesk.inquiries.choices import InquiryStatus, Resolution


class Inquiry(TenantModel):
    number = models.CharField(max_length=20, editable=False, help_text="IQ-0042")
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    business = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)
    consent = models.BooleanField(default=False, help_text="the visitor agreed to be contacted")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="inquiries"
    )
    lead = models.ForeignKey(
        "pipeline.Lead", null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries"
    )
    interaction = models.ForeignKey(
        "pipeline.Interaction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inquiries",
    )
    status = models.CharField(
        max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.NEW
    )
    assignee = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_inquiries",
    )
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(
                fields=["organization", "created_at", "id"], name="inquiry_org_created_idx"
            ),
            models.Index(
                fields=["organization", "status", "created_at", "id"],
                name="inquiry_org_status_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="inquiry_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(status__in=InquiryStatus.values), name="inquiry_valid_status"
            ),
            models.CheckConstraint(
                condition=Q(resolution="") | Q(status=models.F("resolution")),
                name="inquiry_resolution_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}".strip()
