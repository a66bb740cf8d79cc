"""Pages: the calendar (day and week, per bay or advisor), booking, the appointment and
job pages, declined work, bays and closures. Forms validate, services write; a
DomainError from a service is shown next to the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontdesk.core.api import ListParams
from frontdesk.core.errors import DomainError
from frontdesk.core.lookups import get_or_404
from frontdesk.core.pages import page_permission
from frontdesk.customers.models import Customer, CustomerVehicle
from frontdesk.customers.selectors import customer_list, customer_page
from frontdesk.scheduling import permissions as perm
from frontdesk.scheduling import selectors, services
from frontdesk.scheduling.calendar_grid import day_grid, week_grid
from frontdesk.scheduling.choices import (
    FollowUpStatus,
    JobStatus,
    RecommendationStatus,
)
from frontdesk.scheduling.forms import (
    BayForm,
    BookingForm,
    CancelForm,
    ClosureForm,
    FollowUpForm,
    JobLineForm,
    RecommendationForm,
    RescheduleForm,
    SettingsForm,
    with_offset,
)
from frontdesk.scheduling.models import Appointment, Bay, Closure, JobLine, Recommendation
from frontdesk.scheduling.services.jobs import JOB_TRANSITIONS
from frontdesk.scheduling.times import SchedulingSettings, local_today, org_zone

CUSTOMER_CHOICES = 50


def _form_error(form, exc: DomainError) -> None:
    errors = getattr(exc, "errors", None) or [
        {"field": exc.extra.get("field"), "message": exc.detail}
    ]
    aliases = {"bay_id": "bay", "advisor_id": "advisor", "vehicle_id": "vehicle",
               "customer_id": "customer", "ends_at": "duration_min"}  # fmt: skip
    for error in errors:
        name = aliases.get(error["field"], error["field"])
        form.add_error(name if name in form.fields else None, error["message"])


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _advisor_choices() -> list[tuple[str, str]]:
    return [(str(m.pk), selectors.advisor_name(m)) for m in selectors.advisor_list()]


def _minor(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


# --- the calendar ------------------------------------------------------------------------
@page_permission(perm.VIEW)
def calendar_page(request: HttpRequest) -> HttpResponse:
    org = request.org
    now = timezone.now()
    today = local_today(org, now)
    day = _date(request.GET.get("date"), today)
    view = "week" if request.GET.get("view") == "week" else "day"
    by = "advisor" if request.GET.get("by") == "advisor" else "bay"
    step = dt.timedelta(days=7 if view == "week" else 1)
    context = {
        "day": day,
        "today": today,
        "view": view,
        "by": by,
        "previous": day - step,
        "next": day + step,
        "can_manage": request.actor.has(perm.MANAGE),
        "time_zone": org.time_zone,
    }
    if view == "week":
        context["week"] = week_grid(org=org, day=day, by=by)
    else:
        context["grid"] = day_grid(org=org, day=day, by=by, now=now)
    template = "scheduling/calendar.html"
    if request.htmx and request.htmx.target == "fd-calendar":
        template = "scheduling/partials/_calendar.html"
    return render(request, template, context)


# --- booking -----------------------------------------------------------------------------
@page_permission(perm.MANAGE)
def customer_search(request: HttpRequest) -> HttpResponse:
    """htmx: the customer choices matching ``q`` (the booking form's search box)."""
    return render(
        request,
        "scheduling/partials/_customer_options.html",
        {"customers": _customers(request, request.GET.get("q", ""))},
    )


def _customers(request: HttpRequest, q: str) -> list[tuple[str, str]]:
    qs = customer_list(org=request.org, filters={})
    page = customer_page(
        qs, params=ListParams(limit=CUSTOMER_CHOICES, order="-updated_at"), q=q or None
    )
    return [(str(c.pk), f"{c.display_name} · {c.number}") for c in page["items"]]


@page_permission(perm.MANAGE)
def customer_vehicles(request: HttpRequest) -> HttpResponse:
    """htmx: the chosen customer's vehicles (the booking form's vehicle choices)."""
    return render(
        request,
        "scheduling/partials/_vehicle_options.html",
        {"vehicles": _vehicles(request.GET.get("customer"))},
    )


def _vehicles(customer_id: str | None) -> list[tuple[str, str]]:
    if not customer_id:
        return []
    try:
        customer = get_or_404(Customer, customer_id)
    except DomainError:
        return []
    links = CustomerVehicle.objects.filter(customer=customer, status="active").select_related(
        "vehicle"
    )
    return [
        (
            str(link.vehicle_id),
            str(link.vehicle) + (f" ({link.vehicle.plate})" if link.vehicle.plate else ""),
        )
        for link in links
    ]


@page_permission(perm.MANAGE)
def book(request: HttpRequest) -> HttpResponse:
    """Book from a free slot (``?starts_at=…&bay=…``) or from declined work
    (``?recommendation=…``): the form, and its POST."""
    org = request.org
    settings = SchedulingSettings.of(org)
    source = request.POST if request.method == "POST" else request.GET
    rec = None
    if source.get("recommendation"):
        rec = get_or_404(selectors.recommendation_qs(), source["recommendation"])
    customer_id = str(rec.customer_id) if rec else source.get("customer", "")
    customers = _customers(request, "")
    if customer_id and customer_id not in {c for c, _ in customers}:
        customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
        if customer:
            customers.insert(0, (str(customer.pk), f"{customer.display_name} · {customer.number}"))
    initial = {
        "duration_min": settings.default_duration_minutes,
        "confirm": True,
        "customer": customer_id,
        "vehicle": str(rec.vehicle_id) if rec and rec.vehicle_id else "",
        "services": rec.description if rec else "",
        "recommendation": str(rec.pk) if rec else "",
        "bay": source.get("bay", ""),
        "advisor": source.get("advisor", ""),
    }
    slot = source.get("slot")
    if slot:
        try:
            start = dt.datetime.fromisoformat(slot).astimezone(org_zone(org))
            initial["starts_at"] = start.strftime("%Y-%m-%dT%H:%M")
            initial["offset"] = start.strftime("%z")[:3] + ":" + start.strftime("%z")[3:]
        except ValueError:
            pass
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        bays=selectors.bay_list(active=True),
        advisors=_advisor_choices(),
        customers=customers,
        vehicles=_vehicles(customer_id),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        when = with_offset(data["starts_at"], data["offset"], org_zone(org))
        common = {
            "starts_at": when,
            "duration_min": data["duration_min"],
            "bay_id": data["bay"] or None,
            "advisor_id": data["advisor"] or None,
            "notes": data["notes"],
            "status": "confirmed" if data["confirm"] else "draft",
        }
        try:
            if rec:
                appointment = services.recommendation_book(
                    org=org, actor=request.actor, recommendation=rec, **common
                )
            else:
                appointment = services.appointment_book(
                    org=org,
                    actor=request.actor,
                    customer_id=data["customer"],
                    vehicle_id=data["vehicle"] or None,
                    requested_services=[s for s in data["services"].split(",") if s.strip()],
                    **common,
                )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{appointment.number} booked.")
            url = reverse("scheduling:appointment", args=[appointment.pk])
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    template = "scheduling/partials/_book_form.html" if request.htmx else "scheduling/book.html"
    return render(request, template, {"form": form, "recommendation": rec})


# --- an appointment ----------------------------------------------------------------------
def _appointment(pk) -> Appointment:
    return get_or_404(selectors.appointment_qs(), pk)


def _reschedule_form(appointment: Appointment, data=None) -> RescheduleForm:
    zone = org_zone(appointment.organization)
    start = appointment.starts_at.astimezone(zone)
    return RescheduleForm(
        data,
        initial={
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "offset": start.strftime("%z")[:3] + ":" + start.strftime("%z")[3:],
            "duration_min": int(
                (appointment.ends_at - appointment.starts_at).total_seconds() // 60
            ),
            "bay": str(appointment.bay_id or ""),
            "advisor": str(appointment.advisor_id or ""),
        },
        bays=selectors.bay_list(),
        advisors=_advisor_choices(),
    )


@page_permission(perm.VIEW)
def appointment_page(request: HttpRequest, pk) -> HttpResponse:
    appointment = _appointment(pk)
    return _appointment_render(request, appointment)


def _appointment_render(request, appointment, reschedule=None, status=200) -> HttpResponse:
    job = getattr(appointment, "job", None)
    return render(
        request,
        "scheduling/appointment.html",
        {
            "a": appointment,
            "job": job,
            "can_manage": request.actor.has(perm.MANAGE),
            "reschedule": reschedule or _reschedule_form(appointment),
            "cancel": CancelForm(),
        },
        status=status,
    )


@require_POST
@page_permission(perm.MANAGE)
def appointment_status(request: HttpRequest, pk) -> HttpResponse:
    appointment = _appointment(pk)
    action = request.POST.get("action", "")
    try:
        services.appointment_transition(
            org=request.org,
            actor=request.actor,
            appointment=appointment,
            action=action,
            reason=request.POST.get("reason", "")[:200],
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{appointment.number}: {action.replace('_', '-')} done.")
    return redirect("scheduling:appointment", pk=appointment.pk)


@require_POST
@page_permission(perm.MANAGE)
def appointment_reschedule(request: HttpRequest, pk) -> HttpResponse:
    """The reschedule form, and the calendar's drag and drop (which asks for JSON)."""
    appointment = _appointment(pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = _reschedule_form(appointment, request.POST)
    if wants_json:
        # a drop moves the start and the column's bay or advisor; the rest stays
        form.data = form.data.copy()
        form.data.setdefault("duration_min", str(form.initial["duration_min"]))
        for name in ("bay", "advisor"):
            if name not in request.POST:
                form.data[name] = form.initial[name]
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"detail": "Check the new time."}, status=422)
        return _appointment_render(request, appointment, form, status=422)
    data = form.cleaned_data
    try:
        services.appointment_update(
            org=request.org,
            actor=request.actor,
            appointment=appointment,
            data={
                "starts_at": with_offset(data["starts_at"], data["offset"], org_zone(request.org)),
                "duration_min": data["duration_min"],
                "bay_id": data["bay"] or None,
                "advisor_id": data["advisor"] or None,
            },
        )
    except DomainError as exc:
        if wants_json:
            return JsonResponse({"detail": exc.detail}, status=exc.status)
        _form_error(form, exc)
        return _appointment_render(request, appointment, form, status=exc.status)
    if wants_json:
        return JsonResponse({"ok": True, "number": appointment.number})
    messages.success(request, f"{appointment.number} moved.")
    return redirect("scheduling:appointment", pk=appointment.pk)


@require_POST
@page_permission(perm.MANAGE)
def appointment_convert(request: HttpRequest, pk) -> HttpResponse:
    appointment = _appointment(pk)
    try:
        job, created = services.appointment_convert_to_job(
            org=request.org, actor=request.actor, appointment=appointment
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("scheduling:appointment", pk=appointment.pk)
    if created:
        messages.success(request, f"{job.number} opened from {appointment.number}.")
    return redirect("scheduling:job", pk=job.pk)


# --- jobs --------------------------------------------------------------------------------
@page_permission(perm.VIEW)
def job_list_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open_or_in_progress")
    jobs = selectors.job_list(filters={"status": "" if status == "all" else status})
    return render(
        request,
        "scheduling/jobs.html",
        {
            "jobs": jobs.order_by("-created_at")[:200],
            "status": status,
            "statuses": JobStatus.choices,
        },
    )


def _job_render(request, job, line_form=None, rec_form=None, status=200) -> HttpResponse:
    return render(
        request,
        "scheduling/job.html",
        {
            "job": job,
            "lines": list(job.lines.all()),
            "recommendations": list(job.recommendations.all()),
            "next_statuses": [(s, JobStatus(s).label) for s in JOB_TRANSITIONS[job.status]],
            "lines_editable": job.status in (JobStatus.OPEN, JobStatus.IN_PROGRESS),
            "can_manage": request.actor.has(perm.MANAGE),
            "line_form": line_form or JobLineForm(prefix="line"),
            "rec_form": rec_form or RecommendationForm(prefix="rec"),
            "currency": request.org.currency,
        },
        status=status,
    )


@page_permission(perm.VIEW)
def job_page(request: HttpRequest, pk) -> HttpResponse:
    return _job_render(request, selectors.job_get(id=pk))


@require_POST
@page_permission(perm.MANAGE)
def job_status(request: HttpRequest, pk) -> HttpResponse:
    job = selectors.job_get(id=pk)
    try:
        services.job_update(
            org=request.org,
            actor=request.actor,
            job=job,
            data={"status": request.POST.get("status")},
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("scheduling:job", pk=job.pk)


@require_POST
@page_permission(perm.MANAGE)
def job_line_add(request: HttpRequest, pk) -> HttpResponse:
    job = selectors.job_get(id=pk)
    form = JobLineForm(request.POST, prefix="line")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.job_line_add(
                org=request.org,
                actor=request.actor,
                job=job,
                data={
                    "kind": data["kind"],
                    "description": data["description"],
                    "quantity": data["quantity"],
                    "unit_price": _minor(data["unit_price"]),
                },
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return redirect("scheduling:job", pk=job.pk)
    return _job_render(request, selectors.job_get(id=pk), line_form=form, status=422)


@require_POST
@page_permission(perm.MANAGE)
def job_line_delete(request: HttpRequest, pk, line_id) -> HttpResponse:
    job = selectors.job_get(id=pk)
    line = get_or_404(JobLine.objects.filter(job=job).select_related("job"), line_id)
    try:
        services.job_line_remove(org=request.org, actor=request.actor, line=line)
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("scheduling:job", pk=job.pk)


@require_POST
@page_permission(perm.MANAGE)
def recommendation_add(request: HttpRequest, pk) -> HttpResponse:
    job = selectors.job_get(id=pk)
    form = RecommendationForm(request.POST, prefix="rec")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.recommendation_create(
                org=request.org,
                actor=request.actor,
                job=job,
                data={
                    "description": data["description"],
                    "estimated_price": _minor(data["estimated_price"]),
                    "urgency": data["urgency"],
                },
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            return redirect("scheduling:job", pk=job.pk)
    return _job_render(request, selectors.job_get(id=pk), rec_form=form, status=422)


@require_POST
@page_permission(perm.MANAGE)
def recommendation_decide(request: HttpRequest, pk) -> HttpResponse:
    rec = get_or_404(Recommendation, pk)
    decision = request.POST.get("decision", "")
    try:
        services.recommendation_decide(
            org=request.org, actor=request.actor, recommendation=rec, decision=decision
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(request.POST.get("next") or reverse("scheduling:job", args=[rec.job_id]))


@require_POST
@page_permission(perm.MANAGE)
def recommendation_follow_up(request: HttpRequest, pk) -> HttpResponse:
    rec = get_or_404(Recommendation, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        data = {"follow_up_status": form.cleaned_data["follow_up_status"]}
        if form.cleaned_data["due_date"]:
            data["due_date"] = form.cleaned_data["due_date"]
        try:
            services.recommendation_update(
                org=request.org, actor=request.actor, recommendation=rec, data=data
            )
        except DomainError as exc:
            messages.error(request, exc.detail)
    else:
        messages.error(request, "Choose a follow-up status.")
    return redirect("scheduling:declined_work")


# --- declined work -----------------------------------------------------------------------
BOARD = (FollowUpStatus.OPEN, FollowUpStatus.CONTACTED, FollowUpStatus.SCHEDULED)


@page_permission(perm.VIEW)
def declined_work_page(request: HttpRequest) -> HttpResponse:
    overdue = request.GET.get("overdue") == "true"
    recs = selectors.declined_work_list(
        org=request.org,
        overdue=True if overdue else None,
        follow_up_status=",".join(BOARD),
    ).order_by("due_date", "created_at")[:300]
    today = local_today(request.org, timezone.now())
    columns = {status: [] for status in BOARD}
    for rec in recs:
        rec.is_overdue = (
            rec.due_date is not None
            and rec.due_date < today
            and (rec.follow_up_status != FollowUpStatus.SCHEDULED)
        )
        columns[rec.follow_up_status].append(rec)
    return render(
        request,
        "scheduling/declined_work.html",
        {
            "columns": [(FollowUpStatus(s).label, s, columns[s]) for s in BOARD],
            "overdue": overdue,
            "statuses": FollowUpStatus.choices,
            "can_manage": request.actor.has(perm.MANAGE),
            "currency": request.org.currency,
            "declined": RecommendationStatus.DECLINED,
        },
    )


# --- bays, closures, settings ------------------------------------------------------------
@page_permission(perm.VIEW)
def resources_page(request: HttpRequest) -> HttpResponse:
    org = request.org
    can_edit = request.actor.has(perm.RESOURCES)
    settings = SchedulingSettings.of(org)
    forms = {
        "bay": BayForm(prefix="bay"),
        "closure": ClosureForm(prefix="closure"),
        "settings": SettingsForm(prefix="settings", initial=settings.as_dict()),
    }
    status = 200
    if request.method == "POST":
        if not can_edit:
            return render(
                request,
                "errors/403.html",
                {"reason": "Only owners and managers change bays, closures and settings."},
                status=403,
            )
        which = request.POST.get("form")
        form = forms[which] = {"bay": BayForm, "closure": ClosureForm, "settings": SettingsForm}[
            which if which in ("bay", "closure", "settings") else "bay"
        ](request.POST, prefix=which)
        if form.is_valid():
            try:
                _resource_write(request, which, form.cleaned_data)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect("scheduling:resources")
        status = 422
    return render(
        request,
        "scheduling/resources.html",
        {
            "bays": selectors.bay_list(),
            "closures": selectors.closure_list(upcoming_from=local_today(org, timezone.now())),
            "advisors": selectors.advisor_list(),
            "hours": org.business_hours,
            "forms": forms,
            "can_edit": can_edit,
        },
        status=status,
    )


def _resource_write(request: HttpRequest, which: str, data: dict) -> None:
    org, actor = request.org, request.actor
    if which == "bay":
        services.bay_create(org=org, actor=actor, data=data)
    elif which == "closure":
        services.closure_create(org=org, actor=actor, data=data)
    else:
        services.scheduling_settings_update(org=org, actor=actor, data=data)


@require_POST
@page_permission(perm.RESOURCES)
def bay_toggle(request: HttpRequest, pk) -> HttpResponse:
    bay = get_or_404(Bay, pk)
    services.bay_update(
        org=request.org, actor=request.actor, bay=bay, data={"active": not bay.active}
    )
    return redirect("scheduling:resources")


@require_POST
@page_permission(perm.RESOURCES)
def closure_remove(request: HttpRequest, pk) -> HttpResponse:
    closure = get_or_404(Closure, pk)
    services.closure_delete(org=request.org, actor=request.actor, closure=closure)
    messages.success(request, "Closure removed.")
    return redirect("scheduling:resources")
