"""Reads of the pipeline: lists with their filters, the Kanban board, the customer
timeline, today's follow-ups, stale leads, and the reports of SPEC 4.3. Every query runs
in the active organization's scope."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone

from frontdesk.core.api import ListParams, paginate
from frontdesk.core.errors import ValidationFailed
from frontdesk.customers.models import Customer
from frontdesk.customers.normalize import fold
from frontdesk.organizations.models import Organization
from frontdesk.pipeline.choices import (
    OPEN_LEAD_STATUSES,
    OPEN_OPPORTUNITY_STAGES,
    FollowUpStatus,
    LeadSource,
    LeadStatus,
    OpportunityStage,
)
from frontdesk.pipeline.models import Interaction, Lead, Opportunity, PipelineStage
from frontdesk.pipeline.services.stages import stages_ensure
from frontdesk.scheduling.selectors import closure_on
from frontdesk.scheduling.times import hours_of, org_zone

STALE_BUSINESS_DAYS = 3
BOARD_PAGE = 25


# --- leads -------------------------------------------------------------------------------
def lead_qs() -> QuerySet[Lead]:
    return Lead.objects.select_related("stage", "customer", "owner__user")


def lead_list(
    *,
    status: str | None = None,
    stage: str | None = None,
    owner_id=None,
    source: str | None = None,
    customer_id=None,
    q: str | None = None,
) -> QuerySet[Lead]:
    qs = lead_qs()
    if status == "open":
        qs = qs.filter(status__in=OPEN_LEAD_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if stage:
        qs = qs.filter(Q(stage__key=stage) | Q(stage__pk__in=_uuid_or_none(stage)))
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if source:
        qs = qs.filter(source=source)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if q:
        text = q.strip()
        qs = qs.filter(
            Q(title__icontains=text)
            | Q(number__iexact=text)
            | Q(description__icontains=text)
            | Q(customer__name_key__contains=fold(text))
        )
    return qs


def _uuid_or_none(value: str) -> list:
    try:
        return [uuid.UUID(str(value))]
    except ValueError:
        return []


def board(*, org: Organization, per_stage: int = BOARD_PAGE) -> list[dict[str, Any]]:
    """The Kanban board: each active stage with its open-lead count and its first page of
    cards, newest first (one indexed range read per stage: ``lead_board_idx``)."""
    stages = stages_ensure(org=org)
    totals = {
        stage_id: (n, value or 0)
        for stage_id, n, value in Lead.objects.filter(status__in=OPEN_LEAD_STATUSES)
        .values("stage_id")
        .annotate(n=Count("id"), value=Sum("estimated_value"))
        .values_list("stage_id", "n", "value")
    }
    columns = []
    for stage in stages:
        page = board_column(stage=stage, limit=per_stage)
        count, value = totals.get(stage.pk, (0, 0))
        columns.append({"stage": stage, "count": count, "value": value, **page})
    return columns


def board_column(*, stage: PipelineStage, limit: int = BOARD_PAGE, cursor=None) -> dict[str, Any]:
    qs = (
        Lead.objects.filter(stage=stage, status__in=OPEN_LEAD_STATUSES)
        .select_related("customer", "owner__user")
        .order_by("-created_at", "-id")
    )
    if cursor:
        created_at, pk = cursor
        qs = qs.filter(
            Q(created_at__lte=created_at)
            & (Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
        )
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        row.stage = stage  # known: no query per card for it
    return {"leads": rows, "next": (rows[-1].created_at, rows[-1].pk) if more else None}


# --- opportunities -----------------------------------------------------------------------
def opportunity_qs() -> QuerySet[Opportunity]:
    return Opportunity.objects.select_related("customer", "lead", "owner__user")


def opportunity_list(
    *, stage: str | None = None, owner_id=None, customer_id=None, q: str | None = None
) -> QuerySet[Opportunity]:
    qs = opportunity_qs()
    if stage == "open":
        qs = qs.filter(stage__in=OPEN_OPPORTUNITY_STAGES)
    elif stage:
        qs = qs.filter(stage=stage)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if q:
        text = q.strip()
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(number__iexact=text)
            | Q(customer__name_key__contains=fold(text))
        )
    return qs


# --- interactions ------------------------------------------------------------------------
def interaction_qs() -> QuerySet[Interaction]:
    return Interaction.objects.select_related("customer", "lead", "opportunity", "staff__user")


def interaction_search(
    *,
    text: str | None = None,
    type: str | None = None,
    staff_id=None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    follow_up_status: str | None = None,
    customer_id=None,
    lead_id=None,
    opportunity_id=None,
) -> QuerySet[Interaction]:
    qs = interaction_qs()
    if text:
        t = text.strip()
        qs = qs.filter(
            Q(subject__icontains=t)
            | Q(body__icontains=t)
            | Q(summary__icontains=t)
            | Q(transcript__icontains=t)
        )
    if type:
        qs = qs.filter(type=type)
    if staff_id:
        qs = qs.filter(staff_id=staff_id)
    if since:
        qs = qs.filter(occurred_at__gte=since)
    if until:
        qs = qs.filter(occurred_at__lt=until)
    if follow_up_status:
        qs = qs.filter(follow_up_status=follow_up_status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if lead_id:
        qs = qs.filter(lead_id=lead_id)
    if opportunity_id:
        qs = qs.filter(opportunity_id=opportunity_id)
    return qs


def customer_timeline(*, customer_id) -> QuerySet[Interaction]:
    """A customer's interactions, newest first (``interaction_timeline_idx``)."""
    return interaction_qs().filter(customer_id=customer_id).order_by("-occurred_at", "-id")


TIMELINE_ORDERS = {"occurred_at": "occurred_at"}
# InteractionOut's fields as columns: the staff member's name is its user's full name or
# email (two nullable joins); the customer is the timeline's own, so it is not joined
TIMELINE_VALUES = (
    "id", "type", "direction", "occurred_at", "duration_s", "staff_id",
    "staff__user__full_name", "staff__user__email", "subject", "body", "outcome",
    "sentiment", "follow_up_date", "follow_up_status", "lead_id", "opportunity_id",
    "transcript", "summary", "scheduled", "created_at",
)  # fmt: skip


def customer_timeline_page(*, customer: Customer, params: ListParams) -> dict[str, Any]:
    """One keyset page of the customer's timeline (newest first by default) as plain rows
    of ``InteractionOut``'s fields: one query on ``interaction_timeline_idx`` that reads
    only the columns the page shows, no model instances (the API's hot path; the rows
    equal what the schema reads from the models — a test checks it)."""
    qs = Interaction.objects.filter(customer_id=customer.pk).values(*TIMELINE_VALUES)
    page = paginate(qs, params=params, orders=TIMELINE_ORDERS, default="-occurred_at")
    ref = {"id": customer.pk, "number": customer.number, "display_name": customer.display_name}
    for row in page["items"]:
        staff_id = row.pop("staff_id")
        full_name, email = row.pop("staff__user__full_name"), row.pop("staff__user__email")
        row["staff"] = {"id": staff_id, "name": full_name or email} if staff_id else None
        row["customer"] = ref
    return page


def local_today(org: Organization, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(org_zone(org)).date()


def local_date(org: Organization, when: dt.datetime) -> dt.date:
    return when.astimezone(org_zone(org)).date()


def follow_ups_due(*, org: Organization, now: dt.datetime | None = None) -> QuerySet[Interaction]:
    """Pending follow-ups due today or overdue (the organization's local date)."""
    today = local_today(org, now)
    return (
        interaction_qs()
        .filter(follow_up_status=FollowUpStatus.PENDING, follow_up_date__lte=today)
        .order_by("follow_up_date", "occurred_at", "id")
    )


# --- stale leads -------------------------------------------------------------------------
def is_business_day(org: Organization, day: dt.date) -> bool:
    return bool(hours_of(org, day)) and closure_on(day) is None


def stale_cutoff(
    *, org: Organization, now: dt.datetime | None = None, days: int = STALE_BUSINESS_DAYS
) -> dt.datetime:
    """The local midnight starting the ``days``-th business day before today: a lead
    untouched since before it has gone ``days`` whole business days without contact.
    An organization without business days counts calendar days."""
    now = now or timezone.now()
    zone = org_zone(org)
    day = now.astimezone(zone).date()
    has_business_days = any((org.business_hours or {}).values())
    counted = 0
    for _ in range(60):
        day -= dt.timedelta(days=1)
        if not has_business_days or is_business_day(org, day):
            counted += 1
            if counted == days:
                break
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def stale_leads(*, org: Organization, now: dt.datetime | None = None) -> QuerySet[Lead]:
    """New or working leads with no interaction for 3 business days, least recently
    touched first (``lead_stale_idx`` on ``open_touch_at``, which is null for leads in
    any other status); ``last_touch_at`` is the last touchpoint."""
    cutoff = stale_cutoff(org=org, now=now)
    return lead_qs().filter(open_touch_at__lt=cutoff).order_by("open_touch_at", "id")


def last_touchpoints(leads: list[Lead]) -> dict[Any, Interaction]:
    """The latest past interaction of each lead (one query)."""
    if not leads:
        return {}
    now = timezone.now()
    latest = (
        Interaction.objects.filter(lead_id=OuterRef("lead_id"), occurred_at__lte=now)
        .order_by("-occurred_at", "-id")
        .values("pk")[:1]
    )
    rows = Interaction.objects.filter(
        lead_id__in=[lead.pk for lead in leads], pk__in=latest
    ).select_related("staff__user")
    return {row.lead_id: row for row in rows}


# --- reports -----------------------------------------------------------------------------
def week_bounds(org: Organization, week: str | None) -> tuple[str, dt.datetime, dt.datetime]:
    """``2026-W47`` → its label and local Monday 00:00 … next Monday 00:00 (422 if bad)."""
    zone = org_zone(org)
    if not week:
        iso = local_today(org).isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
    try:
        year, w = week.split("-W")
        monday = dt.date.fromisocalendar(int(year), int(w), 1)
    except (ValueError, AttributeError):
        raise ValidationFailed({"week": "An ISO week: YYYY-Www (e.g. 2026-W07)."})
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), tzinfo=zone)
    return week, start, end


def month_bounds(org: Organization, month: str | None) -> tuple[str, dt.datetime, dt.datetime]:
    zone = org_zone(org)
    if not month:
        month = local_today(org).strftime("%Y-%m")
    try:
        first = dt.date.fromisoformat(f"{month}-01")
        if len(month) != 7:
            raise ValueError
    except (ValueError, TypeError):
        raise ValidationFailed({"month": "A month: YYYY-MM (e.g. 2026-02)."})
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        month,
        dt.datetime.combine(first, dt.time(0), tzinfo=zone),
        dt.datetime.combine(following, dt.time(0), tzinfo=zone),
    )


def _days(delta: dt.timedelta | None) -> float | None:
    return round(delta.total_seconds() / 86400, 1) if delta is not None else None


def _age(now: dt.datetime) -> ExpressionWrapper:
    return ExpressionWrapper(Value(now) - F("created_at"), output_field=DurationField())


def _seconds(total: dt.timedelta | None) -> float:
    return total.total_seconds() if total is not None else 0.0


def open_leads_by_stage(*, now: dt.datetime) -> dict[Any, tuple[int, float]]:
    """Stage id → (open leads, the sum of their ages in seconds at ``now``): one grouped
    aggregate over the open leads (no rows leave the database)."""
    rows = (
        Lead.objects.filter(status__in=OPEN_LEAD_STATUSES)
        .order_by()
        .values("stage_id")
        .annotate(n=Count("id"), age=Sum(_age(now)))
    )
    return {row["stage_id"]: (row["n"], _seconds(row["age"])) for row in rows}


def follow_up_totals(
    *, now: dt.datetime, by_stage: dict[Any, tuple[int, float]] | None = None
) -> tuple[int, float | None]:
    """Open leads *in follow-up* — in the ``follow_up`` stage, or with a pending follow-up
    interaction — and their average age in days at ``now`` (None if there are none).

    Two disjoint parts instead of one ``stage OR EXISTS(…)`` filter, which probes every
    open lead's interactions: the ``follow_up`` stage's open leads (from ``by_stage``,
    :func:`open_leads_by_stage`), plus the open leads of the other stages among the leads
    of the organization's pending follow-ups (a semi-join fed by
    ``interaction_followup_idx``, which carries ``lead_id``)."""
    if by_stage is None:
        by_stage = open_leads_by_stage(now=now)
    stage_ids = list(PipelineStage.objects.filter(key="follow_up").values_list("pk", flat=True))
    count = sum(by_stage.get(pk, (0, 0.0))[0] for pk in stage_ids)
    seconds = sum(by_stage.get(pk, (0, 0.0))[1] for pk in stage_ids)
    pending = Interaction.objects.filter(
        follow_up_status=FollowUpStatus.PENDING, lead_id__isnull=False
    ).values("lead_id")
    elsewhere = (
        Lead.objects.filter(status__in=OPEN_LEAD_STATUSES, pk__in=pending)
        .exclude(stage_id__in=stage_ids)
        .aggregate(n=Count("id"), age=Sum(_age(now)))
    )
    count += elsewhere["n"]
    seconds += _seconds(elsewhere["age"])
    return count, round(seconds / count / 86400, 1) if count else None


def pipeline_report(*, org: Organization, week: str | None = None) -> dict[str, Any]:
    """The weekly summary of SPEC 4.3: new leads this week, leads in follow-up and their
    average age, proposals out with total value, won and lost this week with value, the
    oldest open lead, and open leads per stage (the board's shape). Every figure is an
    aggregate in the database (a handful of queries whatever the organization's size)."""
    label, start, end = week_bounds(org, week)
    now = timezone.now()
    by_source = dict(
        Lead.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values("source")
        .annotate(n=Count("id"))
        .values_list("source", "n")
    )
    by_stage = open_leads_by_stage(now=now)
    in_follow_up, avg_age = follow_up_totals(now=now, by_stage=by_stage)
    proposal = Q(stage=OpportunityStage.PROPOSAL_SENT)
    closed = Q(closed_at__gte=start, closed_at__lt=end)
    won, lost = closed & Q(stage=OpportunityStage.WON), closed & Q(stage=OpportunityStage.LOST)
    deals = Opportunity.objects.filter(proposal | won | lost).aggregate(
        proposals_n=Count("id", filter=proposal),
        proposals_value=Sum("amount", filter=proposal),
        won_n=Count("id", filter=won),
        won_value=Sum("amount", filter=won),
        lost_n=Count("id", filter=lost),
        lost_value=Sum("amount", filter=lost),
    )
    oldest = (
        Lead.objects.filter(status__in=OPEN_LEAD_STATUSES)
        .order_by("created_at", "id")
        .values("id", "number", "title", "created_at")
        .first()
    )
    stages = stages_ensure(org=org)
    return {
        "week": label,
        "starts_at": start,
        "ends_at": end,
        "currency": org.currency,
        "new_leads": sum(by_source.values()),
        "new_leads_by_source": by_source,
        "in_follow_up": {"count": in_follow_up, "average_age_days": avg_age},
        "proposals_out": {"count": deals["proposals_n"], "value": deals["proposals_value"] or 0},
        "won": {"count": deals["won_n"], "value": deals["won_value"] or 0},
        "lost": {"count": deals["lost_n"], "value": deals["lost_value"] or 0},
        "oldest_open_lead": (
            {
                "id": oldest["id"],
                "number": oldest["number"],
                "title": oldest["title"],
                "age_days": _days(now - oldest["created_at"]),
            }
            if oldest
            else None
        ),
        "open_by_stage": [
            {"stage": s.key, "name": s.name, "count": by_stage.get(s.pk, (0, 0.0))[0]}
            for s in stages
        ],
    }


def win_loss_report(*, org: Organization, month: str | None = None) -> dict[str, Any]:
    """The monthly win/loss of SPEC 4.3: count by outcome, lost by reason, top sources of
    won deals, average days to close (from the lead's creation when there is one)."""
    label, start, end = month_bounds(org, month)
    closed = Opportunity.objects.filter(closed_at__gte=start, closed_at__lt=end)
    outcomes = dict(closed.values("stage").annotate(n=Count("id")).values_list("stage", "n"))
    values = dict(closed.values("stage").annotate(v=Sum("amount")).values_list("stage", "v"))
    disqualified = Lead.objects.filter(
        status=LeadStatus.DISQUALIFIED, closed_at__gte=start, closed_at__lt=end
    ).count()
    won = closed.filter(stage=OpportunityStage.WON)
    sources = Counter(
        won.exclude(lead__isnull=True).values_list("lead__source", flat=True)
    ).most_common(5)
    durations = [
        (closed_at - (lead_created or created)).total_seconds() / 86400
        for closed_at, lead_created, created in won.values_list(
            "closed_at", "lead__created_at", "created_at"
        )
    ]
    won_n, lost_n = outcomes.get("won", 0), outcomes.get("lost", 0)
    return {
        "month": label,
        "currency": org.currency,
        "won": {"count": won_n, "value": values.get("won") or 0},
        "lost": {"count": lost_n, "value": values.get("lost") or 0},
        "disqualified_leads": disqualified,
        "win_rate": round(won_n / (won_n + lost_n), 3) if won_n + lost_n else None,
        "lost_by_reason": dict(
            closed.filter(stage=OpportunityStage.LOST)
            .values("lost_reason")
            .annotate(n=Count("id"))
            .values_list("lost_reason", "n")
        ),
        "top_sources": [{"source": s, "won": n} for s, n in sources],
        "average_days_to_close": round(sum(durations) / len(durations), 1) if durations else None,
    }


def sources_report(
    *, org: Organization, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, Any]:
    """Per lead source: leads, converted, conversion rate, won deals and their value."""
    zone = org_zone(org)
    leads = Lead.objects.all()
    if since:
        leads = leads.filter(created_at__gte=dt.datetime.combine(since, dt.time(0), tzinfo=zone))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
        leads = leads.filter(created_at__lt=end)
    per = {
        row["source"]: row
        for row in leads.values("source").annotate(
            leads=Count("id"),
            converted=Count("id", filter=Q(status=LeadStatus.CONVERTED)),
            disqualified=Count("id", filter=Q(status=LeadStatus.DISQUALIFIED)),
        )
    }
    won = {
        row["lead__source"]: row
        for row in Opportunity.objects.filter(
            stage=OpportunityStage.WON, lead__in=leads.values("pk")
        )
        .values("lead__source")
        .annotate(n=Count("id"), value=Sum("amount"))
    }
    rows = []
    for source in LeadSource.values:
        row = per.get(source, {"leads": 0, "converted": 0, "disqualified": 0})
        w = won.get(source, {"n": 0, "value": 0})
        rows.append(
            {
                "source": source,
                "leads": row["leads"],
                "converted": row["converted"],
                "disqualified": row["disqualified"],
                "conversion_rate": round(row["converted"] / row["leads"], 3)
                if row["leads"]
                else None,
                "won": w["n"],
                "won_value": w["value"] or 0,
            }
        )
    rows.sort(key=lambda r: (-r["leads"], r["source"]))
    return {
        "currency": org.currency,
        "since": since,
        "until": until,
        "sources": rows,
        "latest_lead_at": leads.aggregate(m=Max("created_at"))["m"],
    }
