"""The scheduled nudges and reports of SPEC 4.3, delivered as staff notifications (the
messaging app's ``notification_create``). Each is keyed by its day/week/month, so a job
that runs twice notifies once.

- daily 07:00: stale leads (to each owner about theirs; unowned ones to everyone who
  works leads) and today's follow-ups (to the staff member who logged each; unassigned
  ones to everyone who works leads);
- Monday 07:00: the weekly pipeline summary of the week that just ended;
- the 1st, 07:00: win/loss of the month that just ended.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from frontdesk.messaging.services import notification_create
from frontdesk.organizations.models import Membership, Organization
from frontdesk.pipeline import selectors
from frontdesk.pipeline.permissions import LEADS_VIEW, REPORTS_VIEW


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _money(amount: int, currency: str) -> str:
    return f"{currency} {amount // 100:,}.{amount % 100:02d}"


def nudges_daily_send(*, org: Organization, now: dt.datetime | None = None) -> int:
    """Stale leads and today's follow-ups as notifications. Returns how many were made."""
    now = now or timezone.now()
    today = selectors.local_today(org, now)
    made = 0
    stale = list(selectors.stale_leads(org=org, now=now)[:500])
    by_owner: dict = defaultdict(list)
    for lead in stale:
        by_owner[lead.owner_id].append(lead)
    members = {m.pk: m for m in Membership.objects.filter(pk__in=[k for k in by_owner if k])}
    for owner_id, leads in by_owner.items():
        numbers = ", ".join(lead.number for lead in leads[:10])
        more = f" and {len(leads) - 10} more" if len(leads) > 10 else ""
        kwargs = (
            {"recipients": [members[owner_id]]}
            if owner_id in members and members[owner_id].is_active
            else {"permission": LEADS_VIEW}
        )
        made += len(
            notification_create(
                org=org,
                kind="pipeline.stale_leads",
                title=f"{len(leads)} stale lead{'s' if len(leads) != 1 else ''} need a touch",
                body=f"No interaction for 3 business days: {numbers}{more}.",
                link=_url("pipeline:stale"),
                key=f"stale:{today}:{owner_id or 'unowned'}",
                **kwargs,
            )
        )
    due = list(selectors.follow_ups_due(org=org, now=now)[:1000])
    by_staff: dict = defaultdict(list)
    for item in due:
        by_staff[item.staff_id].append(item)
    staff = {m.pk: m for m in Membership.objects.filter(pk__in=[k for k in by_staff if k])}
    for staff_id, items in by_staff.items():
        kwargs = (
            {"recipients": [staff[staff_id]]}
            if staff_id in staff and staff[staff_id].is_active
            else {"permission": LEADS_VIEW}
        )
        overdue = sum(1 for i in items if i.follow_up_date < today)
        made += len(
            notification_create(
                org=org,
                kind="pipeline.follow_ups",
                title=f"{len(items)} follow-up{'s' if len(items) != 1 else ''} due today",
                body=f"{overdue} of them overdue." if overdue else "",
                link=_url("pipeline:followups"),
                key=f"followups:{today}:{staff_id or 'unassigned'}",
                **kwargs,
            )
        )
    return made


def weekly_summary_send(*, org: Organization, now: dt.datetime | None = None) -> int:
    """The summary of the week that ended (run on Monday morning)."""
    now = now or timezone.now()
    iso = (selectors.local_today(org, now) - dt.timedelta(days=7)).isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    report = selectors.pipeline_report(org=org, week=week)
    money = org.currency
    oldest = report["oldest_open_lead"]
    lines = [
        f"New leads: {report['new_leads']}",
        f"In follow-up: {report['in_follow_up']['count']}"
        + (
            f" (average age {report['in_follow_up']['average_age_days']} days)"
            if report["in_follow_up"]["average_age_days"] is not None
            else ""
        ),
        f"Proposals out: {report['proposals_out']['count']}, "
        f"{_money(report['proposals_out']['value'], money)}",
        f"Won: {report['won']['count']}, {_money(report['won']['value'], money)}",
        f"Lost: {report['lost']['count']}, {_money(report['lost']['value'], money)}",
    ]
    if oldest:
        lines.append(f"Oldest open lead: {oldest['number']} ({oldest['age_days']} days)")
    return len(
        notification_create(
            org=org,
            kind="pipeline.weekly_summary",
            title=f"Pipeline summary, week {week}",
            body="\n".join(lines),
            link=_url("pipeline:reports") + f"?week={week}" if _url("pipeline:reports") else "",
            permission=REPORTS_VIEW,
            key=f"weekly:{week}",
        )
    )


def win_loss_monthly_send(*, org: Organization, now: dt.datetime | None = None) -> int:
    """Win/loss of the month that ended (run on the 1st)."""
    now = now or timezone.now()
    last_month = selectors.local_today(org, now).replace(day=1) - dt.timedelta(days=1)
    month = last_month.strftime("%Y-%m")
    report = selectors.win_loss_report(org=org, month=month)
    sources = ", ".join(f"{s['source']} ({s['won']})" for s in report["top_sources"]) or "—"
    body = "\n".join(
        [
            f"Won: {report['won']['count']}, {_money(report['won']['value'], org.currency)}",
            f"Lost: {report['lost']['count']}, {_money(report['lost']['value'], org.currency)}",
            f"Disqualified leads: {report['disqualified_leads']}",
            f"Top sources: {sources}",
            "Average days to close: "
            + (
                str(report["average_days_to_close"])
                if report["average_days_to_close"] is not None
                else "—"
            ),
        ]
    )
    reports = _url("pipeline:reports")
    return len(
        notification_create(
            org=org,
            kind="pipeline.win_loss",
            title=f"Win/loss, {month}",
            body=body,
            link=f"{reports}?month={month}" if reports else "",
            permission=REPORTS_VIEW,
            key=f"winloss:{month}",
        )
    )
