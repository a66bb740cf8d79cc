"""``/api/crm`` leads, pipeline stages, opportunities, interactions, follow-ups, stale
leads and reports (SPEC 4.3): thin endpoints over selectors and services. Path ids are
looked up in the caller's organization (404 otherwise) before anything else happens; ids
in bodies likewise answer 404 naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from frontdesk.core.api import (
    ListParams,
    Page,
    api_permission,
    decode_cursor,
    encode_cursor,
    error_responses,
    paginate,
)
from frontdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from frontdesk.core.lookups import get_or_404, get_referenced
from frontdesk.customers.models import Customer
from frontdesk.organizations.models import Membership
from frontdesk.pipeline import permissions as perm
from frontdesk.pipeline import selectors, services
from frontdesk.pipeline.models import Interaction, Lead, Opportunity
from frontdesk.pipeline.schemas import (
    AssignIn,
    BoardOut,
    ConvertIn,
    DisqualifyIn,
    DraftIn,
    DraftOut,
    FollowUpPatch,
    InteractionBulkIn,
    InteractionBulkOut,
    InteractionFilter,
    InteractionIn,
    InteractionOut,
    LeadFilter,
    LeadIn,
    LeadOut,
    LeadPatch,
    LoseIn,
    MoveStageIn,
    OpportunityFilter,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    PipelineReportOut,
    ScheduleIn,
    ScoreOut,
    SourcesReportOut,
    StagesIn,
    StagesOut,
    StaleLeadOut,
    WinIn,
    WinLossReportOut,
    WinPendingOut,
    interaction_page_from_rows,
)

router = Router(tags=["pipeline"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)
TIME_ORDER = {"occurred_at": "occurred_at"}
LEAD_ORDERS = {"created_at": "created_at", "score": "score", "last_touch_at": "last_touch_at"}


def _lead(lead_id: UUID) -> Lead:
    return get_or_404(selectors.lead_qs(), lead_id)


def _fresh_lead(lead: Lead) -> Lead:
    return selectors.lead_qs().get(pk=lead.pk)


def _opportunity(opportunity_id: UUID) -> Opportunity:
    return get_or_404(selectors.opportunity_qs(), opportunity_id)


def _fresh_opportunity(opportunity: Opportunity) -> Opportunity:
    return selectors.opportunity_qs().get(pk=opportunity.pk)


def _ref(model, value, field: str):
    return get_referenced(model, value, field=field, status=404) if value else None


def _interaction_args(data: dict[str, Any]) -> dict[str, Any]:
    """Body ids → records of this organization (404 naming the field otherwise)."""
    data = dict(data)
    data["customer"] = _ref(Customer, data.pop("customer_id", None), "customer_id")
    data["lead"] = _ref(Lead, data.pop("lead_id", None), "lead_id")
    data["opportunity"] = _ref(Opportunity, data.pop("opportunity_id", None), "opportunity_id")
    data["staff"] = _ref(Membership, data.pop("staff_id", None), "staff_id")
    return data


# --- stages ------------------------------------------------------------------------------
@router.get(
    "/pipeline/stages", auth=api_permission(perm.LEADS_VIEW), response={200: StagesOut, **READ}
)
def stage_list(request: HttpRequest):
    """The organization's pipeline stages in order (created from its preset on first use)."""
    return {"stages": services.stages_ensure(org=request.org)}


@router.put(
    "/pipeline/stages", auth=api_permission(perm.STAGES_MANAGE), response={200: StagesOut, **WRITE}
)
def stage_replace(request: HttpRequest, payload: StagesIn):
    """Rename, reorder, add and retire stages in one call. Leads keep their stage row, so
    nothing is lost; retiring a stage that still holds open leads is a 409."""
    stages = services.stages_replace(
        org=request.org,
        actor=request.auth,
        stages=[s.model_dump(exclude_none=True) for s in payload.stages],
    )
    return {"stages": stages}


# --- the board ---------------------------------------------------------------------------
def _board_cursor(page: dict[str, Any]) -> str | None:
    return encode_cursor(*page["next"]) if page["next"] else None


@router.get(
    "/pipeline/board", auth=api_permission(perm.LEADS_VIEW), response={200: BoardOut, **READ}
)
def board_get(request: HttpRequest, per_stage: int = Query(25, ge=1, le=100)):
    """The Kanban board: every stage in order with its open-lead count and estimated value
    and the first ``per_stage`` cards (open leads, newest first); a column's
    ``next_cursor`` continues it at ``GET /pipeline/board/{stage}``. Move a card with
    ``POST /leads/{id}/move-stage``."""
    columns = selectors.board(org=request.org, per_stage=per_stage)
    return {"columns": [{**column, "next_cursor": _board_cursor(column)} for column in columns]}


@router.get(
    "/pipeline/board/{stage}",
    auth=api_permission(perm.LEADS_VIEW),
    response={200: Page[LeadOut], **READ},
)
def board_column_get(
    request: HttpRequest,
    stage: str,
    limit: int = Query(25, ge=1, le=100),
    cursor: str | None = None,
):
    """More cards of one column: open leads in the stage (its key or id), newest first,
    after ``cursor`` (a column's ``next_cursor``). A retired or unknown stage is 404."""
    try:
        found = services.stage_resolve(org=request.org, value=stage)
    except ValidationFailed as exc:  # in a path, an unknown stage is not found
        raise NotFound("No such stage.") from exc
    after = None
    if cursor:
        created_at, pk = decode_cursor(cursor, size=2)
        try:
            after = (dt.datetime.fromisoformat(created_at), UUID(pk))
        except (TypeError, ValueError) as exc:
            raise ValidationFailed({"cursor": "Not a cursor this list gave out."}) from exc
    page = selectors.board_column(stage=found, limit=limit, cursor=after)
    return {"items": page["leads"], "next_cursor": _board_cursor(page)}


# --- leads -------------------------------------------------------------------------------
@router.get("/leads", auth=api_permission(perm.LEADS_VIEW), response={200: Page[LeadOut], **READ})
def lead_list(request: HttpRequest, params: Query[ListParams], filters: Query[LeadFilter]):
    """Leads, newest first; filter by status, stage (key or id), owner, source, customer;
    ``?q=`` searches title, number, description and the contact's name."""
    qs = selectors.lead_list(**filters.model_dump())
    return paginate(qs, params=params, orders=LEAD_ORDERS, default="-created_at")


@router.post("/leads", auth=api_permission(perm.LEADS_EDIT), response={201: LeadOut, **WRITE})
def lead_create(request: HttpRequest, payload: LeadIn):
    """Create a lead (``L-0001``…) for a known customer (``customer_id``) or a contact
    (``contact``: found by phone/email and linked, or created as a prospect)."""
    data = payload.model_dump()
    if data["customer_id"] and data["contact"]:
        raise ValidationFailed({"contact": "Give customer_id or contact, not both."})
    lead = services.lead_create(
        org=request.org,
        actor=request.auth,
        title=data["title"],
        source=data["source"],
        description=data["description"],
        customer=_ref(Customer, data["customer_id"], "customer_id"),
        contact={k: v for k, v in (data["contact"] or {}).items() if v} or None,
        estimated_value=data["estimated_value"],
        currency=data["currency"],
        owner=_ref(Membership, data["owner_id"], "owner_id"),
        stage=data["stage"],
        expected_close_date=data["expected_close_date"],
    )
    return Status(201, _fresh_lead(lead))


@router.get(
    "/leads/stale", auth=api_permission(perm.LEADS_VIEW), response={200: Page[StaleLeadOut], **READ}
)
def lead_stale(request: HttpRequest, params: Query[ListParams]):
    """New or working leads with no interaction for 3 business days of the organization,
    least recently touched first, each with its last touchpoint."""
    cutoff = selectors.stale_cutoff(org=request.org)
    page = paginate(
        selectors.stale_leads(org=request.org),
        params=params,
        orders={"last_touch_at": "open_touch_at"},
        default="last_touch_at",
    )
    touch = selectors.last_touchpoints(page["items"])
    page["items"] = [
        {
            "lead": lead,
            "last_touch_at": lead.last_touch_at,
            "last_touchpoint": touch.get(lead.pk),
            "business_days_cutoff": cutoff,
        }
        for lead in page["items"]
    ]
    return page


@router.get(
    "/leads/{lead_id}", auth=api_permission(perm.LEADS_VIEW), response={200: LeadOut, **READ}
)
def lead_get(request: HttpRequest, lead_id: UUID):
    """One lead with its stage, contact, owner and score."""
    return _lead(lead_id)


@router.patch(
    "/leads/{lead_id}", auth=api_permission(perm.LEADS_EDIT), response={200: LeadOut, **WRITE}
)
def lead_patch(request: HttpRequest, lead_id: UUID, payload: LeadPatch):
    """Change title, description, estimated value, expected close date or contact of an
    open lead (stage, owner and status have their own actions)."""
    lead = _lead(lead_id)
    data = payload.model_dump(exclude_unset=True)
    if "customer_id" in data:
        data["customer"] = _ref(Customer, data.pop("customer_id"), "customer_id")
    services.lead_update(org=request.org, actor=request.auth, lead=lead, data=data)
    return _fresh_lead(lead)


@router.post(
    "/leads/{lead_id}/move-stage",
    auth=api_permission(perm.LEADS_EDIT),
    response={200: LeadOut, **WRITE},
)
def lead_move_stage(request: HttpRequest, lead_id: UUID, payload: MoveStageIn):
    """Move the lead to another stage (key or id; 422 for an unknown one); emits
    ``lead.stage_changed`` with from/to. The board's drag and drop calls the same service."""
    lead = _lead(lead_id)
    services.lead_move_stage(org=request.org, actor=request.auth, lead=lead, stage=payload.stage)
    return _fresh_lead(lead)


@router.post(
    "/leads/{lead_id}/assign",
    auth=api_permission(perm.LEADS_EDIT),
    response={200: LeadOut, **WRITE},
)
def lead_assign(request: HttpRequest, lead_id: UUID, payload: AssignIn):
    """Give the lead an owner (a staff member), or none with ``null``."""
    lead = _lead(lead_id)
    owner = _ref(Membership, payload.owner_id, "owner_id")
    services.lead_assign(org=request.org, actor=request.auth, lead=lead, owner=owner)
    return _fresh_lead(lead)


@router.post(
    "/leads/{lead_id}/qualify",
    auth=api_permission(perm.LEADS_EDIT),
    response={200: LeadOut, **WRITE},
)
def lead_qualify(request: HttpRequest, lead_id: UUID):
    """Mark a new or working lead qualified (409 from any other status)."""
    lead = _lead(lead_id)
    services.lead_qualify(org=request.org, actor=request.auth, lead=lead)
    return _fresh_lead(lead)


@router.post(
    "/leads/{lead_id}/disqualify",
    auth=api_permission(perm.LEADS_EDIT),
    response={200: LeadOut, **WRITE},
)
def lead_disqualify(request: HttpRequest, lead_id: UUID, payload: DisqualifyIn):
    """Disqualify with a reason (422 without one) and an optional note; the lead is kept."""
    lead = _lead(lead_id)
    services.lead_disqualify(
        org=request.org, actor=request.auth, lead=lead, reason=payload.reason, note=payload.note
    )
    return _fresh_lead(lead)


@router.post(
    "/leads/{lead_id}/convert",
    auth=api_permission(perm.LEADS_EDIT),
    response={201: OpportunityOut, **WRITE},
)
def lead_convert(request: HttpRequest, lead_id: UUID, payload: ConvertIn):
    """Convert into an opportunity. The contact needs name, phone and address: otherwise
    409 with ``missing`` listing what to add first."""
    lead = _lead(lead_id)
    opportunity = services.lead_convert(
        org=request.org,
        actor=request.auth,
        lead=lead,
        name=payload.name,
        amount=payload.amount,
        close_date=payload.close_date,
        owner=_ref(Membership, payload.owner_id, "owner_id"),
    )
    return Status(201, _fresh_opportunity(opportunity))


@router.get(
    "/leads/{lead_id}/score", auth=api_permission(perm.LEADS_VIEW), response={200: ScoreOut, **READ}
)
def lead_score(request: HttpRequest, lead_id: UUID):
    """The lead's score (0–100) and its breakdown: source, recency, engagement, value, fit."""
    lead = _lead(lead_id)
    result = services.lead_score_compute(lead=lead, interaction_count=lead.interactions.count())
    return {"lead_id": lead.pk, **result}


@router.post(
    "/leads/{lead_id}/draft-follow-up",
    auth=api_permission(perm.DRAFT),
    response={201: DraftOut, **WRITE},
)
def lead_draft_follow_up(request: HttpRequest, lead_id: UUID, payload: DraftIn):
    """Draft a personalized follow-up suited to the lead's stage (inquiry, estimate
    pending, proposal accepted) into the approval queue. It never sends by itself."""
    lead = _lead(lead_id)
    if not request.auth.has(perm.LEADS_EDIT):
        raise PermissionDenied("Drafting a lead's follow-up needs leads.edit too.")
    message = services.lead_follow_up_draft(
        org=request.org, actor=request.auth, lead=lead, channel=payload.channel
    )
    return Status(
        201,
        {
            "message_id": message.pk,
            "status": message.status,
            "channel": message.channel,
            "draft_kind": message.draft_kind,
            "subject": message.subject,
            "body": message.body,
        },
    )


# --- opportunities -----------------------------------------------------------------------
@router.get(
    "/opportunities",
    auth=api_permission(perm.LEADS_VIEW),
    response={200: Page[OpportunityOut], **READ},
)
def opportunity_list(
    request: HttpRequest, params: Query[ListParams], filters: Query[OpportunityFilter]
):
    """Opportunities, newest first; filter by stage (or ``open``), owner, customer, ``?q=``."""
    qs = selectors.opportunity_list(**filters.model_dump())
    return paginate(
        qs,
        params=params,
        orders={"created_at": "created_at", "close_date": "close_date"},
        default="-created_at",
    )


@router.post(
    "/opportunities", auth=api_permission(perm.LEADS_EDIT), response={201: OpportunityOut, **WRITE}
)
def opportunity_create(request: HttpRequest, payload: OpportunityIn):
    """Create an opportunity directly (numbered ``O-0001``…); won/lost have their own actions."""
    opportunity = services.opportunity_create(
        org=request.org,
        actor=request.auth,
        name=payload.name,
        customer=_ref(Customer, payload.customer_id, "customer_id"),
        amount=payload.amount,
        currency=payload.currency,
        stage=payload.stage,
        close_date=payload.close_date,
        owner=_ref(Membership, payload.owner_id, "owner_id"),
        lead=_ref(Lead, payload.lead_id, "lead_id"),
    )
    return Status(201, _fresh_opportunity(opportunity))


@router.get(
    "/opportunities/{opportunity_id}",
    auth=api_permission(perm.LEADS_VIEW),
    response={200: OpportunityOut, **READ},
)
def opportunity_get(request: HttpRequest, opportunity_id: UUID):
    """One opportunity."""
    return _opportunity(opportunity_id)


@router.patch(
    "/opportunities/{opportunity_id}",
    auth=api_permission(perm.LEADS_EDIT),
    response={200: OpportunityOut, **WRITE},
)
def opportunity_patch(request: HttpRequest, opportunity_id: UUID, payload: OpportunityPatch):
    """Change name, amount, open stage, close date or owner of an open opportunity."""
    opportunity = _opportunity(opportunity_id)
    data = payload.model_dump(exclude_unset=True)
    if "owner_id" in data:
        data["owner"] = _ref(Membership, data.pop("owner_id"), "owner_id")
    services.opportunity_update(
        org=request.org, actor=request.auth, opportunity=opportunity, data=data
    )
    return _fresh_opportunity(opportunity)


@router.post(
    "/opportunities/{opportunity_id}/win",
    auth=api_permission(perm.LEADS_EDIT),
    response={200: OpportunityOut, 202: WinPendingOut, **WRITE},
)
def opportunity_win(request: HttpRequest, opportunity_id: UUID, payload: WinIn):
    """Rule 6. Without ``confirmation_token`` or ``confirm``: 202 with a single-use token
    (bound to this opportunity and to you, valid 15 minutes) and what will happen —
    nothing changes. Repeat with the token, or ``"confirm": true`` as owner/manager: the
    opportunity is won, the contact becomes a customer, an interaction is logged and
    ``opportunity.won`` is emitted."""
    opportunity = _opportunity(opportunity_id)
    if not payload.confirmation_token and not payload.confirm:
        pending = services.opportunity_win_request(
            org=request.org, actor=request.auth, opportunity=opportunity
        )
        return Status(202, pending)
    services.opportunity_win(
        org=request.org,
        actor=request.auth,
        opportunity=opportunity,
        confirmation_token=payload.confirmation_token,
        confirm=payload.confirm,
        amount=payload.amount,
    )
    return _fresh_opportunity(opportunity)


@router.post(
    "/opportunities/{opportunity_id}/lose",
    auth=api_permission(perm.LEADS_EDIT),
    response={200: OpportunityOut, **WRITE},
)
def opportunity_lose(request: HttpRequest, opportunity_id: UUID, payload: LoseIn):
    """Mark lost with a reason (422 without one); ``reengage_in_days`` creates a pending
    follow-up that many days ahead."""
    opportunity = _opportunity(opportunity_id)
    services.opportunity_lose(
        org=request.org,
        actor=request.auth,
        opportunity=opportunity,
        reason=payload.reason,
        note=payload.note,
        reengage_in_days=payload.reengage_in_days,
    )
    return _fresh_opportunity(opportunity)


# --- interactions ------------------------------------------------------------------------
@router.post(
    "/interactions",
    auth=api_permission(perm.INTERACTIONS_LOG),
    response={201: InteractionOut, **WRITE},
)
def interaction_create(request: HttpRequest, payload: InteractionIn):
    """Log an interaction about a customer, lead and/or opportunity (at least one, else
    422). A ``follow_up_date`` makes its follow-up pending. Interactions are never deleted."""
    args = _interaction_args(payload.model_dump())
    interaction = services.interaction_log(org=request.org, actor=request.auth, **args)
    return Status(201, selectors.interaction_qs().get(pk=interaction.pk))


@router.post(
    "/interactions/bulk",
    auth=api_permission(perm.INTERACTIONS_LOG),
    response={201: InteractionBulkOut, **WRITE},
)
def interaction_bulk(request: HttpRequest, payload: InteractionBulkIn):
    """Log up to 500 interactions at once: all or nothing (422 names ``items[i].field``)."""
    items = []
    for i, item in enumerate(payload.items):
        try:
            items.append(_interaction_args(item.model_dump()))
        except ValidationFailed as exc:
            raise ValidationFailed(
                [{"field": f"items[{i}].{e['field']}", "message": e["message"]} for e in exc.errors]
            )
    created = services.interaction_log_bulk(org=request.org, actor=request.auth, items=items)
    rows = {i.pk: i for i in selectors.interaction_qs().filter(pk__in=[c.pk for c in created])}
    return Status(201, {"items": [rows[c.pk] for c in created]})


@router.post(
    "/interactions/schedule",
    auth=api_permission(perm.INTERACTIONS_LOG),
    response={201: InteractionOut, **WRITE},
)
def interaction_schedule(request: HttpRequest, payload: ScheduleIn):
    """Schedule a future touchpoint (call, meeting …) with its follow-up (default: that
    day). ``occurred_at`` must be in the future."""
    if payload.occurred_at <= timezone.now():
        raise ValidationFailed({"occurred_at": "A scheduled touchpoint is in the future."})
    args = _interaction_args(payload.model_dump())
    if args["follow_up_date"] is None:
        args["follow_up_date"] = selectors.local_date(request.org, payload.occurred_at)
    interaction = services.interaction_log(org=request.org, actor=request.auth, **args)
    return Status(201, selectors.interaction_qs().get(pk=interaction.pk))


@router.get(
    "/interactions/search",
    auth=api_permission(perm.INTERACTIONS_VIEW),
    response={200: Page[InteractionOut], **READ},
)
def interaction_search(
    request: HttpRequest, params: Query[ListParams], filters: Query[InteractionFilter]
):
    """Interactions by text, type, staff, date range (``since``/``until``) and follow-up
    status, newest first."""
    qs = selectors.interaction_search(**filters.model_dump())
    return paginate(
        qs, params=params, orders={"occurred_at": "occurred_at"}, default="-occurred_at"
    )


@router.patch(
    "/interactions/{interaction_id}",
    auth=api_permission(perm.INTERACTIONS_LOG),
    response={200: InteractionOut, **WRITE},
)
def interaction_patch(request: HttpRequest, interaction_id: UUID, payload: FollowUpPatch):
    """Change the follow-up only (complete, cancel, or reopen with a date): what was
    logged is history and stays as it was."""
    interaction = get_or_404(Interaction, interaction_id)
    services.interaction_follow_up_set(
        org=request.org,
        actor=request.auth,
        interaction=interaction,
        status=payload.follow_up_status,
        follow_up_date=payload.follow_up_date,
    )
    return selectors.interaction_qs().get(pk=interaction.pk)


@router.get(
    "/customers/{customer_id}/interactions",
    auth=api_permission(perm.INTERACTIONS_VIEW),
    response={200: Page[InteractionOut], **READ},
)
def customer_interactions(request: HttpRequest, customer_id: UUID, params: Query[ListParams]):
    """The customer's timeline, newest first, keyset-paginated."""
    customer = get_or_404(Customer.objects.only("id", "number", "display_name"), customer_id)
    page = selectors.customer_timeline_page(customer=customer, params=params)
    return interaction_page_from_rows(page, org=request.org)


@router.get(
    "/followups/today",
    auth=api_permission(perm.INTERACTIONS_VIEW),
    response={200: Page[InteractionOut], **READ},
)
def followups_today(request: HttpRequest, params: Query[ListParams], mine: bool = False):
    """Pending follow-ups due today or overdue (the organization's date); ``mine=true``
    keeps those logged by you."""
    qs = selectors.follow_ups_due(org=request.org)
    if mine:
        qs = qs.filter(staff_id=request.auth.membership_id)
    return paginate(
        qs, params=params, orders={"follow_up_date": "follow_up_date"}, default="follow_up_date"
    )


# --- reports -----------------------------------------------------------------------------
@router.get(
    "/reports/pipeline",
    auth=api_permission(perm.REPORTS_VIEW),
    response={200: PipelineReportOut, **READ},
)
def report_pipeline(request: HttpRequest, week: str | None = None):
    """The weekly pipeline summary for ``week`` (``YYYY-Www``, default this week)."""
    return selectors.pipeline_report(org=request.org, week=week)


@router.get(
    "/reports/win-loss",
    auth=api_permission(perm.REPORTS_VIEW),
    response={200: WinLossReportOut, **READ},
)
def report_win_loss(request: HttpRequest, month: str | None = None):
    """Win/loss for ``month`` (``YYYY-MM``, default this month)."""
    return selectors.win_loss_report(org=request.org, month=month)


@router.get(
    "/reports/sources",
    auth=api_permission(perm.REPORTS_VIEW),
    response={200: SourcesReportOut, **READ},
)
def report_sources(
    request: HttpRequest, since: dt.date | None = None, until: dt.date | None = None
):
    """Leads, conversions and won value per source (optionally for leads created
    ``since``…``until``, local dates)."""
    return selectors.sources_report(org=request.org, since=since, until=until)
