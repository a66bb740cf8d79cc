"""Job entry points of scheduling. They take ids, reload and are safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.utils import timezone

from frontdesk.core.tenancy import operator_scope, tenant_scope
from frontdesk.jobs.services import enqueue
from frontdesk.organizations.models import Organization
from frontdesk.scheduling.choices import AppointmentStatus
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.services import appointment_reminders_queue
from frontdesk.scheduling.times import SchedulingSettings

log = logging.getLogger(__name__)


def appointment_reminders_tick() -> int:
    """Every minute (a cluster-wide schedule): queue ``appointment_reminders`` for each
    organization that has a confirmed appointment due for its reminder. Organizations
    are grouped by their lead time, so this is one indexed query per distinct lead time,
    whatever the number of organizations. Returns how many jobs it queued."""
    now = timezone.now()
    by_lead: dict[int, list] = defaultdict(list)
    for org in Organization.objects.filter(is_active=True).only("id", "settings"):
        by_lead[SchedulingSettings.of(org).reminder_lead_hours].append(org.pk)
    due: set = set()
    with operator_scope():
        for lead, ids in by_lead.items():
            due |= set(
                Appointment.objects.filter(
                    organization_id__in=ids,
                    status=AppointmentStatus.CONFIRMED,
                    reminder_queued_at__isnull=True,
                    starts_at__gt=now,
                    starts_at__lte=now + dt.timedelta(hours=lead),
                )
                .values_list("organization_id", flat=True)
                .distinct()
            )
    for org_id in sorted(due, key=str):
        enqueue("frontdesk.scheduling.tasks.appointment_reminders", str(org_id))
    return len(due)


def appointment_reminders(org_id: str) -> int:
    """Mark and announce one organization's appointments due for their reminder."""
    org = Organization.objects.filter(pk=org_id, is_active=True).first()
    if org is None:
        return 0
    with tenant_scope(org):
        return appointment_reminders_queue(org=org)
