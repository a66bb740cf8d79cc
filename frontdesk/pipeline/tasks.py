"""Job entry points of the pipeline: organization id in, idempotent (notifications are
keyed by their day, week or month). Scheduled per organization at 07:00 local time from
``apps.py`` with ``register_org_schedule``."""

from __future__ import annotations

from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Organization
from frontdesk.pipeline.services.leads import leads_rescore_aged
from frontdesk.pipeline.services.nudges import (
    nudges_daily_send,
    weekly_summary_send,
    win_loss_monthly_send,
)


def _org(org_id) -> Organization | None:
    return Organization.objects.filter(pk=org_id, is_active=True).first()


def pipeline_daily_nudges(org_id: str) -> int:
    """Daily 07:00: lead scores that time has lowered are stored again (so lists sorted
    by score stay true), then stale leads and today's follow-ups."""
    org = _org(org_id)
    if org is None:
        return 0
    with tenant_scope(org):
        leads_rescore_aged(org=org)
        return nudges_daily_send(org=org)


def pipeline_weekly_summary(org_id: str) -> int:
    """Monday 07:00: last week's pipeline summary."""
    org = _org(org_id)
    if org is None:
        return 0
    with tenant_scope(org):
        return weekly_summary_send(org=org)


def pipeline_monthly_win_loss(org_id: str) -> int:
    """The 1st, 07:00: last month's win/loss."""
    org = _org(org_id)
    if org is None:
        return 0
    with tenant_scope(org):
        return win_loss_monthly_send(org=org)
