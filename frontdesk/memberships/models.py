"""Memberships (SPEC 4.6): plans and the customers' membership history.

A customer has at most one ``active`` membership (a partial unique constraint, so two
concurrent assignments cannot both succeed). Assigning another plan marks the active one
``replaced`` and records the day it stopped applying (``ended_on``); nothing is deleted.
A membership applies on the days ``starts_on <= day < (ended_on or expires_on)``.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from frontdesk.core.tenancy import TenantModel
from frontdesk.memberships.choices import ChangeKind, MembershipStatus


class MembershipPlan(TenantModel):
    name = models.CharField(max_length=120)
    discount_bp = models.PositiveIntegerField(
        default=0, help_text="discount on lines the plan does not include, in basis points"
    )
    priority_label = models.CharField(max_length=60, blank=True, help_text='"Priority booking"')
    duration_days = models.PositiveIntegerField(default=365)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="membership_plan_name"),
            models.CheckConstraint(
                condition=Q(discount_bp__lte=10_000), name="membership_plan_discount_le_100"
            ),
            models.CheckConstraint(
                condition=Q(duration_days__gte=1), name="membership_plan_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def discount_percent(self) -> Decimal:
        """1000 bp → 10, 1250 → 12.5 (for pages; the API shows two decimals)."""
        percent = Decimal(self.discount_bp) / 100
        return percent.quantize(Decimal(1)) if percent == percent.to_integral() else percent


class PlanService(TenantModel):
    """A catalog service the plan includes, at the plan's price (0 = free)."""

    plan = models.ForeignKey(MembershipPlan, on_delete=models.CASCADE, related_name="included")
    service = models.ForeignKey("money.Service", on_delete=models.PROTECT, related_name="+")
    price = models.BigIntegerField(default=0, help_text="minor units per unit")

    class Meta:
        ordering = ["plan", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "service"], name="membership_plan_service"),
            models.CheckConstraint(condition=Q(price__gte=0), name="membership_plan_service_price"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.service_id} at {self.price}"


class CustomerMembership(TenantModel):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="memberships"
    )
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="memberships")
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    starts_on = models.DateField()
    expires_on = models.DateField(help_text="starts_on + the plan's duration_days")
    ended_on = models.DateField(
        null=True, blank=True, help_text="the day it stopped applying (replaced, cancelled)"
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_by_label = models.CharField(max_length=300, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    reminder_queued_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-created_at"]
        indexes = [
            models.Index(
                fields=["organization", "status", "expires_on"], name="membership_status_expiry"
            ),
            models.Index(fields=["customer", "starts_on"], name="membership_customer_start"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "customer"],
                condition=Q(status="active"),
                name="membership_one_active_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("starts_on")),
                name="membership_expires_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.starts_on}–{self.expires_on} ({self.status})"

    @property
    def until(self):
        return self.ended_on or self.expires_on
