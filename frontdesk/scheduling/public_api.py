"""``/api/public/{org_slug}``: online booking for the business's own website.

Anonymous and rate-limited per client address (``PUBLIC_RATE_LIMIT``). The visitor sees
free start times only (no bays, no staff) and learns nothing about who is on file.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status

from frontdesk.core.actor import Actor
from frontdesk.core.api import IpRateThrottle, error_responses
from frontdesk.organizations.public import public_scope
from frontdesk.scheduling import selectors, services
from frontdesk.scheduling.schemas import (
    AppointmentRequestIn,
    AppointmentRequestOut,
    PublicAvailabilityOut,
)
from frontdesk.scheduling.times import SchedulingSettings, local_today, org_zone

router = Router(tags=["public"])


@router.get(
    "/availability",
    auth=None,
    throttle=[IpRateThrottle()],
    response={200: PublicAvailabilityOut, **error_responses(404, 422, 429)},
)
def public_availability(
    request: HttpRequest,
    org_slug: str = Path(..., description="the organization's slug"),  # noqa: B008
    date: dt.date | None = Query(None, description="local date; default today"),  # noqa: B008
):
    """Start times bookable online on one day (the default duration; not sooner than the
    minimum notice, not further ahead than the booking window)."""
    with public_scope(org_slug) as org:
        settings = SchedulingSettings.of(org)
        now = timezone.now()
        day = date or local_today(org, now)
        if day > local_today(org, now) + dt.timedelta(days=settings.online_max_days_ahead):
            return {
                "date": day,
                "time_zone": org.time_zone,
                "duration_min": settings.default_duration_minutes,
                "closed": "Too far ahead to book online.",
                "slots": [],
            }
        result = selectors.availability(
            org=org,
            day=day,
            now=now,
            not_before=now + dt.timedelta(minutes=settings.online_min_notice_minutes),
        )
        result["slots"] = [
            {"starts_at": s["starts_at"], "ends_at": s["ends_at"]} for s in result["slots"]
        ]
        return result


@router.post(
    "/appointment-requests",
    auth=None,
    throttle=[IpRateThrottle()],
    response={201: AppointmentRequestOut, **error_responses(404, 409, 422, 429)},
)
def public_appointment_request(
    request: HttpRequest,
    payload: AppointmentRequestIn,
    org_slug: str = Path(..., description="the organization's slug"),  # noqa: B008
):
    """Ask for an appointment at an offered time. It lands as a draft for staff to
    confirm; the answer is the same whether or not the contact was known."""
    with public_scope(org_slug) as org:
        data = payload.model_dump()
        appointment = services.appointment_request(
            org=org, actor=Actor.public(org_id=org.pk), **data
        )
        zone = org_zone(org)
        return Status(
            201,
            {
                "received": True,
                "starts_at": appointment.starts_at.astimezone(zone),
                "ends_at": appointment.ends_at.astimezone(zone),
                "message": "Thank you: we will confirm your appointment shortly.",
            },
        )
