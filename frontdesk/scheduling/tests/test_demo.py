"""The demo's calendar is built relative to whenever it runs: any weekday, any hour,
a weekend, a daylight-saving change."""

import datetime as dt

import pytest
import time_machine

from frontdesk.core.demo import demo_create
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Organization
from frontdesk.scheduling.models import Appointment, Bay, Closure, Job, Recommendation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "moment",
    [
        "2030-01-07T13:05:00+00:00",  # a Monday, before opening in Chicago
        "2030-01-09T19:40:00+00:00",  # a Wednesday afternoon
        "2030-01-12T20:00:00+00:00",  # a Saturday
        "2030-03-10T09:30:00+00:00",  # the spring-forward Sunday
    ],
)
def test_the_demo_builds_a_week_of_appointments_around_any_moment(moment, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with time_machine.travel(dt.datetime.fromisoformat(moment), tick=False):
        demo_create(slug=f"demo-{moment[:10]}")
    org = Organization.objects.get(slug=f"demo-{moment[:10]}")
    with tenant_scope(org):
        assert Bay.objects.count() == 4 and Closure.objects.count() == 1
        statuses = set(Appointment.objects.values_list("status", flat=True))
        assert {"completed", "confirmed"} <= statuses
        assert Appointment.objects.filter(starts_at__gt=dt.datetime.fromisoformat(moment)).exists()
        assert Job.objects.filter(lines__unit_price__gt=0).exists()
        assert Recommendation.objects.filter(status="declined").exists()
