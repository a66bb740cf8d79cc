"""What scheduling adds to other domains' pages: the customer 360 sections
(appointments past and upcoming with the no-show count, open jobs, declined work), the
vehicle history sections (appointments, jobs) and the merge relations. Registered from
``SchedulingConfig.ready()``. The 360's sections read plain rows with queries compiled
once (``core.prepared``): one each (appointments: the counts, then the upcoming and past
ones only for a customer who has any; open jobs: the jobs, then their lines for the
totals)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Subquery
from django.utils import timezone

from frontdesk.core.prepared import Prepared
from frontdesk.customers import history, merge, overview
from frontdesk.customers.models import Customer, Vehicle
from frontdesk.scheduling import permissions as perm
from frontdesk.scheduling.choices import (
    ACTIVE_STATUSES,
    OPEN_JOB_STATUSES,
    AppointmentStatus,
    RecommendationStatus,
)
from frontdesk.scheduling.models import Appointment, Job, JobLine, Recommendation
from frontdesk.scheduling.selectors import job_totals
from frontdesk.scheduling.times import org_zone

RECENT = 5
HISTORY = 50


def _appointment_row(a: Appointment, zone) -> dict[str, Any]:
    return {
        "id": a.pk,
        "number": a.number,
        "status": a.status,
        "starts_at": a.starts_at.astimezone(zone),
        "ends_at": a.ends_at.astimezone(zone),
        "requested_services": a.requested_services,
        "vehicle_id": a.vehicle_id,
        "bay": a.bay.name if a.bay else None,
    }


def _job_row(job: Job, zone) -> dict[str, Any]:
    return {
        "id": job.pk,
        "number": job.number,
        "status": job.status,
        "concern": job.concern,
        "vehicle_id": job.vehicle_id,
        "total": job.total,
        "created_at": job.created_at.astimezone(zone),
        "completed_at": job.completed_at.astimezone(zone) if job.completed_at else None,
    }


_appointment_counts = Prepared(
    lambda p: (
        Appointment.objects.filter(customer_id=p.customer)
        .order_by()
        .values("customer_id")
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(status=AppointmentStatus.COMPLETED)),
            no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
        )
    ),
    customer="id",
)
APPOINTMENT_VALUES = (
    "id",
    "number",
    "status",
    "starts_at",
    "ends_at",
    "requested_services",
    "vehicle_id",
    "bay__name",
)
_upcoming_appointments = Prepared(
    lambda p: (
        Appointment.objects.filter(
            customer_id=p.customer, status__in=ACTIVE_STATUSES, starts_at__gte=p.now
        )
        .order_by("starts_at")
        .values(*APPOINTMENT_VALUES)[:RECENT]
    ),
    customer="id",
    now="datetime",
)
_past_appointments = Prepared(
    lambda p: (
        Appointment.objects.filter(customer_id=p.customer, starts_at__lt=p.now)
        .order_by("-starts_at")
        .values(*APPOINTMENT_VALUES)[:RECENT]
    ),
    customer="id",
    now="datetime",
)


def _appointment_dict(row: dict[str, Any], zone) -> dict[str, Any]:
    return {
        "id": row["id"],
        "number": row["number"],
        "status": row["status"],
        "starts_at": row["starts_at"].astimezone(zone),
        "ends_at": row["ends_at"].astimezone(zone),
        "requested_services": row["requested_services"],
        "vehicle_id": row["vehicle_id"],
        "bay": row["bay__name"],
    }


def customer_appointments(customer: Customer) -> dict[str, Any]:
    """The counts first (one query); a customer with no appointment needs no other."""
    counts = _appointment_counts(customer=customer.pk)
    counts = counts[0] if counts else {"total": 0, "completed": 0, "no_shows": 0}
    upcoming, past = [], []
    if counts["total"]:
        zone = org_zone(customer.organization)
        now = timezone.now()
        upcoming = _upcoming_appointments(customer=customer.pk, now=now)
        past = _past_appointments(customer=customer.pk, now=now)
        upcoming = [_appointment_dict(a, zone) for a in upcoming]
        past = [_appointment_dict(a, zone) for a in past]
    return {
        "upcoming": upcoming,
        "past": past,
        "total": counts["total"],
        "completed": counts["completed"],
        "no_shows": counts["no_shows"],
    }


def _open(customer):
    return Job.objects.filter(customer_id=customer, status__in=OPEN_JOB_STATUSES).order_by(
        "-created_at", "-id"
    )


OPEN_JOBS = 20
_open_jobs = Prepared(
    lambda p: _open(p.customer).values(
        "id", "number", "status", "concern", "vehicle_id", "created_at", "completed_at"
    )[:OPEN_JOBS],
    customer="id",
)
# the lines of those jobs, for their totals (``Job.total``: the sum of the lines' totals)
_open_job_lines = Prepared(
    lambda p: JobLine.objects.filter(
        job_id__in=Subquery(_open(p.customer).values("id")[:OPEN_JOBS])
    ).values("job_id", "quantity", "unit_price"),
    customer="id",
)


def customer_open_jobs(customer: Customer) -> list[dict[str, Any]]:
    rows = _open_jobs(customer=customer.pk)
    if not rows:
        return []
    zone = org_zone(customer.organization)
    totals = job_totals(_open_job_lines(customer=customer.pk))
    return [
        {
            "id": row["id"],
            "number": row["number"],
            "status": row["status"],
            "concern": row["concern"],
            "vehicle_id": row["vehicle_id"],
            "total": totals.get(row["id"], 0),
            "created_at": row["created_at"].astimezone(zone),
            "completed_at": row["completed_at"].astimezone(zone) if row["completed_at"] else None,
        }
        for row in rows
    ]


DECLINED_VALUES = (
    "id",
    "description",
    "estimated_price",
    "urgency",
    "follow_up_status",
    "due_date",
    "vehicle_id",
    "appointment_id",
)
_declined_work = Prepared(
    lambda p: (
        Recommendation.objects.filter(customer_id=p.customer, status=RecommendationStatus.DECLINED)
        .order_by("due_date", "created_at")
        .values(*DECLINED_VALUES)[:50]
    ),
    customer="id",
)


def customer_declined_work(customer: Customer) -> list[dict[str, Any]]:
    return _declined_work(customer=customer.pk)


def vehicle_appointments(vehicle: Vehicle) -> list[dict[str, Any]]:
    zone = org_zone(vehicle.organization)
    rows = Appointment.objects.filter(vehicle=vehicle).select_related("bay").order_by("-starts_at")
    return [_appointment_row(a, zone) for a in rows[:HISTORY]]


def vehicle_jobs(vehicle: Vehicle) -> list[dict[str, Any]]:
    zone = org_zone(vehicle.organization)
    jobs = Job.objects.filter(vehicle=vehicle).prefetch_related("lines").order_by("-created_at")
    return [_job_row(job, zone) for job in jobs[:HISTORY]]


def register() -> None:
    overview.register_section("appointments", customer_appointments, permission=perm.VIEW)
    overview.register_section("open_jobs", customer_open_jobs, permission=perm.VIEW)
    overview.register_section("declined_work", customer_declined_work, permission=perm.VIEW)
    history.register_section("appointments", vehicle_appointments, permission=perm.VIEW)
    history.register_section("jobs", vehicle_jobs, permission=perm.VIEW)
    merge.register_relation(Appointment, "customer", name="appointments")
    merge.register_relation(Job, "customer", name="jobs")
    merge.register_relation(Recommendation, "customer", name="recommendations")
