"""The navigation of SPEC section 6, in one registry.

Every page of the spec has its entry here already, under the URL name its domain is
expected to give it (``customers:list``, ``pipeline:leads`` ...). An entry is shown only
when that URL exists — so pages appear as their domains land, without touching this
file — and only to roles holding its permission. A domain whose page has another URL
name, or a page the spec does not list, calls :func:`register_nav` from its
``AppConfig.ready()``; an entry with the same label replaces the declared one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    permission: str
    group: str = ""


GROUPS = ("", "Customers", "Schedule", "Money", "Messages", "Outreach", "Insights", "Settings")

NAVIGATION: list[NavEntry] = [
    NavEntry("Dashboard", "core:dashboard", "dashboard.view"),
    # customers, pipeline
    NavEntry("Customers", "customers:list", "customers.view", "Customers"),
    NavEntry("Companies", "customers:companies", "customers.view", "Customers"),
    NavEntry("Leads", "pipeline:leads", "leads.view", "Customers"),
    NavEntry("Opportunities", "pipeline:opportunities", "leads.view", "Customers"),
    NavEntry("Inquiries", "inquiries:inbox", "leads.view", "Customers"),
    NavEntry("Missed calls", "telephony:missed_calls", "interactions.view", "Customers"),
    # scheduling
    NavEntry("Calendar", "scheduling:calendar", "appointments.view", "Schedule"),
    NavEntry("Jobs", "scheduling:jobs", "appointments.view", "Schedule"),
    # money
    NavEntry("Invoices", "billing:invoices", "billing.view", "Money"),
    NavEntry("Payments", "billing:payments", "billing.view", "Money"),
    NavEntry("Memberships", "memberships:plans", "customers.view", "Money"),
    NavEntry("Loyalty", "loyalty:rewards", "customers.view", "Money"),
    # messaging
    NavEntry("Approval queue", "messaging:approvals", "messages.approve", "Messages"),
    NavEntry("Outbox", "messaging:outbox", "messages.view", "Messages"),
    # outreach
    NavEntry("Newsletter", "outreach:newsletter", "outreach.view", "Outreach"),
    NavEntry("Segments", "outreach:segments", "outreach.view", "Outreach"),
    NavEntry("Campaigns", "outreach:campaigns", "outreach.view", "Outreach"),
    NavEntry("Surveys", "outreach:surveys", "outreach.view", "Outreach"),
    # insights
    NavEntry("Reports", "pipeline:reports", "reports.view", "Insights"),
    NavEntry("Audit trail", "audit:list", "audit.view", "Insights"),
    # settings
    NavEntry("Organization", "organizations:settings", "organization.view", "Settings"),
    NavEntry("Staff and roles", "organizations:staff", "staff.view", "Settings"),
    NavEntry("API tokens", "organizations:tokens", "tokens.own", "Settings"),
    NavEntry("Webhooks", "integrations:webhooks", "webhooks.manage", "Settings"),
    NavEntry("Pipeline stages", "pipeline:stages", "settings.manage", "Settings"),
    NavEntry("Rates", "billing:rates", "catalog.manage", "Settings"),
]


def register_nav(entry: NavEntry, *, before: str | None = None) -> None:
    """Add ``entry`` (before the entry labelled ``before``, else at the end of its group),
    or replace the entry that has its label."""
    for i, existing in enumerate(NAVIGATION):
        if existing.label == entry.label:
            NAVIGATION[i] = entry
            _url_of.cache_clear()
            return
    index = next((i for i, e in enumerate(NAVIGATION) if e.label == before), None)
    if index is None:
        same_group = [i for i, e in enumerate(NAVIGATION) if e.group == entry.group]
        index = same_group[-1] + 1 if same_group else len(NAVIGATION)
    NAVIGATION.insert(index, entry)
    _url_of.cache_clear()


@lru_cache(maxsize=256)
def _url_of(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def clear_url_cache(*, setting: str = "ROOT_URLCONF", **kwargs) -> None:
    """Connected to ``setting_changed``: tests that swap the URLconf see fresh entries."""
    if setting == "ROOT_URLCONF":
        _url_of.cache_clear()


def _covers(url: str, path: str) -> bool:
    return path == url or (url != "/" and path.startswith(url))


def navigation_for(actor, path: str) -> list[dict]:
    """The groups of entries ``actor`` may open: ``[{"label", "items": [...]}]``. The entry
    whose URL is the longest prefix of ``path`` is marked active."""
    items: list[tuple[str, dict]] = []
    for entry in NAVIGATION:
        if actor.has(entry.permission) and (url := _url_of(entry.url_name)) is not None:
            items.append((entry.group, {"label": entry.label, "url": url, "active": False}))
    matches = [i for _, i in items if _covers(i["url"], path)]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    groups: dict[str, list[dict]] = {}
    for group, item in items:
        groups.setdefault(group, []).append(item)
    order = {name: i for i, name in enumerate(GROUPS)}
    return [
        {"label": name, "items": entries}
        for name, entries in sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]
