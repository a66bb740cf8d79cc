from django.db import models

from frontdesk.core.tenancy import TenantModel


class OrgScheduleRun(TenantModel):
    """One run of a per-organization schedule for one local period (a date, an ISO week,
    a month). The unique constraint makes each period run exactly once."""

    schedule = models.CharField(max_length=100)
    period = models.CharField(max_length=16)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "schedule", "period"], name="orgschedulerun_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period}"
