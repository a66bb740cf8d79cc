from frontdesk.jobs.services import org_schedules_tick as _tick
from frontdesk.organizations.models import Organization


def org_schedules_tick() -> int:
    return len(_tick(orgs=Organization.objects.filter(is_active=True)))
