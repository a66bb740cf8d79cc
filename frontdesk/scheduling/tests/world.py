"""One of each scheduling record in an organization, for the cross-tenant crawler
(``tests/test_tenancy_crawler.py`` calls every route with another organization's ids)."""

import datetime as dt

from django.utils import timezone

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import world_builder
from frontdesk.scheduling import services
from frontdesk.scheduling.tests.factories import (
    book,
    business_day,
    customer_with_vehicle,
    make_advisor,
    make_bay,
    make_job,
    make_recommendation,
    system,
)
from frontdesk.scheduling.times import local_today


@world_builder
def scheduling_world(org, members):
    bay = make_bay(org, name="World Bay", kind="lift")
    advisor = make_advisor(members["advisor"])
    with tenant_scope(org):
        closure = services.closure_create(
            org=org,
            actor=system(org),
            data={
                "start_date": local_today(org, timezone.now()) + dt.timedelta(days=300),
                "reason": "World closure",
            },
        )
    customer, vehicle = customer_with_vehicle(
        org,
        first_name="World",
        last_name="Scheduler",
        emails=[{"address": f"sched@{org.slug}.example"}],
    )
    day = business_day(org)
    upcoming = book(
        org, customer=customer, vehicle=vehicle, day=day, start="09:00", bay=bay,
        advisor=advisor, requested_services=["World oil change"], notes="World notes",
    )  # fmt: skip
    done = book(
        org, customer=customer, vehicle=vehicle, day=day, start="11:00", bay=bay,
        status="confirmed", requested_services=["World brakes"],
    )  # fmt: skip
    job = make_job(org, appointment=done)
    with tenant_scope(org):
        line = job.lines.get()
    declined = make_recommendation(org, job, description="World cabin filter", decide="decline")
    return [bay, closure, upcoming, done, job, line, declined, customer, vehicle]
