"""Reminders, the scheduling side: a confirmed appointment is marked and announced
(``appointment.reminder_due``) once, at the organization's lead time before it starts;
messaging turns the event into the message."""

import datetime as dt

import pytest
import time_machine

from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import OutboxEvent
from frontdesk.jobs.services import GLOBAL_SCHEDULES
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.tasks import appointment_reminders_tick
from frontdesk.scheduling.tests.factories import book, business_day, customer_with_vehicle, system

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(org):
    customer, vehicle = customer_with_vehicle(org)
    return book(
        org, customer=customer, vehicle=vehicle, day=business_day(org, after=3),
        status="confirmed",
    )  # fmt: skip


def reminders(org) -> list[OutboxEvent]:
    with tenant_scope(org):
        return list(OutboxEvent.objects.filter(type="appointment.reminder_due"))


def queue(org) -> int:
    with tenant_scope(org):
        return services.appointment_reminders_queue(org=org)


def test_a_confirmed_appointment_is_due_at_the_lead_time_and_only_once(org, upcoming):
    with time_machine.travel(upcoming.starts_at - dt.timedelta(hours=25), tick=False):
        assert queue(org) == 0
    with time_machine.travel(upcoming.starts_at - dt.timedelta(hours=23), tick=False):
        assert queue(org) == 1
        assert queue(org) == 0
    events = reminders(org)
    assert len(events) == 1
    assert events[0].payload["id"] == str(upcoming.pk)
    assert events[0].payload["lead_hours"] == 24
    with tenant_scope(org):
        assert Appointment.objects.get(pk=upcoming.pk).reminder_queued_at is not None


def test_drafts_cancelled_and_past_appointments_get_no_reminder(org, upcoming):
    customer, vehicle = customer_with_vehicle(org)
    draft = book(
        org, customer=customer, vehicle=vehicle, day=business_day(org, after=3), start="14:00"
    )
    with tenant_scope(org):
        services.appointment_transition(
            org=org, actor=system(org), appointment=upcoming, action="cancel"
        )
    with time_machine.travel(draft.starts_at - dt.timedelta(hours=2), tick=False):
        assert queue(org) == 0
    with time_machine.travel(draft.starts_at + dt.timedelta(hours=2), tick=False):
        assert queue(org) == 0


def test_the_lead_time_is_the_organizations_setting(api, org, upcoming):
    api.patch("/scheduling/settings", {"reminder_lead_hours": 2})
    org.refresh_from_db()
    with time_machine.travel(upcoming.starts_at - dt.timedelta(hours=3), tick=False):
        assert queue(org) == 0
    with time_machine.travel(upcoming.starts_at - dt.timedelta(hours=1), tick=False):
        assert queue(org) == 1


def test_a_rescheduled_appointment_is_reminded_of_its_new_time(api, org, upcoming):
    with time_machine.travel(upcoming.starts_at - dt.timedelta(hours=23), tick=False):
        assert queue(org) == 1
    later = business_day(org, after=10)
    response = api.patch(
        f"/appointments/{upcoming.pk}", {"starts_at": f"{later.isoformat()}T11:00"}
    )
    assert response.json()["reminder_queued_at"] is None
    with tenant_scope(org):
        moved = Appointment.objects.get(pk=upcoming.pk)
    with time_machine.travel(moved.starts_at - dt.timedelta(hours=23), tick=False):
        assert queue(org) == 1
    assert len(reminders(org)) == 2


def test_the_tick_queues_each_organization_with_due_reminders(org, other_org, upcoming):
    customer, vehicle = customer_with_vehicle(other_org)
    there = book(other_org, customer=customer, vehicle=vehicle, day=business_day(other_org, after=3),
                 status="confirmed")  # fmt: skip
    moment = min(upcoming.starts_at, there.starts_at) - dt.timedelta(hours=23)
    with time_machine.travel(moment, tick=False):
        queued = appointment_reminders_tick()  # jobs run inline in the test settings
    due_here = upcoming.starts_at <= moment + dt.timedelta(hours=24)
    due_there = there.starts_at <= moment + dt.timedelta(hours=24)
    assert queued == due_here + due_there
    assert len(reminders(org)) == due_here and len(reminders(other_org)) == due_there
    with time_machine.travel(moment, tick=False):
        assert appointment_reminders_tick() == 0  # already marked


def test_the_tick_is_a_cluster_schedule():
    assert (
        "frontdesk: appointment reminders",
        "frontdesk.scheduling.tasks.appointment_reminders_tick",
        1,
    ) in GLOBAL_SCHEDULES
