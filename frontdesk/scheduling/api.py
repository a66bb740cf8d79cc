"""``/api/crm`` bays, closures, appointments, availability, the calendar, jobs and
declined work: thin endpoints over selectors and services. Path ids are looked up in the
caller's organization (404 otherwise) before anything else happens."""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from frontdesk.core.api import (
    ListParams,
    Page,
    api_permission,
    error_responses,
    paginate,
)
from frontdesk.core.lookups import get_or_404
from frontdesk.customers.models import Customer
from frontdesk.scheduling import permissions as perm
from frontdesk.scheduling import selectors, services
from frontdesk.scheduling.models import Appointment, Bay, Closure, JobLine, Recommendation
from frontdesk.scheduling.schemas import (
    AppointmentIn,
    AppointmentOut,
    AppointmentPatch,
    AvailabilityOut,
    BayIn,
    BayOut,
    BayPatch,
    CalendarOut,
    CancelIn,
    ClosureIn,
    ClosureOut,
    ClosurePatch,
    DeclineIn,
    JobIn,
    JobLineIn,
    JobLineOut,
    JobLinePatch,
    JobListItem,
    JobOut,
    JobPatch,
    RecommendationBookIn,
    RecommendationIn,
    RecommendationOut,
    RecommendationPatch,
    SchedulingSettingsOut,
    SchedulingSettingsPatch,
)
from frontdesk.scheduling.times import SchedulingSettings, local_today

router = Router(tags=["scheduling"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)


def _json(data) -> HttpResponse:
    """Hot paths answer their JSON directly (the schema documents it; skipping pydantic
    validation of hundreds of rows keeps them fast)."""
    return HttpResponse(json.dumps(data, cls=DjangoJSONEncoder), content_type="application/json")


def _appointment(appointment_id: UUID) -> Appointment:
    return get_or_404(selectors.appointment_qs(), appointment_id)


def _fresh(appointment: Appointment) -> Appointment:
    return selectors.appointment_qs().get(pk=appointment.pk)


def _job(job_id: UUID):
    return selectors.job_get(id=job_id)


def _recommendation(recommendation_id: UUID) -> Recommendation:
    return get_or_404(selectors.recommendation_qs(), recommendation_id)


# --- bays --------------------------------------------------------------------------------
@router.get("/bays", auth=api_permission(perm.VIEW), response={200: Page[BayOut], **READ})
def bay_list(request: HttpRequest, params: Query[ListParams], active: bool | None = None):
    """Bays, lifts, chairs and rooms: the bookable resources, in calendar order."""
    qs = selectors.bay_list(active=active)
    return paginate(
        qs, params=params, orders={"position": "position", "name": "name"}, default="position"
    )


@router.post("/bays", auth=api_permission(perm.RESOURCES), response={201: BayOut, **WRITE})
def bay_create(request: HttpRequest, payload: BayIn):
    """Add a bookable resource; 409 if the name is taken."""
    bay = services.bay_create(org=request.org, actor=request.auth, data=payload.model_dump())
    return Status(201, bay)


@router.patch(
    "/bays/{bay_id}", auth=api_permission(perm.RESOURCES), response={200: BayOut, **WRITE}
)
def bay_patch(request: HttpRequest, bay_id: UUID, payload: BayPatch):
    """Rename, reorder or take out of use (``active: false``): booked appointments stay,
    new bookings cannot use it."""
    bay = get_or_404(Bay, bay_id)
    return services.bay_update(
        org=request.org, actor=request.auth, bay=bay, data=payload.model_dump(exclude_unset=True)
    )


# --- closures ----------------------------------------------------------------------------
@router.get("/closures", auth=api_permission(perm.VIEW), response={200: Page[ClosureOut], **READ})
def closure_list(request: HttpRequest, params: Query[ListParams], upcoming: bool = False):
    """Days the business is closed; ``upcoming=true`` leaves out the past ones."""
    today = local_today(request.org, timezone.now()) if upcoming else None
    qs = selectors.closure_list(upcoming_from=today)
    return paginate(qs, params=params, orders={"start_date": "start_date"}, default="start_date")


@router.post("/closures", auth=api_permission(perm.RESOURCES), response={201: ClosureOut, **WRITE})
def closure_create(request: HttpRequest, payload: ClosureIn):
    """Close whole days (local dates, inclusive). ``booked`` counts the active
    appointments already on them, which stay until moved."""
    closure = services.closure_create(
        org=request.org, actor=request.auth, data=payload.model_dump()
    )
    return Status(201, closure)


@router.get(
    "/closures/{closure_id}", auth=api_permission(perm.VIEW), response={200: ClosureOut, **READ}
)
def closure_get(request: HttpRequest, closure_id: UUID):
    """One closure."""
    return get_or_404(Closure, closure_id)


@router.patch(
    "/closures/{closure_id}",
    auth=api_permission(perm.RESOURCES),
    response={200: ClosureOut, **WRITE},
)
def closure_patch(request: HttpRequest, closure_id: UUID, payload: ClosurePatch):
    """Change a closure's days or reason."""
    closure = get_or_404(Closure, closure_id)
    return services.closure_update(
        org=request.org,
        actor=request.auth,
        closure=closure,
        data=payload.model_dump(exclude_unset=True),
    )


@router.delete(
    "/closures/{closure_id}", auth=api_permission(perm.RESOURCES), response={204: None, **WRITE}
)
def closure_delete(request: HttpRequest, closure_id: UUID):
    """Reopen the days of a closure."""
    closure = get_or_404(Closure, closure_id)
    services.closure_delete(org=request.org, actor=request.auth, closure=closure)
    return Status(204, None)


# --- settings ----------------------------------------------------------------------------
@router.get(
    "/scheduling/settings",
    auth=api_permission(perm.VIEW),
    response={200: SchedulingSettingsOut, **READ},
)
def scheduling_settings_get(request: HttpRequest):
    """Slot grid, buffer, default duration, reminder lead time, follow-up and online
    booking windows (business hours are the organization's)."""
    return SchedulingSettings.of(request.org).as_dict()


@router.patch(
    "/scheduling/settings",
    auth=api_permission(perm.RESOURCES),
    response={200: SchedulingSettingsOut, **WRITE},
)
def scheduling_settings_patch(request: HttpRequest, payload: SchedulingSettingsPatch):
    """Change some scheduling settings; the others keep their values."""
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return services.scheduling_settings_update(
        org=request.org, actor=request.auth, data=data
    ).as_dict()


# --- appointments ------------------------------------------------------------------------
@router.get(
    "/appointments",
    auth=api_permission(perm.VIEW),
    response={200: Page[AppointmentOut], **READ},
)
def appointment_list(
    request: HttpRequest,
    params: Query[ListParams],
    from_date: dt.date | None = Query(None, alias="from", description="local date"),  # noqa: B008
    to_date: dt.date | None = Query(None, alias="to", description="local date, inclusive"),  # noqa: B008
    status: str | None = Query(None, description="comma-separated statuses"),
    customer_id: UUID | None = None,
    vehicle_id: UUID | None = None,
    bay_id: UUID | None = None,
    advisor_id: UUID | None = None,
):
    """Appointments by start time, filtered by local dates, status, customer, vehicle,
    bay or advisor."""
    qs = selectors.appointment_list(
        org=request.org,
        filters={
            "from_date": from_date,
            "to_date": to_date,
            "status": status,
            "customer_id": customer_id,
            "vehicle_id": vehicle_id,
            "bay_id": bay_id,
            "advisor_id": advisor_id,
        },
    )
    return paginate(qs, params=params, orders=selectors.APPOINTMENT_ORDERS, default="starts_at")


@router.post(
    "/appointments",
    auth=api_permission(perm.MANAGE),
    response={201: AppointmentOut, **WRITE},
)
def appointment_create(request: HttpRequest, payload: AppointmentIn):
    """Book an appointment (draft, or ``status: confirmed``). The bay and the advisor
    must be free: an overlap with an active appointment on either is 409 naming it
    (adjacent ones are fine). Past times, times outside business hours or on a closure
    day, and an end before the start are 422."""
    appointment = services.appointment_book(
        org=request.org, actor=request.auth, **payload.model_dump()
    )
    return Status(201, _fresh(appointment))


@router.get(
    "/appointments/availability",
    auth=api_permission(perm.VIEW),
    response={200: AvailabilityOut, **READ},
)
def appointment_availability(
    request: HttpRequest,
    date: dt.date | None = Query(None, description="local date; default today"),  # noqa: B008
    duration_min: int | None = Query(None, ge=5, le=1440, description="default: the setting"),
    bay_id: UUID | None = None,
    advisor_id: UUID | None = None,
):
    """Free slots of one day: within business hours, not past, not on a closure day,
    with a bay and an advisor free for the whole duration (and the buffer). A taken slot
    is never offered."""
    day = date or local_today(request.org, timezone.now())
    result = selectors.availability(
        org=request.org, day=day, duration_min=duration_min, bay_id=bay_id, advisor_id=advisor_id
    )
    return _json(result)


@router.get(
    "/appointments/calendar",
    auth=api_permission(perm.VIEW),
    response={200: CalendarOut, **READ},
)
def appointment_calendar(
    request: HttpRequest,
    from_date: dt.date | None = Query(None, alias="from", description="local date; default today"),  # noqa: B008
    to_date: dt.date | None = Query(  # noqa: B008
        None, alias="to", description="local date, inclusive; default from + 6 days"
    ),
    by: Literal["day", "bay", "advisor"] = "day",
    include_cancelled: bool = False,
):
    """The calendar's data: appointments of up to 31 days in columns per day, per bay or
    per advisor (plus "Unassigned")."""
    start = from_date or local_today(request.org, timezone.now())
    end = to_date or start + dt.timedelta(days=6)
    data = selectors.calendar(
        org=request.org, start=start, end=end, by=by, include_cancelled=include_cancelled
    )
    return _json(data)


@router.get(
    "/appointments/{appointment_id}",
    auth=api_permission(perm.VIEW),
    response={200: AppointmentOut, **READ},
)
def appointment_get(request: HttpRequest, appointment_id: UUID):
    """One appointment."""
    return _appointment(appointment_id)


@router.patch(
    "/appointments/{appointment_id}",
    auth=api_permission(perm.MANAGE),
    response={200: AppointmentOut, **WRITE},
)
def appointment_patch(request: HttpRequest, appointment_id: UUID, payload: AppointmentPatch):
    """Reschedule, move to another bay or advisor, or change the vehicle, services or
    notes of a draft or confirmed appointment. A taken slot is 409 and nothing changes."""
    appointment = services.appointment_update(
        org=request.org,
        actor=request.auth,
        appointment=_appointment(appointment_id),
        data=payload.model_dump(exclude_unset=True),
    )
    return _fresh(appointment)


def _transition(request: HttpRequest, appointment_id: UUID, action: str, reason: str = ""):
    appointment = services.appointment_transition(
        org=request.org,
        actor=request.auth,
        appointment=_appointment(appointment_id),
        action=action,
        reason=reason,
    )
    return _fresh(appointment)


@router.post(
    "/appointments/{appointment_id}/confirm",
    auth=api_permission(perm.MANAGE),
    response={200: AppointmentOut, **WRITE},
)
def appointment_confirm(request: HttpRequest, appointment_id: UUID):
    """draft → confirmed (its reminder is then scheduled); otherwise 409."""
    return _transition(request, appointment_id, "confirm")


@router.post(
    "/appointments/{appointment_id}/complete",
    auth=api_permission(perm.MANAGE),
    response={200: AppointmentOut, **WRITE},
)
def appointment_complete(request: HttpRequest, appointment_id: UUID):
    """confirmed → completed (counted as a visit of the customer); otherwise 409."""
    return _transition(request, appointment_id, "complete")


@router.post(
    "/appointments/{appointment_id}/cancel",
    auth=api_permission(perm.MANAGE),
    response={200: AppointmentOut, **WRITE},
)
def appointment_cancel(request: HttpRequest, appointment_id: UUID, payload: CancelIn):
    """draft or confirmed → cancelled, with an optional reason; frees the slot."""
    return _transition(request, appointment_id, "cancel", payload.reason)


@router.post(
    "/appointments/{appointment_id}/no-show",
    auth=api_permission(perm.MANAGE),
    response={200: AppointmentOut, **WRITE},
)
def appointment_no_show(request: HttpRequest, appointment_id: UUID):
    """confirmed → no_show, once its start time has passed; otherwise 409."""
    return _transition(request, appointment_id, "no_show")


@router.post(
    "/appointments/{appointment_id}/convert-to-job",
    auth=api_permission(perm.MANAGE),
    response={200: JobOut, 201: JobOut, **WRITE},
)
def appointment_convert_to_job(request: HttpRequest, appointment_id: UUID):
    """Open a job from a confirmed appointment (customer, vehicle, concern and one line
    per requested service) and complete the appointment, in one transaction. 201 with
    the new job; a repeat answers 200 with the same job. Draft or cancelled: 409."""
    job, created = services.appointment_convert_to_job(
        org=request.org, actor=request.auth, appointment=_appointment(appointment_id)
    )
    return Status(201 if created else 200, _job(job.pk))


# --- jobs --------------------------------------------------------------------------------
@router.get("/jobs", auth=api_permission(perm.VIEW), response={200: Page[JobListItem], **READ})
def job_list(
    request: HttpRequest,
    params: Query[ListParams],
    status: str | None = Query(None, description="comma-separated statuses"),
    customer_id: UUID | None = None,
    vehicle_id: UUID | None = None,
):
    """Jobs, newest first, by status, customer or vehicle."""
    qs = selectors.job_list(
        filters={"status": status, "customer_id": customer_id, "vehicle_id": vehicle_id}
    )
    return paginate(qs, params=params, orders=selectors.JOB_ORDERS, default="-created_at")


@router.post("/jobs", auth=api_permission(perm.MANAGE), response={201: JobOut, **WRITE})
def job_create(request: HttpRequest, payload: JobIn):
    """Open a job without an appointment (a walk-in), with lines if known."""
    data = payload.model_dump()
    job = services.job_create(org=request.org, actor=request.auth, **data)
    return Status(201, _job(job.pk))


@router.get("/jobs/{job_id}", auth=api_permission(perm.VIEW), response={200: JobOut, **READ})
def job_get(request: HttpRequest, job_id: UUID):
    """One job with its lines, total and recommendations."""
    return _job(job_id)


@router.patch("/jobs/{job_id}", auth=api_permission(perm.MANAGE), response={200: JobOut, **WRITE})
def job_patch(request: HttpRequest, job_id: UUID, payload: JobPatch):
    """Change the concern, vehicle or advisor; move the status open → in_progress →
    completed → invoiced (or cancelled while open or in progress). Other moves: 409."""
    job = services.job_update(
        org=request.org,
        actor=request.auth,
        job=_job(job_id),
        data=payload.model_dump(exclude_unset=True),
    )
    return _job(job.pk)


def _line(job_id: UUID, line_id: UUID) -> JobLine:
    job = _job(job_id)
    return get_or_404(JobLine.objects.filter(job=job).select_related("job"), line_id)


@router.post(
    "/jobs/{job_id}/lines", auth=api_permission(perm.MANAGE), response={201: JobLineOut, **WRITE}
)
def job_line_add(request: HttpRequest, job_id: UUID, payload: JobLineIn):
    """Add a service or part line (unit price in minor units) to an open job."""
    line = services.job_line_add(
        org=request.org, actor=request.auth, job=_job(job_id), data=payload.model_dump()
    )
    return Status(201, line)


@router.patch(
    "/jobs/{job_id}/lines/{line_id}",
    auth=api_permission(perm.MANAGE),
    response={200: JobLineOut, **WRITE},
)
def job_line_patch(request: HttpRequest, job_id: UUID, line_id: UUID, payload: JobLinePatch):
    """Change a line of an open job."""
    return services.job_line_update(
        org=request.org,
        actor=request.auth,
        line=_line(job_id, line_id),
        data={k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None},
    )


@router.delete(
    "/jobs/{job_id}/lines/{line_id}",
    auth=api_permission(perm.MANAGE),
    response={204: None, **WRITE},
)
def job_line_delete(request: HttpRequest, job_id: UUID, line_id: UUID):
    """Remove a line from an open job."""
    services.job_line_remove(org=request.org, actor=request.auth, line=_line(job_id, line_id))
    return Status(204, None)


# --- recommendations and declined work ---------------------------------------------------
@router.post(
    "/jobs/{job_id}/recommendations",
    auth=api_permission(perm.MANAGE),
    response={201: RecommendationOut, **WRITE},
)
def recommendation_create(request: HttpRequest, job_id: UUID, payload: RecommendationIn):
    """Record work found on the job (an inspection): proposed, to approve or decline."""
    rec = services.recommendation_create(
        org=request.org, actor=request.auth, job=_job(job_id), data=payload.model_dump()
    )
    return Status(201, _recommendation(rec.pk))


@router.get(
    "/recommendations/{recommendation_id}",
    auth=api_permission(perm.VIEW),
    response={200: RecommendationOut, **READ},
)
def recommendation_get(request: HttpRequest, recommendation_id: UUID):
    """One recommendation."""
    return _recommendation(recommendation_id)


@router.patch(
    "/recommendations/{recommendation_id}",
    auth=api_permission(perm.MANAGE),
    response={200: RecommendationOut, **WRITE},
)
def recommendation_patch(
    request: HttpRequest, recommendation_id: UUID, payload: RecommendationPatch
):
    """While proposed: its terms. Once declined: the follow-up status (open, contacted,
    scheduled, done, dismissed) and due date."""
    rec = services.recommendation_update(
        org=request.org,
        actor=request.auth,
        recommendation=_recommendation(recommendation_id),
        data=payload.model_dump(exclude_unset=True),
    )
    return _recommendation(rec.pk)


@router.post(
    "/recommendations/{recommendation_id}/approve",
    auth=api_permission(perm.MANAGE),
    response={200: RecommendationOut, **WRITE},
)
def recommendation_approve(request: HttpRequest, recommendation_id: UUID):
    """proposed → approved; the work becomes a service line of the job while it is open."""
    rec = services.recommendation_decide(
        org=request.org,
        actor=request.auth,
        recommendation=_recommendation(recommendation_id),
        decision="approve",
    )
    return _recommendation(rec.pk)


@router.post(
    "/recommendations/{recommendation_id}/decline",
    auth=api_permission(perm.MANAGE),
    response={200: RecommendationOut, **WRITE},
)
def recommendation_decline(request: HttpRequest, recommendation_id: UUID, payload: DeclineIn):
    """proposed → declined: it stays on the customer as declined work to follow up,
    due ``due_date`` (default: after the organization's follow-up days)."""
    rec = services.recommendation_decide(
        org=request.org,
        actor=request.auth,
        recommendation=_recommendation(recommendation_id),
        decision="decline",
        due_date=payload.due_date,
    )
    return _recommendation(rec.pk)


@router.post(
    "/recommendations/{recommendation_id}/book",
    auth=api_permission(perm.MANAGE),
    response={201: AppointmentOut, **WRITE},
)
def recommendation_book(
    request: HttpRequest, recommendation_id: UUID, payload: RecommendationBookIn
):
    """Book declined work into an appointment for its customer and vehicle (checked like
    any booking); its follow-up becomes ``scheduled``."""
    appointment = services.recommendation_book(
        org=request.org,
        actor=request.auth,
        recommendation=_recommendation(recommendation_id),
        **payload.model_dump(),
    )
    return Status(201, _fresh(appointment))


@router.get(
    "/customers/{customer_id}/declined-work",
    auth=api_permission(perm.VIEW),
    response={200: Page[RecommendationOut], **READ},
)
def customer_declined_work(request: HttpRequest, customer_id: UUID, params: Query[ListParams]):
    """Everything the customer declined, across visits, with its follow-up status."""
    customer = get_or_404(Customer, customer_id)
    qs = selectors.declined_work_list(org=request.org, customer_id=customer.pk)
    return paginate(qs, params=params, orders=selectors.DECLINED_ORDERS, default="-created_at")


@router.get(
    "/declined-work",
    auth=api_permission(perm.VIEW),
    response={200: Page[RecommendationOut], **READ},
)
def declined_work(
    request: HttpRequest,
    params: Query[ListParams],
    overdue: bool | None = Query(None, description="true: still to chase and past due"),
    follow_up_status: str | None = Query(
        None, description="comma-separated; default open,contacted"
    ),
):
    """The upsell pipeline: declined work still to follow up, soonest due first —
    ``overdue=true`` is who is overdue for what."""
    qs = selectors.declined_work_list(
        org=request.org, overdue=overdue, follow_up_status=follow_up_status
    )
    return paginate(qs, params=params, orders=selectors.DECLINED_ORDERS, default="due_date")
