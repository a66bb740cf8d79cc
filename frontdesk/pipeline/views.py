"""Pages: the Kanban board, leads, opportunities (with the win confirmation dialog),
follow-ups, stale leads, reports, the stages settings and the "log a call" form of the
customer 360. Forms validate, services write; a DomainError from a service is shown as
a message on the page the action came from."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from frontdesk.core.api import ListParams, paginate
from frontdesk.core.errors import DomainError, PermissionDenied, ValidationFailed
from frontdesk.core.lookups import get_or_404
from frontdesk.core.pages import page_permission
from frontdesk.customers.models import Customer
from frontdesk.organizations.models import Membership
from frontdesk.pipeline import charts, selectors, services
from frontdesk.pipeline import permissions as perm
from frontdesk.pipeline.choices import (
    DisqualificationReason,
    FollowUpStatus,
    LeadStatus,
    LostReason,
    OpportunityStage,
)
from frontdesk.pipeline.forms import (
    DisqualifyForm,
    FollowUpForm,
    InteractionForm,
    LeadForm,
    LoseForm,
    MoveForm,
    StagesFormSet,
)
from frontdesk.pipeline.models import Interaction, Lead, Opportunity

PAGE = 50
BY_CREATED = {"created_at": "created_at"}


def _fail(request: HttpRequest, exc: DomainError) -> None:
    errors = getattr(exc, "errors", None)
    if errors:
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    else:
        text = exc.detail
        if exc.extra.get("missing"):
            text += f" Missing: {', '.join(exc.extra['missing'])}."
    messages.error(request, text)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _staff_choices() -> list[tuple[str, str]]:
    members = Membership.objects.filter(is_active=True).select_related("user")
    return [(str(m.pk), m.user.full_name or m.user.email) for m in members]


def _page(request: HttpRequest, qs, orders: dict[str, str], default: str) -> dict[str, Any]:
    params = ListParams(limit=PAGE, cursor=request.GET.get("cursor") or None)
    try:
        return paginate(qs, params=params, orders=orders, default=default)
    except DomainError:
        return paginate(qs, params=ListParams(limit=PAGE), orders=orders, default=default)


# --- the board ---------------------------------------------------------------------------
@page_permission(perm.LEADS_VIEW)
def board_page(request: HttpRequest) -> HttpResponse:
    """The Kanban: a column per stage with its open-lead count and first page of cards.
    Drag a card to another column (static/pipeline/board.js) or use its move form."""
    columns = selectors.board(org=request.org)
    return render(
        request,
        "pipeline/board.html",
        {
            "columns": columns,
            "stages": [c["stage"] for c in columns],
            "can_edit": request.actor.has(perm.LEADS_EDIT),
            "currency": request.org.currency,
            "form": LeadForm(),
        },
    )


@page_permission(perm.LEADS_VIEW)
def lead_list_page(request: HttpRequest) -> HttpResponse:
    filters = {
        "status": request.GET.get("status") or None,
        "stage": request.GET.get("stage") or None,
        "source": request.GET.get("source") or None,
        "q": (request.GET.get("q") or "").strip()[:200] or None,
    }
    page = _page(
        request, selectors.lead_list(**filters), {"created_at": "created_at"}, "-created_at"
    )
    return render(
        request,
        "pipeline/lead_list.html",
        {
            "leads": page["items"],
            "next_cursor": page["next_cursor"],
            "filters": filters,
            "statuses": LeadStatus.choices,
            "stages": services.stages_ensure(org=request.org),
            "currency": request.org.currency,
        },
    )


@page_permission(perm.LEADS_EDIT)
def lead_new(request: HttpRequest) -> HttpResponse:
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = {k: data[k] for k in ("name", "phone", "email") if data[k]}
        try:
            lead = services.lead_create(
                org=request.org,
                actor=request.actor,
                title=data["title"],
                source=data["source"],
                contact=contact,
                description=data["description"],
                estimated_value=data["estimated_value"],
            )
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, f"Lead {lead.number} created.")
            return redirect("pipeline:lead", lead.pk)
    return render(request, "pipeline/lead_new.html", {"form": form})


@page_permission(perm.LEADS_VIEW)
def lead_page(request: HttpRequest, pk) -> HttpResponse:
    lead = get_or_404(selectors.lead_qs(), pk)
    timeline = list(
        selectors.interaction_qs().filter(lead=lead).order_by("-occurred_at", "-id")[:50]
    )
    score = services.lead_score_compute(lead=lead, interaction_count=lead.interactions.count())
    return render(
        request,
        "pipeline/lead.html",
        {
            "lead": lead,
            "timeline": timeline,
            "score": score,
            "stages": services.stages_ensure(org=request.org),
            "reasons": DisqualificationReason.choices,
            "staff": _staff_choices(),
            "missing": services.contact_missing(lead.customer),
            "can_edit": request.actor.has(perm.LEADS_EDIT),
            "can_log": request.actor.has(perm.INTERACTIONS_LOG),
            "can_draft": request.actor.has(perm.LEADS_EDIT) and request.actor.has(perm.DRAFT),
            "log_form": InteractionForm(),
            "currency": request.org.currency,
        },
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@page_permission(perm.LEADS_EDIT)
def lead_move(request: HttpRequest, pk) -> HttpResponse:
    """The board's drag and drop (JSON) and the keyboard move form: the same service."""
    lead = get_or_404(Lead, pk)
    form = MoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed({"stage": "Required."})
        lead = services.lead_move_stage(
            org=request.org, actor=request.actor, lead=lead, stage=form.cleaned_data["stage"]
        )
    except DomainError as exc:
        if _wants_json(request):
            return JsonResponse({"ok": False, "detail": exc.detail}, status=exc.status)
        _fail(request, exc)
        return _back(request, reverse("pipeline:lead", args=[pk]))
    text = f"{lead.number} moved to {lead.stage.name}."
    if _wants_json(request):
        return JsonResponse({"ok": True, "detail": text, "stage": lead.stage.key})
    messages.success(request, text)
    return _back(request, reverse("pipeline:lead", args=[pk]))


@require_POST
@page_permission(perm.LEADS_EDIT)
def lead_action(request: HttpRequest, pk, action: str) -> HttpResponse:
    """qualify, disqualify, convert, assign, draft: one service call each."""
    lead = get_or_404(selectors.lead_qs(), pk)
    here = reverse("pipeline:lead", args=[pk])
    try:
        if action == "qualify":
            services.lead_qualify(org=request.org, actor=request.actor, lead=lead)
            messages.success(request, f"{lead.number} qualified.")
        elif action == "disqualify":
            form = DisqualifyForm(request.POST)
            form.is_valid()
            services.lead_disqualify(
                org=request.org,
                actor=request.actor,
                lead=lead,
                reason=form.cleaned_data.get("reason") or None,
                note=form.cleaned_data.get("note", ""),
            )
            messages.success(request, f"{lead.number} disqualified.")
        elif action == "convert":
            opportunity = services.lead_convert(org=request.org, actor=request.actor, lead=lead)
            messages.success(request, f"{lead.number} converted to {opportunity.number}.")
            return redirect("pipeline:opportunity", opportunity.pk)
        elif action == "assign":
            owner = request.POST.get("owner_id") or None
            services.lead_assign(org=request.org, actor=request.actor, lead=lead, owner=owner)
            messages.success(request, f"{lead.number} assigned.")
        elif action == "draft":
            if not request.actor.has(perm.DRAFT):
                raise PermissionDenied("Your role may not draft messages.")
            message = services.lead_follow_up_draft(org=request.org, actor=request.actor, lead=lead)
            messages.success(
                request,
                f"Follow-up drafted ({message.channel}); it waits in the approval queue.",
            )
        else:
            return HttpResponse(status=404)
    except DomainError as exc:
        _fail(request, exc)
    return redirect(here)


@require_POST
@page_permission(perm.INTERACTIONS_LOG)
def interaction_log_page(request: HttpRequest) -> HttpResponse:
    """ "Log a call" from the customer 360 or a lead page (``customer_id`` or ``lead_id``)."""
    form = InteractionForm(request.POST)
    customer = lead = None
    if request.POST.get("lead_id"):
        lead = get_or_404(Lead, request.POST["lead_id"])
        default = reverse("pipeline:lead", args=[lead.pk])
    else:
        customer = get_or_404(Customer, request.POST.get("customer_id"))
        default = reverse("customers:detail", args=[customer.pk])
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return _back(request, default)
    data = form.cleaned_data
    try:
        services.interaction_log(
            org=request.org,
            actor=request.actor,
            type=data["type"],
            customer=customer,
            lead=lead,
            direction=data["direction"],
            outcome=data["outcome"],
            duration_s=data["duration_min"] * 60 if data["duration_min"] is not None else None,
            subject=data["subject"],
            body=data["body"],
            follow_up_date=data["follow_up_date"],
        )
        messages.success(request, "Interaction logged.")
    except DomainError as exc:
        _fail(request, exc)
    return _back(request, default)


@require_POST
@page_permission(perm.INTERACTIONS_LOG)
def follow_up_set(request: HttpRequest, pk) -> HttpResponse:
    interaction = get_or_404(Interaction, pk)
    form = FollowUpForm(request.POST)
    try:
        if not form.is_valid():
            messages.error(request, "Choose a follow-up status.")
        else:
            services.interaction_follow_up_set(
                org=request.org,
                actor=request.actor,
                interaction=interaction,
                status=form.cleaned_data["follow_up_status"],
            )
            messages.success(request, "Follow-up updated.")
    except DomainError as exc:
        _fail(request, exc)
    return _back(request, reverse("pipeline:followups"))


@page_permission(perm.INTERACTIONS_VIEW)
def followups_page(request: HttpRequest) -> HttpResponse:
    items = list(selectors.follow_ups_due(org=request.org)[:200])
    return render(
        request,
        "pipeline/followups.html",
        {
            "items": items,
            "today": selectors.local_today(request.org),
            "statuses": FollowUpStatus.choices,
            "can_log": request.actor.has(perm.INTERACTIONS_LOG),
        },
    )


@page_permission(perm.LEADS_VIEW)
def stale_page(request: HttpRequest) -> HttpResponse:
    leads = list(selectors.stale_leads(org=request.org)[:200])
    touch = selectors.last_touchpoints(leads)
    return render(
        request,
        "pipeline/stale.html",
        {
            "rows": [(lead, touch.get(lead.pk)) for lead in leads],
            "cutoff": selectors.stale_cutoff(org=request.org),
        },
    )


# --- opportunities -----------------------------------------------------------------------
@page_permission(perm.LEADS_VIEW)
def opportunity_list_page(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage") or "open"
    if stage not in ("open", *OpportunityStage.values):
        stage = "open"
    page = _page(
        request,
        selectors.opportunity_list(stage=stage),
        {"created_at": "created_at"},
        "-created_at",
    )
    return render(
        request,
        "pipeline/opportunities.html",
        {
            "opportunities": page["items"],
            "next_cursor": page["next_cursor"],
            "stage": stage,
            "stages": [("open", "Open"), *OpportunityStage.choices],
            "currency": request.org.currency,
        },
    )


def _opportunity_context(request, opportunity, **extra) -> dict[str, Any]:
    timeline = list(
        selectors.interaction_qs()
        .filter(opportunity=opportunity)
        .order_by("-occurred_at", "-id")[:50]
    )
    return {
        "opportunity": opportunity,
        "timeline": timeline,
        "reasons": LostReason.choices,
        "lose_form": LoseForm(),
        "can_edit": request.actor.has(perm.LEADS_EDIT),
        "can_confirm": request.actor.has(perm.CONFIRM),
        "currency": request.org.currency,
        **extra,
    }


@page_permission(perm.LEADS_VIEW)
def opportunity_page(request: HttpRequest, pk) -> HttpResponse:
    opportunity = get_or_404(selectors.opportunity_qs(), pk)
    return render(request, "pipeline/opportunity.html", _opportunity_context(request, opportunity))


@require_POST
@page_permission(perm.LEADS_EDIT)
def opportunity_win(request: HttpRequest, pk) -> HttpResponse:
    """Rule 6 on a page: the first post opens the confirmation dialog (a token, what will
    happen, nothing changed); confirming posts the token back."""
    opportunity = get_or_404(selectors.opportunity_qs(), pk)
    token = request.POST.get("confirmation_token") or None
    try:
        if token is None:
            pending = services.opportunity_win_request(
                org=request.org, actor=request.actor, opportunity=opportunity
            )
            return render(
                request,
                "pipeline/opportunity.html",
                _opportunity_context(request, opportunity, pending=pending),
            )
        services.opportunity_win(
            org=request.org, actor=request.actor, opportunity=opportunity, confirmation_token=token
        )
        messages.success(request, f"{opportunity.number} won.")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("pipeline:opportunity", pk)


@require_POST
@page_permission(perm.LEADS_EDIT)
def opportunity_lose(request: HttpRequest, pk) -> HttpResponse:
    opportunity = get_or_404(Opportunity, pk)
    form = LoseForm(request.POST)
    form.is_valid()
    try:
        if form.errors.get("reengage_in_days"):
            messages.error(request, "Re-engage in: a whole number of days from 1 to 730.")
        else:
            services.opportunity_lose(
                org=request.org,
                actor=request.actor,
                opportunity=opportunity,
                reason=form.cleaned_data.get("reason") or None,
                note=form.cleaned_data.get("note", ""),
                reengage_in_days=form.cleaned_data.get("reengage_in_days"),
            )
            messages.success(request, f"{opportunity.number} marked lost.")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("pipeline:opportunity", pk)


# --- reports and settings ----------------------------------------------------------------
@page_permission(perm.REPORTS_VIEW)
def reports_page(request: HttpRequest) -> HttpResponse:
    org = request.org
    try:
        weekly = selectors.pipeline_report(org=org, week=request.GET.get("week") or None)
    except DomainError as exc:
        _fail(request, exc)
        weekly = selectors.pipeline_report(org=org)
    try:
        monthly = selectors.win_loss_report(org=org, month=request.GET.get("month") or None)
    except DomainError as exc:
        _fail(request, exc)
        monthly = selectors.win_loss_report(org=org)
    sources = selectors.sources_report(org=org)
    return render(
        request,
        "pipeline/reports.html",
        {
            "weekly": weekly,
            "monthly": monthly,
            "sources": sources,
            "stage_chart": charts.bars([(r["name"], r["count"]) for r in weekly["open_by_stage"]]),
            "outcome_chart": charts.bars(
                [
                    ("Won", monthly["won"]["count"]),
                    ("Lost", monthly["lost"]["count"]),
                    ("Disqualified", monthly["disqualified_leads"]),
                ]
            ),
            "source_chart": charts.bars(
                [(r["source"].replace("_", " "), r["leads"]) for r in sources["sources"]]
            ),
            "currency": org.currency,
        },
    )


@page_permission(perm.STAGES_MANAGE)
def stages_page(request: HttpRequest) -> HttpResponse:
    """The stages in order, one row each: rename, set the position, choose the follow-up
    draft, retire; blank rows add stages. Saved through ``stages_replace`` in one call."""
    stages = services.stages_ensure(org=request.org)
    initial = [
        {"existing": True, "position": i, "key": s.key, "name": s.name, "draft_kind": s.draft_kind}
        for i, s in enumerate(stages, start=1)
    ]
    formset = StagesFormSet(request.POST or None, initial=initial, prefix="stages")
    for i, form in enumerate(formset.extra_forms, start=len(stages) + 1):
        form.initial.setdefault("position", i)
    if request.method == "POST" and formset.is_valid():
        try:
            services.stages_replace(org=request.org, actor=request.actor, stages=formset.stages)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "Stages saved.")
            return redirect("pipeline:stages")
    return render(request, "pipeline/stages.html", {"formset": formset, "stages": stages})
