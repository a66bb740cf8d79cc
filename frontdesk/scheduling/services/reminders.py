"""Appointment reminders, the scheduling side.

A confirmed appointment is due for its reminder ``reminder_lead_hours`` before it
starts (an organization setting). :func:`appointment_reminders_queue` finds the due ones,
marks each ``reminder_queued_at`` exactly once (a conditional UPDATE: of two concurrent
runs only one claims a row) and emits ``appointment.reminder_due`` in the same
transaction. The messaging domain subscribes to that event and turns it into a
transactional message under rules 4 and 5. Rescheduling clears the mark, so the new time
gets its own reminder.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.events.services import event_emit
from frontdesk.organizations.models import Organization
from frontdesk.scheduling import events
from frontdesk.scheduling.choices import AppointmentStatus
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.times import SchedulingSettings, org_zone

BATCH = 500


def reminders_due(*, org: Organization, now: dt.datetime):
    lead = dt.timedelta(hours=SchedulingSettings.of(org).reminder_lead_hours)
    return Appointment.objects.filter(
        status=AppointmentStatus.CONFIRMED,
        reminder_queued_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + lead,
    ).order_by("starts_at", "id")


def appointment_reminders_queue(*, org: Organization, now: dt.datetime | None = None) -> int:
    """Mark and announce every appointment of ``org`` due for its reminder. Returns how
    many were queued by this call. Safe to run any number of times, concurrently too."""
    now = now or timezone.now()
    actor = Actor.system(org_id=org.pk, label="reminders")
    lead_hours = SchedulingSettings.of(org).reminder_lead_hours
    zone = org_zone(org)
    queued = 0
    for pk in list(reminders_due(org=org, now=now).values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=pk, status=AppointmentStatus.CONFIRMED, reminder_queued_at__isnull=True
            ).update(reminder_queued_at=now, updated_at=now)
            if not claimed:
                continue
            appointment = Appointment.objects.get(pk=pk)
            event_emit(
                org=org,
                type=events.APPOINTMENT_REMINDER_DUE,
                actor=actor,
                payload={
                    "id": appointment.pk,
                    "number": appointment.number,
                    "customer_id": appointment.customer_id,
                    "starts_at": appointment.starts_at.astimezone(zone),
                    "lead_hours": lead_hours,
                },
            )
            queued += 1
    return queued
