"""What scheduling adds to other domains' pages: the customer 360 sections
(appointments past and upcoming with the no-show count, open jobs, declined work), the
vehicle history sections (appointments, jobs) and the merge relations. Registered from
``SchedulingConfig.ready()``; each section is one or two indexed queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from frontdesk.customers import history, merge, overview
from frontdesk.customers.models import Customer, Vehicle
from frontdesk.scheduling import permissions as perm
from frontdesk.scheduling.choices import (
    ACTIVE_STATUSES,
    OPEN_JOB_STATUSES,
    AppointmentStatus,
    RecommendationStatus,
)
from frontdesk.scheduling.models import Appointment, Job, Recommendation
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


def customer_appointments(customer: Customer) -> dict[str, Any]:
    zone = org_zone(customer.organization)
    now = timezone.now()
    rows = Appointment.objects.filter(customer=customer).select_related("bay")
    upcoming = rows.filter(status__in=ACTIVE_STATUSES, starts_at__gte=now).order_by("starts_at")
    past = rows.filter(starts_at__lt=now).order_by("-starts_at")
    counts = rows.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(status=AppointmentStatus.COMPLETED)),
        no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
    )
    return {
        "upcoming": [_appointment_row(a, zone) for a in upcoming[:RECENT]],
        "past": [_appointment_row(a, zone) for a in past[:RECENT]],
        **counts,
    }


def customer_open_jobs(customer: Customer) -> list[dict[str, Any]]:
    zone = org_zone(customer.organization)
    jobs = (
        Job.objects.filter(customer=customer, status__in=OPEN_JOB_STATUSES)
        .prefetch_related("lines")
        .order_by("-created_at")
    )
    return [_job_row(job, zone) for job in jobs[:20]]


def customer_declined_work(customer: Customer) -> list[dict[str, Any]]:
    recs = Recommendation.objects.filter(
        customer=customer, status=RecommendationStatus.DECLINED
    ).order_by("due_date", "created_at")
    return [
        {
            "id": r.pk,
            "description": r.description,
            "estimated_price": r.estimated_price,
            "urgency": r.urgency,
            "follow_up_status": r.follow_up_status,
            "due_date": r.due_date,
            "vehicle_id": r.vehicle_id,
            "appointment_id": r.appointment_id,
        }
        for r in recs[:50]
    ]


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
