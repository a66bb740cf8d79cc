"""A real ``frontdesk worker`` killed with ``kill -9`` while the SMS provider is still
answering: after a restart every recipient has exactly one message (SPEC rule 8).

The killed worker had claimed a message (``sending``, lease of 3 s) and the provider took
it. Once the lease has expired the message is handed out again — by the job's own retry
and by the due-message sweep — with the same idempotency key, so the provider answers
the first SID instead of sending a second SMS.
"""

import time

import pytest
from django.conf import settings
from django.test import override_settings

from frontdesk.core.tenancy import tenant_scope
from frontdesk.messaging import services, tasks
from frontdesk.messaging.models import Message
from frontdesk.messaging.tests.factories import (
    make_contact,
    make_message,
    set_messaging,
    staff_actor,
)
from frontdesk.messaging.tests.servers import FakeSmsProvider

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider():
    provider = FakeSmsProvider().start()
    provider.delay = 2.0  # long enough to kill the worker mid-request
    yield provider
    provider.stop()


def test_each_recipient_gets_one_sms_when_the_worker_dies_mid_send(
    org, members, provider, frontdesk_process, wait_for
):
    env = {
        "FRONTDESK_JOBS_SYNC": "0",
        "FRONTDESK_JOB_TIMEOUT": "5",
        "FRONTDESK_JOB_RETRY": "6",
        "FRONTDESK_JOB_POLL": "0.1",
        "FRONTDESK_WORKER_PROCESSES": "1",
        "MESSAGE_SEND_LEASE_SECONDS": "3",
        "SMS_BASE_URL": provider.base_url,
        "SMS_ACCOUNT_SID": provider.sid,
        "SMS_AUTH_TOKEN": provider.token,
        "SMS_FROM_NUMBER": "+15125550100",
    }
    set_messaging(org, quiet_hours={"sms": None, "email": None})
    owner = staff_actor(members["owner"])
    recipients = [make_contact(org) for _ in range(3)]
    with override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": False}):
        for customer in recipients:
            message = make_message(org, customer=customer)
            with tenant_scope(org):
                services.message_approve(org=org, actor=owner, message=message)

    first = frontdesk_process(["worker"], **env)
    wait_for(lambda: provider.requests, timeout=30, what="the first SMS request", log=first.output)
    first.kill_hard()  # mid-request: the provider still takes this message
    wait_for(lambda: provider.delivered, timeout=10, what="the provider to accept it")

    def sent():
        with tenant_scope(org):
            return Message.objects.filter(status="sent").count() == len(recipients)

    with override_settings(Q_CLUSTER={**settings.Q_CLUSTER, "sync": False}):
        second = frontdesk_process(["worker"], **env)
        # the sweep also finds the message whose lease expired (the schedule runs it each
        # minute; here it is called every second until everything is sent)
        last_sweep = [0.0]

        def swept_and_sent():
            if time.monotonic() - last_sweep[0] >= 1.0:
                tasks.messages_sweep()
                last_sweep[0] = time.monotonic()
            return sent()

        wait_for(
            swept_and_sent,
            timeout=60,
            what="every message to be sent",
            log=second.output,
        )
    phones = sorted(d["To"] for d in provider.delivered)
    assert phones == sorted(c.primary_phone for c in recipients)  # one each, no duplicate
    with tenant_scope(org):
        sids = set(Message.objects.values_list("provider_id", flat=True))
    assert sids == {d["sid"] for d in provider.delivered}
