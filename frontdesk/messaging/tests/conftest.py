"""Fixtures of the messaging tests: a customer reachable on both channels, the fake SMS
provider and the SMTP sink wired into the settings, and actors of each role."""

import pytest

from frontdesk.messaging.tests.factories import make_contact, set_messaging, staff_actor
from frontdesk.messaging.tests.servers import FakeSmsProvider, SmtpSink


@pytest.fixture
def contact(org):
    return make_contact(org, first_name="Ada", last_name="Lovelace", time_zone="America/Chicago")


@pytest.fixture
def actor_of(members):
    return lambda role: staff_actor(members[role])


@pytest.fixture
def sms_provider(settings):
    provider = FakeSmsProvider().start()
    settings.SMS_BASE_URL = provider.base_url
    settings.SMS_ACCOUNT_SID = provider.sid
    settings.SMS_AUTH_TOKEN = provider.token
    settings.SMS_FROM_NUMBER = "+15125550100"
    settings.SMS_TIMEOUT = 0.5
    yield provider
    provider.stop()


@pytest.fixture
def smtp(settings):
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.MESSAGING_EMAIL_TRANSPORT = "smtp"
    yield sink
    sink.stop()


@pytest.fixture
def anytime(settings, org):
    """No quiet hours, so tests do not depend on the hour they run at."""
    set_messaging(org, quiet_hours={"sms": None, "email": None})


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """``with jobs(): ...`` runs the jobs (sending, event dispatch) queued inside the block
    when it ends, as the worker would after commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
