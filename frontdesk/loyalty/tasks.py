"""Job entry points of loyalty. They take ids, reload and are safe to run twice."""

from __future__ import annotations

from frontdesk.core.tenancy import tenant_scope
from frontdesk.loyalty.services import loyalty_expire_org
from frontdesk.organizations.models import Organization


def loyalty_expire(org_id: str) -> int:
    """Daily, per organization (``loyalty: expire points``): expire points older than the
    program's ``expiry_days``. Does nothing when expiry is off."""
    org = Organization.objects.filter(pk=org_id, is_active=True).first()
    if org is None:
        return 0
    with tenant_scope(org):
        return loyalty_expire_org(org=org)
