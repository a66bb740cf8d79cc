"""Jobs the tests queue. They live at module level so that a real worker process can import
them by dotted path. Each leaves a trace (an audit entry of type ``tests.probe``) that the
test reads back from the database."""

from __future__ import annotations

import time

from django.utils import timezone

from frontdesk.audit.models import AuditAction, AuditEntry
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope

PROBE_TYPE = "tests.probe"


def probe(org_id, marker: str, stage: str, **metadata) -> None:
    with tenant_scope(org_id):
        audit_record(
            org=org_id,
            actor=Actor.system(org_id=org_id, label="test probe"),
            action=AuditAction.CREATE,
            object_type=PROBE_TYPE,
            object_id=marker,
            metadata={"stage": stage, "at": timezone.now(), **metadata},
        )


def probes(org, marker: str) -> list[dict]:
    """The traces left for ``marker`` in ``org``, oldest first."""
    with tenant_scope(org):
        entries = AuditEntry.objects.filter(object_type=PROBE_TYPE, object_id=marker)
        return [e.metadata for e in entries.order_by("created_at", "id")]


def record_and_sleep(org_id: str, marker: str, seconds: float) -> None:
    probe(org_id, marker, "started")
    time.sleep(seconds)
    probe(org_id, marker, "finished")


def probe_daily(org_id: str) -> None:
    probe(org_id, "schedule:daily", "ran")


def probe_weekly(org_id: str) -> None:
    probe(org_id, "schedule:weekly", "ran")


def probe_monthly(org_id: str) -> None:
    probe(org_id, "schedule:monthly", "ran")
