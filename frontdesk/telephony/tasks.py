"""Job entry points of the telephony app."""

from __future__ import annotations

import logging

from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Organization
from frontdesk.telephony.services import missed_calls_overdue_notify

log = logging.getLogger(__name__)


def missed_calls_overdue_tick() -> int:
    """Every minute (``frontdesk: missed-call alerts``): in each organization, notify
    about missed calls left unhandled past the target. Idempotent (once per call)."""
    total = 0
    for org in Organization.objects.filter(is_active=True).order_by("pk"):
        try:
            with tenant_scope(org):
                total += missed_calls_overdue_notify(org=org)
        except Exception:
            log.exception("cannot check the missed calls of organization %s", org.pk)
    return total
