"""Calls for tests, recorded through the service the webhook calls."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.telephony.models import Call
from frontdesk.telephony.services import call_record

_serial = itertools.count(1)


def call_data(**data: Any) -> dict[str, Any]:
    n = next(_serial)
    base = {
        "call_id": f"CA-test-{n}",
        "from": f"+1512555{n % 10000:04d}",
        "to": "+15125550100",
        "direction": "inbound",
        "status": "missed",
        "started_at": timezone.now() - dt.timedelta(minutes=2),
        "duration_s": 0,
        "recording_url": "",
        "transcript": "",
    }
    return {**base, **data}


def make_call(org, **data: Any) -> Call:
    with tenant_scope(org):
        call, _ = call_record(
            org=org, actor=Actor.system(org_id=org.pk, label="tests"), data=call_data(**data)
        )
        return call
