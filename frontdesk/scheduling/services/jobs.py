"""Jobs (work orders), their lines, and recommendations: approved into the job, or
declined into the follow-up pipeline ("who is overdue for what")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.core.refnums import reference_next
from frontdesk.core.services import model_update
from frontdesk.customers.normalize import clean_text
from frontdesk.events.services import event_emit
from frontdesk.organizations.models import Organization
from frontdesk.scheduling import events
from frontdesk.scheduling.choices import (
    OPEN_JOB_STATUSES,
    FollowUpStatus,
    JobLineKind,
    JobStatus,
    RecommendationStatus,
    Urgency,
)
from frontdesk.scheduling.models import Job, JobLine, Recommendation
from frontdesk.scheduling.services.appointments import (
    _advisor,
    _customer,
    _vehicle,
    clean_notes,
)
from frontdesk.scheduling.times import SchedulingSettings, local_today

MAX_PRICE = 10**12  # minor units: ten billion in a two-decimal currency
MAX_QUANTITY = Decimal("9999999.99")
J = JobStatus
JOB_TRANSITIONS: dict[str, tuple[str, ...]] = {
    J.OPEN: (J.IN_PROGRESS, J.CANCELLED),
    J.IN_PROGRESS: (J.COMPLETED, J.CANCELLED),
    J.COMPLETED: (J.INVOICED,),
    J.INVOICED: (),
    J.CANCELLED: (),
}


# --- money and input ---------------------------------------------------------------------
def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    try:
        text = clean_text(value, max_length=max_length)
    except ValueError as exc:
        raise ValidationFailed({field: str(exc)})
    if required and not text:
        raise ValidationFailed({field: "May not be empty."})
    return text


def _price(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRICE:
        raise ValidationFailed({field: "A whole amount in minor units (cents), 0 or more."})
    return value


def _quantity(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        value = str(value)  # 1.5 from JSON: read as written, not as a binary fraction
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({"quantity": "A number such as 1 or 1.5."})
    if (
        not quantity.is_finite()
        or quantity <= 0
        or quantity > MAX_QUANTITY
        or quantity != quantity.quantize(Decimal("0.01"))
    ):
        raise ValidationFailed({"quantity": "More than 0, at most two decimals."})
    return quantity


def _choice(value: Any, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed({field: f"One of: {', '.join(choices.values)}."})
    return value


def _lock_job(job: Job) -> Job:
    qs = Job.objects.filter(pk=job.pk)
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    return qs.get()


def _ensure_lines_editable(job: Job) -> None:
    if job.status not in OPEN_JOB_STATUSES:
        raise InvalidState(
            f"{job.number} is {job.get_status_display().lower()}: its lines no longer change."
        )


def _clean_line(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    unknown = set(data) - {"kind", "description", "quantity", "unit_price"}
    if unknown:
        raise ValidationFailed({name: "Unknown field." for name in sorted(unknown)})
    out: dict[str, Any] = {}
    if "kind" in data or not partial:
        out["kind"] = _choice(data.get("kind", JobLineKind.SERVICE), JobLineKind, "kind")
    if "description" in data or not partial:
        out["description"] = _text(data.get("description"), "description", 300, required=True)
    if "quantity" in data or not partial:
        out["quantity"] = _quantity(data.get("quantity", 1))
    if "unit_price" in data or not partial:
        out["unit_price"] = _price(data.get("unit_price", 0), "unit_price")
    return out


# --- jobs --------------------------------------------------------------------------------
def job_create(
    *,
    org: Organization,
    actor: Actor,
    customer_id,
    vehicle_id=None,
    advisor_id=None,
    concern: str = "",
    lines: list[dict[str, Any]] | None = None,
) -> Job:
    """Open a job (walk-in, or without an appointment). 404 for references outside the
    organization, 422 for a vehicle of another customer."""
    customer = _customer(customer_id)
    vehicle = _vehicle(vehicle_id, customer) if vehicle_id else None
    advisor = _advisor(advisor_id) if advisor_id else None
    if org.uses_vehicles and vehicle is None:
        raise ValidationFailed({"vehicle_id": "Choose the customer's vehicle."})
    concern = clean_notes(concern, "concern")
    cleaned = []
    for i, line in enumerate(lines or []):
        try:
            cleaned.append(_clean_line(line))
        except ValidationFailed as exc:
            raise ValidationFailed(
                [{"field": f"lines[{i}].{e['field']}", "message": e["message"]} for e in exc.errors]
            )
    with transaction.atomic():
        job = Job(
            organization_id=org.pk,
            number=reference_next(org=org, kind="job"),
            customer=customer,
            vehicle=vehicle,
            advisor=advisor,
            concern=concern,
        )
        job.save(force_insert=True)
        JobLine.objects.bulk_create(
            JobLine(organization_id=org.pk, job=job, position=i, **line)
            for i, line in enumerate(cleaned)
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=job,
            changes={
                "number": (None, job.number),
                "customer_id": (None, customer.pk),
                "vehicle_id": (None, vehicle and vehicle.pk),
                "advisor_id": (None, advisor and advisor.pk),
                "concern": (None, concern),
                "lines": (None, [line["description"] for line in cleaned]),
            },
        )
        event_emit(
            org=org,
            type=events.JOB_CREATED,
            actor=actor,
            payload={
                "id": job.pk,
                "number": job.number,
                "customer_id": customer.pk,
                "vehicle_id": job.vehicle_id,
                "appointment_id": None,
            },
        )
    return job


def job_update(*, org: Organization, actor: Actor, job: Job, data: dict[str, Any]) -> Job:
    """Change the concern, vehicle or advisor, and move the status along
    open → in_progress → completed → invoiced (or cancelled from open or in progress);
    any other move is 409. An invoiced or cancelled job no longer changes."""
    unknown = set(data) - {"concern", "vehicle_id", "advisor_id", "status"}
    if unknown:
        raise ValidationFailed({name: "Not editable." for name in sorted(unknown)})
    values: dict[str, Any] = {}
    if "concern" in data:
        values["concern"] = clean_notes(data["concern"], "concern")
    if "vehicle_id" in data:
        if data["vehicle_id"] is None and org.uses_vehicles:
            raise ValidationFailed({"vehicle_id": "Choose the customer's vehicle."})
        values["vehicle"] = (
            _vehicle(data["vehicle_id"], job.customer) if data["vehicle_id"] else None
        )
    if "advisor_id" in data:
        values["advisor"] = _advisor(data["advisor_id"]) if data["advisor_id"] else None
    status = _choice(data["status"], JobStatus, "status") if "status" in data else None
    with transaction.atomic():
        job = _lock_job(job)
        if job.status in (J.INVOICED, J.CANCELLED) and (
            values or (status is not None and status != job.status)
        ):
            raise InvalidState(f"{job.number} is {job.get_status_display().lower()}.")
        if status is not None and status != job.status:
            if status not in JOB_TRANSITIONS[job.status]:
                raise InvalidState(
                    f"{job.number} is {job.get_status_display().lower()}: it cannot become"
                    f" {JobStatus(status).label.lower()}.",
                    current_status=job.status,
                    allowed=list(JOB_TRANSITIONS[job.status]),
                )
            values["status"] = status
            if status == J.COMPLETED:
                values["completed_at"] = timezone.now()
        job, changes = model_update(instance=job, org=org, actor=actor, data=values)
        if changes.get("status", (None, None))[1] == J.COMPLETED:
            event_emit(
                org=org,
                type=events.JOB_COMPLETED,
                actor=actor,
                payload={
                    "id": job.pk,
                    "number": job.number,
                    "customer_id": job.customer_id,
                    "vehicle_id": job.vehicle_id,
                    "total": job.total,
                },
            )
    return job


def job_line_add(*, org: Organization, actor: Actor, job: Job, data: dict[str, Any]) -> JobLine:
    values = _clean_line(data)
    with transaction.atomic():
        job = _lock_job(job)
        _ensure_lines_editable(job)
        last = JobLine.objects.filter(job=job).aggregate(n=Max("position"))["n"]
        line = JobLine(
            organization_id=org.pk,
            job=job,
            position=0 if last is None else last + 1,
            **values,
        )
        line.save(force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=line,
            changes={k: (None, v) for k, v in values.items()},
            metadata={"job_id": str(job.pk), "job_number": job.number},
        )
    return line


def job_line_update(
    *, org: Organization, actor: Actor, line: JobLine, data: dict[str, Any]
) -> JobLine:
    values = _clean_line(data, partial=True)
    with transaction.atomic():
        _ensure_lines_editable(_lock_job(line.job))
        line, _ = model_update(instance=line, org=org, actor=actor, data=values)
    return line


def job_line_remove(*, org: Organization, actor: Actor, line: JobLine) -> None:
    with transaction.atomic():
        job = _lock_job(line.job)
        _ensure_lines_editable(job)
        Recommendation.objects.filter(job_line=line).update(job_line=None)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.DELETE,
            obj=line,
            changes={
                "description": (line.description, None),
                "quantity": (line.quantity, None),
                "unit_price": (line.unit_price, None),
            },
            metadata={"job_id": str(job.pk), "job_number": job.number},
        )
        line.delete()


# --- recommendations ---------------------------------------------------------------------
def recommendation_create(
    *, org: Organization, actor: Actor, job: Job, data: dict[str, Any]
) -> Recommendation:
    """Record work found on ``job`` (proposed), for its customer and vehicle."""
    unknown = set(data) - {"description", "estimated_price", "urgency", "due_date"}
    if unknown:
        raise ValidationFailed({name: "Unknown field." for name in sorted(unknown)})
    values = {
        "description": _text(data.get("description"), "description", 300, required=True),
        "estimated_price": _price(data.get("estimated_price", 0), "estimated_price"),
        "urgency": _choice(data.get("urgency", Urgency.MEDIUM), Urgency, "urgency"),
        "due_date": data.get("due_date"),
    }
    with transaction.atomic():
        job = _lock_job(job)
        if job.status == J.CANCELLED:
            raise InvalidState(f"{job.number} is cancelled.")
        rec = Recommendation(
            organization_id=org.pk,
            job=job,
            customer_id=job.customer_id,
            vehicle_id=job.vehicle_id,
            **values,
        )
        rec.save(force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=rec,
            changes={k: (None, v) for k, v in values.items()},
            metadata={"job_id": str(job.pk), "job_number": job.number},
        )
    return rec


def _lock_recommendation(rec: Recommendation) -> Recommendation:
    qs = Recommendation.objects.filter(pk=rec.pk)
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    return qs.select_related("job").get()


def recommendation_decide(
    *,
    org: Organization,
    actor: Actor,
    recommendation: Recommendation,
    decision: str,
    due_date: dt.date | None = None,
) -> Recommendation:
    """Approve (the work is added to the job as a service line while the job is open) or
    decline (it joins the follow-up pipeline, due ``due_date`` or after the
    organization's ``declined_follow_up_days``). Only a proposed recommendation is
    decided; anything else is 409."""
    if decision not in ("approve", "decline"):
        raise ValidationFailed({"decision": "approve or decline."})
    with transaction.atomic():
        rec = _lock_recommendation(recommendation)
        if rec.status != RecommendationStatus.PROPOSED:
            raise InvalidState(
                f"This recommendation was {rec.status} already.", current_status=rec.status
            )
        now = timezone.now()
        values: dict[str, Any] = {"decided_at": now}
        if decision == "approve":
            values["status"] = RecommendationStatus.APPROVED
            if rec.job.status in OPEN_JOB_STATUSES:
                last = JobLine.objects.filter(job=rec.job).aggregate(n=Max("position"))["n"]
                line = JobLine(
                    organization_id=org.pk,
                    job=rec.job,
                    kind=JobLineKind.SERVICE,
                    description=rec.description,
                    unit_price=rec.estimated_price,
                    position=0 if last is None else last + 1,
                )
                line.save(force_insert=True)
                values["job_line"] = line
        else:
            days = SchedulingSettings.of(org).declined_follow_up_days
            values["status"] = RecommendationStatus.DECLINED
            values["follow_up_status"] = FollowUpStatus.OPEN
            values["due_date"] = (
                due_date or rec.due_date or local_today(org, now) + dt.timedelta(days=days)
            )
        rec, _ = model_update(instance=rec, org=org, actor=actor, data=values)
    return rec


def recommendation_update(
    *, org: Organization, actor: Actor, recommendation: Recommendation, data: dict[str, Any]
) -> Recommendation:
    """While proposed: description, estimated price, urgency. Once declined: the follow-up
    status and due date. Other combinations are 409."""
    unknown = set(data) - {
        "description",
        "estimated_price",
        "urgency",
        "follow_up_status",
        "due_date",
    }
    if unknown:
        raise ValidationFailed({name: "Not editable." for name in sorted(unknown)})
    values: dict[str, Any] = {}
    if "description" in data:
        values["description"] = _text(data["description"], "description", 300, required=True)
    if "estimated_price" in data:
        values["estimated_price"] = _price(data["estimated_price"], "estimated_price")
    if "urgency" in data:
        values["urgency"] = _choice(data["urgency"], Urgency, "urgency")
    if "follow_up_status" in data:
        values["follow_up_status"] = _choice(
            data["follow_up_status"], FollowUpStatus, "follow_up_status"
        )
    if "due_date" in data:
        values["due_date"] = data["due_date"]
    with transaction.atomic():
        rec = _lock_recommendation(recommendation)
        if values.get("due_date", True) is None and rec.status == RecommendationStatus.DECLINED:
            raise ValidationFailed({"due_date": "Declined work keeps a follow-up date."})
        proposal = {"description", "estimated_price", "urgency"} & set(values)
        follow_up = {"follow_up_status", "due_date"} & set(values)
        if proposal and rec.status != RecommendationStatus.PROPOSED:
            raise InvalidState(f"This recommendation was {rec.status}; its terms stay.")
        if follow_up and rec.status != RecommendationStatus.DECLINED:
            raise InvalidState("Only declined work has a follow-up.")
        rec, _ = model_update(instance=rec, org=org, actor=actor, data=values)
    return rec
