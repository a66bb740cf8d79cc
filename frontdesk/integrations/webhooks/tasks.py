"""Job entry points of webhooks. They take ids and reload; running one twice is harmless
(the attempt claims the delivery first)."""

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone

from frontdesk.core.tenancy import operator_scope, tenant_scope
from frontdesk.integrations.webhooks.choices import DeliveryStatus
from frontdesk.integrations.webhooks.models import WebhookDelivery
from frontdesk.integrations.webhooks.services import DELIVER_TASK, webhook_delivery_attempt
from frontdesk.jobs.services import enqueue
from frontdesk.organizations.models import Organization

log = logging.getLogger(__name__)

# A new delivery younger than this is left to the job queued with it.
SWEEP_GRACE = dt.timedelta(seconds=30)


def webhook_deliver(org_id: str, delivery_id: str) -> None:
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return
    with tenant_scope(org):
        webhook_delivery_attempt(org=org, delivery_id=delivery_id)


def webhook_deliveries_sweep(limit: int = 500) -> int:
    """Queue an attempt for every delivery whose retry is due, and for new ones whose
    queued job was lost. Returns how many were queued."""
    now = timezone.now()
    with operator_scope():
        due = list(
            WebhookDelivery.objects.filter(
                Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
                | Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
            )
            .order_by("next_attempt_at", "id")
            .values_list("organization_id", "pk")[:limit]
        )
    for org_id, delivery_id in due:
        try:
            enqueue(DELIVER_TASK, str(org_id), str(delivery_id))
        except Exception:
            log.exception("cannot queue webhook delivery %s", delivery_id)
    return len(due)
