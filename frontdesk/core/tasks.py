"""Platform housekeeping jobs."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from frontdesk.core.models import IdempotencyRecord
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Organization

log = logging.getLogger(__name__)


def idempotency_records_prune(*, now: dt.datetime | None = None) -> int:
    """Hourly: forget the stored responses of ``Idempotency-Key`` writes older than
    ``IDEMPOTENCY_KEY_HOURS`` (a retry after that executes again). Returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    removed = 0
    for org in Organization.objects.order_by("pk"):
        with tenant_scope(org):
            removed += IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()[0]
    if removed:
        log.info("forgot %s idempotency records older than %s", removed, cutoff)
    return removed
