"""Bays, closures, appointments, jobs and their lines, recommendations (SPEC 4.4).

Times are stored in UTC and shown in the organization's time zone (``times.py``).
Two active (draft or confirmed) appointments never overlap on one bay or one advisor:
the services check it inside a serialized transaction, and on PostgreSQL migration 0002
adds exclusion constraints (``appointment_no_bay_overlap``, ``appointment_no_advisor_overlap``)
that hold even against a writer that skips the services. Money is integers in the
organization's minor unit.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Q

from frontdesk.core.tenancy import TenantModel
from frontdesk.scheduling.choices import (
    AppointmentSource,
    AppointmentStatus,
    BayKind,
    FollowUpStatus,
    JobLineKind,
    JobStatus,
    RecommendationStatus,
    Urgency,
)


class Bay(TenantModel):
    """A bookable resource: a service bay, a lift, a chair, a room."""

    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=BayKind.choices, default=BayKind.BAY)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="order on the calendar")

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="bay_unique_name"),
            models.CheckConstraint(condition=Q(kind__in=BayKind.values), name="bay_valid_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class Closure(TenantModel):
    """Whole days the business is closed (holidays, inventory): nothing is bookable."""

    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["organization", "end_date"], name="closure_org_end_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="closure_end_after_start"
            )
        ]

    def __str__(self) -> str:
        if self.start_date == self.end_date:
            return f"{self.start_date}: {self.reason}"
        return f"{self.start_date} – {self.end_date}: {self.reason}"


class Appointment(TenantModel):
    """A booking of a customer (and vehicle) on a bay and/or with an advisor.
    draft → confirmed → completed | cancelled | no_show."""

    number = models.CharField(max_length=20, editable=False, help_text="A-0042")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="appointments"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    advisor = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    bay = models.ForeignKey(
        Bay, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    requested_services = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.DRAFT
    )
    source = models.CharField(
        max_length=8, choices=AppointmentSource.choices, default=AppointmentSource.STAFF
    )
    cancel_reason = models.CharField(max_length=200, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="when it became completed, cancelled or no_show"
    )
    reminder_queued_at = models.DateTimeField(
        null=True, blank=True, help_text="when appointment.reminder_due was emitted (once)"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            # the calendar and availability: one day's range in one organization
            models.Index(
                fields=["organization", "starts_at", "id"], name="appointment_org_start_idx"
            ),
            models.Index(fields=["bay", "starts_at"], name="appointment_bay_start_idx"),
            models.Index(fields=["advisor", "starts_at"], name="appointment_advisor_start_idx"),
            models.Index(fields=["customer", "starts_at"], name="appointment_customer_idx"),
            models.Index(fields=["vehicle", "starts_at"], name="appointment_vehicle_idx"),
            # the reminder sweep: confirmed, not reminded yet, by start
            models.Index(
                fields=["organization", "starts_at"],
                condition=Q(status="confirmed", reminder_queued_at__isnull=True),
                name="appointment_reminder_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="appointment_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AppointmentStatus.values), name="appointment_valid_status"
            ),
            models.CheckConstraint(
                condition=Q(source__in=AppointmentSource.values), name="appointment_valid_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in (AppointmentStatus.DRAFT, AppointmentStatus.CONFIRMED)


class Job(TenantModel):
    """A work order: open → in_progress → completed → invoiced, or cancelled."""

    number = models.CharField(max_length=20, editable=False, help_text="J-0311")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="jobs"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", null=True, blank=True, on_delete=models.PROTECT, related_name="jobs"
    )
    appointment = models.OneToOneField(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="job",
        help_text="the appointment it was converted from (at most one job each)",
    )
    advisor = models.ForeignKey(
        "organizations.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    concern = models.TextField(blank=True, help_text="what the customer came in for")
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "created_at", "id"], name="job_org_created_idx"),
            models.Index(
                fields=["organization", "status", "created_at"], name="job_org_status_idx"
            ),
            models.Index(fields=["customer", "created_at"], name="job_customer_idx"),
            models.Index(fields=["vehicle", "created_at"], name="job_vehicle_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="job_unique_number"),
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="job_valid_status"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> int:
        """Sum of the lines in minor units (prefetch ``lines`` when listing)."""
        return sum(line.total for line in self.lines.all())


def line_total(quantity: Decimal, unit_price: int) -> int:
    """``quantity × unit_price`` in minor units, rounded half-up: exact, never a float."""
    return int((Decimal(quantity) * unit_price).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class JobLine(TenantModel):
    """A service or a part on a job. ``unit_price`` in minor units; the line total is
    ``quantity × unit_price`` rounded half-up to the minor unit."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=8, choices=JobLineKind.choices, default=JobLineKind.SERVICE)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=9, decimal_places=2, default=1)
    unit_price = models.BigIntegerField(default=0, help_text="minor units (cents)")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["job", "position", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=JobLineKind.values), name="jobline_valid_kind"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="jobline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="jobline_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"

    @property
    def total(self) -> int:
        return line_total(self.quantity, self.unit_price)


class Recommendation(TenantModel):
    """Work found on a job (an inspection). Approved, or declined — declined work stays on
    the customer across visits, with a follow-up status and a due date."""

    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="recommendations")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="recommendations"
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    description = models.CharField(max_length=300)
    estimated_price = models.BigIntegerField(default=0, help_text="minor units (cents)")
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.MEDIUM)
    status = models.CharField(
        max_length=10, choices=RecommendationStatus.choices, default=RecommendationStatus.PROPOSED
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    follow_up_status = models.CharField(
        max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    due_date = models.DateField(null=True, blank=True, help_text="when to follow up")
    appointment = models.ForeignKey(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
        help_text="the appointment it was booked into",
    )
    job_line = models.OneToOneField(
        JobLine,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendation",
        help_text="the line approving it added to the job",
    )

    class Meta:
        ordering = ["due_date", "created_at", "id"]
        indexes = [
            models.Index(
                fields=["organization", "status", "follow_up_status", "due_date"],
                name="recommendation_pipeline_idx",
            ),
            models.Index(fields=["customer", "status"], name="recommendation_customer_idx"),
            models.Index(fields=["job", "created_at"], name="recommendation_job_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RecommendationStatus.values),
                name="recommendation_valid_status",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_status__in=FollowUpStatus.values),
                name="recommendation_valid_follow_up",
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=Urgency.values), name="recommendation_valid_urgency"
            ),
            models.CheckConstraint(
                condition=Q(estimated_price__gte=0), name="recommendation_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]
