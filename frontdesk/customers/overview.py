"""The customer 360 (``GET /customers/{id}/overview``, SPEC 4.2): identity and contact,
consent, vehicles, notes and tags from this app, and a section for each later domain.

A domain adds its section once, from its ``AppConfig.ready()``::

    from frontdesk.customers.overview import register_section

    register_section("appointments", appointments_for_overview, permission="appointments.view")

``func(customer)`` returns something JSON-serializable and should cost one or two
indexed queries (the whole overview has a p95 target of 30 ms). Sections whose
permission the caller lacks are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.customers.models import Customer, CustomerNote, CustomerVehicle

RECENT_NOTES = 5


@dataclass(frozen=True)
class Section:
    name: str
    func: Callable[[Customer], Any]
    permission: str | None = None


SECTIONS: dict[str, Section] = {}


def register_section(
    name: str, func: Callable[[Customer], Any], *, permission: str | None = None
) -> Section:
    section = Section(name=name, func=func, permission=permission)
    SECTIONS[name] = section
    return section


def unregister_section(name: str) -> None:
    SECTIONS.pop(name, None)


def customer_overview(*, customer: Customer, actor: Actor | None = None) -> dict[str, Any]:
    """``customer`` should come from ``selectors.customer_get`` (contacts prefetched)."""
    vehicles = list(
        CustomerVehicle.objects.filter(customer=customer, is_current=True, status="active")
        .select_related("vehicle")
        .order_by("-primary_driver", "created_at")
    )
    notes = list(CustomerNote.objects.filter(customer=customer)[:RECENT_NOTES])
    sections = {
        name: section.func(customer)
        for name, section in SECTIONS.items()
        if section.permission is None or actor is None or actor.has(section.permission)
    }
    return {
        "customer": customer,
        "consent": {
            "opt_in_email": customer.opt_in_email,
            "opt_in_sms": customer.opt_in_sms,
            "opt_in_mail": customer.opt_in_mail,
            "do_not_contact": customer.do_not_contact,
            "preferred_channel": customer.preferred_channel,
            "phones": [
                {
                    "number": p.number,
                    "consent_to_call": p.consent_to_call,
                    "consent_at": p.consent_at,
                }
                for p in customer.phones.all()
            ],
        },
        "vehicles": vehicles,
        "recent_notes": notes,
        "sections": sections,
    }
