"""The dashboard's sections (SPEC section 6), filled by the domains that own the data.

Core declares the sections the spec names, each with the permission a role needs to
see it. A domain fills one from its ``frontdesk/<app>/dashboard.py`` (imported at start
up, like ``admin.py``)::

    from frontdesk.core.dashboard import dashboard_section

    @dashboard_section("appointments_today")
    def appointments_today(request):
        rows = appointment_list_for_day(org=request.org, day=...)
        return "scheduling/partials/_dashboard_today.html", {"appointments": rows}

A provider takes the request (``request.org``, ``request.actor``) and returns a template
name and its context; it runs inside the organization's scope. A section nobody provides
yet shows its placeholder. A domain may add a section the spec does not name by passing
``title=`` and ``permission=``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string

from frontdesk.organizations.roles import is_known_permission

Provider = Callable[[HttpRequest], tuple[str, dict]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    permission: str
    placeholder: str = "Nothing here yet."
    order: int = 100


SECTIONS: dict[str, Section] = {
    s.key: s
    for s in [
        Section(
            "appointments_today",
            "Today's appointments",
            "appointments.view",
            "Appointments show here once the calendar is in use.",
            10,
        ),
        Section(
            "follow_ups_today",
            "Today's follow-ups",
            "interactions.view",
            "Follow-ups due today show here.",
            20,
        ),
        Section(
            "stale_leads",
            "Stale leads",
            "leads.view",
            "Leads without a touch for three business days show here.",
            30,
        ),
        Section(
            "approval_queue",
            "Approval queue",
            "messages.approve",
            "Messages waiting for your approval show here.",
            40,
        ),
        Section(
            "new_inquiries",
            "New inquiries",
            "leads.view",
            "Inquiries from your website show here.",
            50,
        ),
    ]
}
PROVIDERS: dict[str, Provider] = {}


def dashboard_section(
    key: str, *, title: str | None = None, permission: str | None = None, order: int = 100
) -> Callable[[Provider], Provider]:
    """Register the provider of section ``key``."""
    if key not in SECTIONS:
        if not title or not permission:
            raise ValueError(f"section {key!r} is new: give it a title and a permission")
        SECTIONS[key] = Section(key, title, permission, order=order)
    if permission and not is_known_permission(permission):
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(provider: Provider) -> Provider:
        PROVIDERS[key] = provider
        return provider

    return decorator


def sections_for(request: HttpRequest) -> list[dict]:
    """The sections the request's actor may see, rendered (or ``html=None``: placeholder)."""
    out = []
    for section in sorted(SECTIONS.values(), key=lambda s: (s.order, s.key)):
        if not request.actor.has(section.permission):
            continue
        html = None
        provider = PROVIDERS.get(section.key)
        if provider is not None:
            template, context = provider(request)
            html = render_to_string(template, context, request=request)
        out.append({"section": section, "html": html})
    return out
