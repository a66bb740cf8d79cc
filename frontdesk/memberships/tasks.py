"""Job entry points of memberships. They take ids, reload and are safe to run twice."""

from __future__ import annotations

from frontdesk.core.tenancy import tenant_scope
from frontdesk.memberships.services import membership_reminders_queue, memberships_expire
from frontdesk.organizations.models import Organization


def memberships_daily(org_id: str) -> dict[str, int]:
    """Daily, per organization (``memberships: expiry and reminders``): expire what has
    ended and draft renewal reminders for what ends soon."""
    org = Organization.objects.filter(pk=org_id, is_active=True).first()
    if org is None:
        return {}
    with tenant_scope(org):
        return {
            "expired": memberships_expire(org=org),
            "reminders": membership_reminders_queue(org=org),
        }
