"""Demo Auto Care's calendar: bays, two advisors, a closure, a week of appointments
around today (the demo runs on any date, at any hour), jobs with lines, and declined
recommendations to follow up — some of them overdue.

Bookings from now on go through ``appointment_book`` like any other. History cannot be
booked (the past is not bookable), so the earlier days' appointments are written as
they would have been and then completed, converted, missed or cancelled through the
services.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.core.refnums import reference_next
from frontdesk.customers.models import CustomerVehicle
from frontdesk.customers.services import customer_create, customer_vehicle_add
from frontdesk.organizations.services import staff_update
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.selectors import closure_on
from frontdesk.scheduling.times import hours_of, local_today, org_zone, wall_to_utc

PEOPLE = [
    ("Maria", "Garcia", "+1 512 555 0142", (2019, "Honda", "Accord", "KTX 4821")),
    ("James", "Walker", "+1 512 555 0178", (2016, "Ford", "F-150", "JWR 5512")),
    ("Priya", "Shah", "+1 512 555 0123", (2021, "Toyota", "RAV4", "PSH 0921")),
    ("Tom", "Becker", "+1 512 555 0166", (2014, "Subaru", "Outback", "TBK 7780")),
    ("Linda", "Nguyen", "+1 512 555 0190", (2020, "Tesla", "Model 3", "LNG 3003")),
    ("Carlos", "Ruiz", "+1 512 555 0131", (2017, "Chevrolet", "Silverado", "CRZ 4410")),
    ("Emily", "Stone", "+1 512 555 0157", (2022, "Hyundai", "Tucson", "EST 2207")),
    ("Dev", "Patel", "+1 512 555 0109", (2015, "Volkswagen", "Jetta", "DPT 6615")),
]
OIL = [("service", "Synthetic oil change", "1", 7999), ("part", "Oil filter", "1", 1299)]
PADS = [("service", "Labour", "1.5", 12000), ("part", "Brake pads, front", "1", 8950)]
SERVICES = [
    ("Synthetic oil change", 60, OIL),
    ("Brake inspection", 60, [("service", "Brake inspection", "1", 4900)]),
    ("Front brake pads", 120, PADS),
    ("Tire rotation", 30, [("service", "Tire rotation", "1", 2999)]),
    ("A/C service", 90, [("service", "A/C recharge", "1", 14900)]),
    ("State inspection", 30, [("service", "State inspection", "1", 2550)]),
]  # fmt: skip
DECLINED = [
    ("Replace cabin air filter", 3900, "low"),
    ("Front wiper blades", 2900, "low"),
    ("Coolant flush", 12900, "medium"),
    ("Rear brake pads at 3 mm", 18900, "high"),
    ("Serpentine belt cracked", 9900, "high"),
]
SLOTS = ["08:00", "09:30", "11:00", "13:00", "14:30", "16:00"]


def _contacts(ctx: DemoContext) -> list[tuple]:
    """(customer, vehicle) pairs: the customers domain's demo customers if it made some,
    else a handful of our own."""
    found = []
    for customer in ctx.data.get("customers", []):
        link = CustomerVehicle.objects.filter(customer=customer).select_related("vehicle").first()
        if link:
            found.append((customer, link.vehicle))
    if len(found) >= 4:
        return found
    pairs = []
    for first, last, phone, (year, make, model, plate) in PEOPLE:
        customer = customer_create(
            org=ctx.org,
            actor=ctx.actor,
            data={
                "first_name": first,
                "last_name": last,
                "source": "phone_call",
                "phones": [{"number": phone, "primary": True, "consent_to_call": True}],
                "communication": {"opt_in_sms": True},
            },
            allow_duplicate=True,
        )
        link = customer_vehicle_add(
            org=ctx.org,
            actor=ctx.actor,
            customer=customer,
            link={},
            vehicle={"year": year, "make": make, "model": model, "plate": plate},
        )
        pairs.append((customer, link.vehicle))
    return pairs


def _business_days(ctx: DemoContext, today: dt.date) -> list[dt.date]:
    """Three business days before today, and five from today on."""
    before, after = [], []
    day = today - dt.timedelta(days=1)
    while len(before) < 3:
        if hours_of(ctx.org, day) and not closure_on(day):
            before.insert(0, day)
        day -= dt.timedelta(days=1)
    day = today
    while len(after) < 5:
        if hours_of(ctx.org, day) and not closure_on(day):
            after.append(day)
        day += dt.timedelta(days=1)
    return before + after


def _history(ctx: DemoContext, *, customer, vehicle, start, minutes, bay, advisor, service):
    """An appointment that already began: written as it was booked (confirmed)."""
    appointment = Appointment(
        organization_id=ctx.org.pk,
        number=reference_next(org=ctx.org, kind="appointment"),
        customer=customer,
        vehicle=vehicle,
        bay=bay,
        advisor=advisor,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        requested_services=[service],
        status="confirmed",
        confirmed_at=start - dt.timedelta(days=2),
    )
    appointment.save(force_insert=True)
    audit_record(
        org=ctx.org,
        actor=ctx.actor,
        action=AuditAction.CREATE,
        obj=appointment,
        changes={"number": (None, appointment.number), "status": (None, "confirmed")},
        metadata={"demo": "history"},
    )
    return appointment


@demo_step
def scheduling_demo(ctx: DemoContext) -> None:
    org, actor = ctx.org, ctx.actor
    rng = random.Random(42)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    zone = org_zone(org)
    today = local_today(org, now)
    bays = [
        services.bay_create(org=org, actor=actor, data={"name": name, "kind": kind, "position": i})
        for i, (name, kind) in enumerate(
            [("Bay 1", "bay"), ("Bay 2", "bay"), ("Bay 3", "bay"), ("Alignment lift", "lift")]
        )
    ]
    advisors = []
    for role in ("advisor", "manager"):
        member = ctx.staff.get(role)
        if member is not None:
            advisors.append(
                staff_update(org=org, actor=actor, membership=member, data={"is_advisor": True})
            )
    closure_day = today + dt.timedelta(days=21)
    services.closure_create(
        org=org,
        actor=actor,
        data={"start_date": closure_day, "end_date": closure_day, "reason": "Staff training"},
    )
    contacts = _contacts(ctx)
    declined = list(DECLINED)
    for day_index, day in enumerate(_business_days(ctx, today)):
        for slot_index, hhmm in enumerate(SLOTS):
            if rng.random() < 0.3:
                continue
            customer, vehicle = contacts[(day_index * len(SLOTS) + slot_index) % len(contacts)]
            service, minutes, lines = SERVICES[rng.randrange(len(SERVICES))]
            bay = bays[slot_index % len(bays)]
            advisor = advisors[slot_index % len(advisors)] if advisors else None
            start = wall_to_utc(day, dt.time(*map(int, hhmm.split(":"))), zone)
            if start is None:
                continue
            if start > now + dt.timedelta(minutes=5):
                status = "confirmed" if rng.random() < 0.7 else "draft"
                services.appointment_book(
                    org=org,
                    actor=actor,
                    customer_id=customer.pk,
                    vehicle_id=vehicle.pk,
                    bay_id=bay.pk,
                    advisor_id=advisor and advisor.pk,
                    starts_at=start,
                    duration_min=minutes,
                    requested_services=[service],
                    status=status,
                )
                continue
            appointment = _history(
                ctx, customer=customer, vehicle=vehicle, start=start, minutes=minutes,
                bay=bay, advisor=advisor, service=service,
            )  # fmt: skip
            roll = rng.random()
            if roll < 0.08:
                services.appointment_transition(
                    org=org, actor=actor, appointment=appointment, action="no_show"
                )
                continue
            if roll < 0.14:
                services.appointment_transition(
                    org=org, actor=actor, appointment=appointment, action="cancel",
                    reason="Customer called to cancel",
                )  # fmt: skip
                continue
            job, _ = services.appointment_convert_to_job(
                org=org, actor=actor, appointment=appointment
            )
            for line in list(job.lines.all()):  # priced lines instead of the requested ones
                services.job_line_remove(org=org, actor=actor, line=line)
            for kind, description, quantity, price in lines:
                services.job_line_add(
                    org=org,
                    actor=actor,
                    job=job,
                    data={
                        "kind": kind,
                        "description": description,
                        "quantity": quantity,
                        "unit_price": price,
                    },
                )
            if declined and rng.random() < 0.6:
                description, price, urgency = declined.pop(0)
                rec = services.recommendation_create(
                    org=org,
                    actor=actor,
                    job=job,
                    data={"description": description, "estimated_price": price, "urgency": urgency},
                )
                overdue = len(declined) % 2 == 0
                services.recommendation_decide(
                    org=org,
                    actor=actor,
                    recommendation=rec,
                    decision="decline",
                    due_date=day + dt.timedelta(days=1 if overdue else 30),
                )
            services.job_update(org=org, actor=actor, job=job, data={"status": "in_progress"})
            if day < today:
                services.job_update(org=org, actor=actor, job=job, data={"status": "completed"})
    # an online request waiting for confirmation
    for day in _business_days(ctx, today)[-2:]:
        start = wall_to_utc(day, dt.time(12, 0), zone)
        if start and start > now:
            customer, vehicle = contacts[-1]
            services.appointment_book(
                org=org, actor=actor, customer_id=customer.pk, vehicle_id=vehicle.pk,
                starts_at=start, duration_min=30, requested_services=["Tire rotation"],
                notes="Online request: prefers the morning if possible.", source="online",
            )  # fmt: skip
            break
