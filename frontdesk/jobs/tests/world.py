"""The jobs app's records for the cross-tenant crawler: one run of a schedule."""

from frontdesk.core.testing import world_builder
from frontdesk.jobs.models import OrgScheduleRun


@world_builder
def jobs_world(org, members):
    return [OrgScheduleRun.objects.create(organization=org, schedule="world", period="2030-01-02")]
