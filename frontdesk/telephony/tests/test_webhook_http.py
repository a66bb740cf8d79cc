"""The signed call webhook over real HTTP (pytest-django's live server): a provider
signing with the organization's secret gets in; a forged signature is 401; a replay of
the same signed request is applied once."""

import datetime as dt
import json
import time

import httpx
import pytest
from django.utils import timezone

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import system
from frontdesk.pipeline.models import Interaction
from frontdesk.telephony.models import Call
from frontdesk.telephony.services import telephony_secret_rotate
from frontdesk.telephony.signing import sign

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_signed_call_event_over_http_is_applied_once_and_a_forgery_is_refused(live_server, org):
    with tenant_scope(org):
        secret = telephony_secret_rotate(org=org, actor=system(org))
    raw = json.dumps(
        {
            "call_id": "CA-http-1",
            "from": "+15125550166",
            "to": "+15125550100",
            "direction": "inbound",
            "status": "no_answer",
            "started_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
            "duration_s": 0,
        }
    ).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Frontdesk-Org": org.slug,
        "X-Frontdesk-Timestamp": stamp,
        "X-Frontdesk-Signature": sign(secret, stamp, raw),
    }
    url = f"{live_server.url}/api/crm/telephony/calls"
    with httpx.Client(timeout=10) as http:
        forged = http.post(
            url, content=raw, headers={**headers, "X-Frontdesk-Signature": sign("x", stamp, raw)}
        )
        first = http.post(url, content=raw, headers=headers)
        replay = http.post(url, content=raw, headers=headers)
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert first.status_code == 201, first.text
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    with tenant_scope(org):
        assert Call.objects.count() == 1
        assert Interaction.objects.filter(type="phone_call").count() == 1
