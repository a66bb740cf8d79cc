import pytest
from django.test import override_settings

from frontdesk.integrations.tests.receiver import Receiver


@pytest.fixture
def receiver():
    """A webhook receiver on 127.0.0.1 (a fresh one per test)."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def private_targets():
    """Allow deliveries to loopback and private addresses (the receiver's) in this test."""
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_TARGETS=True):
        yield
