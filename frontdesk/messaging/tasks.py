"""Job entry points of messaging. They take ids, reload, call a service; safe to run
twice (a message is claimed before it is sent)."""

from __future__ import annotations

import logging

from frontdesk.core.tenancy import tenant_scope
from frontdesk.jobs.services import enqueue
from frontdesk.messaging.services import early_statuses_apply, messages_due, messages_send_many
from frontdesk.messaging.services import message_send as _send
from frontdesk.messaging.services.messages import SEND_BATCH
from frontdesk.messaging.services.notifications import notification_digest_send
from frontdesk.organizations.models import Organization

log = logging.getLogger(__name__)


def _org(org_id) -> Organization | None:
    return Organization.objects.filter(pk=org_id, is_active=True).first()


def message_send(org_id: str, message_id: str) -> str:
    org = _org(org_id)
    if org is None:
        return "skipped"
    with tenant_scope(org):
        return _send(org=org, message_id=message_id)


def messages_send_batch(org_id: str, message_ids: list[str]) -> dict[str, int]:
    """Send a batch (a campaign's fan-out, a bulk approval, the sweep's catch-up): the
    gate's look-ups, the claims and the records are one transaction each for the batch."""
    org = _org(org_id)
    if org is None:
        return {}
    with tenant_scope(org):
        return messages_send_many(org=org, message_ids=message_ids)


def messages_sweep() -> int:
    """Every minute: queue the messages whose time has come in every organization —
    quiet hours over, retry due, a worker died mid-send — and apply delivery statuses that
    arrived before their message was recorded as sent. Returns how many were queued."""
    queued = 0
    for org in Organization.objects.filter(is_active=True).order_by("pk"):
        try:
            with tenant_scope(org):
                due = [str(pk) for pk in messages_due()]
                early_statuses_apply(org=org)
        except Exception:
            log.exception("cannot look for due messages of organization %s", org.pk)
            continue
        for start in range(0, len(due), SEND_BATCH):
            enqueue(
                "frontdesk.messaging.tasks.messages_send_batch",
                str(org.pk),
                due[start : start + SEND_BATCH],
            )
        queued += len(due)
    return queued


def notification_digest(org_id: str) -> int:
    """Daily, per organization (``messaging: notification digest``, 07:00 local)."""
    org = _org(org_id)
    if org is None:
        return 0
    with tenant_scope(org):
        return notification_digest_send(org=org)
