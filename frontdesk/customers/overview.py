"""The customer 360 (``GET /customers/{id}/overview``, SPEC 4.2): identity and contact,
consent, vehicles, notes and tags from this app, and a section for each later domain.

A domain adds its section once, from its ``AppConfig.ready()``::

    from frontdesk.customers.overview import register_section

    register_section("appointments", appointments_for_overview, permission="appointments.view")

``func(customer)`` returns something JSON-serializable and should cost at most one
indexed query (the whole overview has a p95 target of 30 ms): read plain rows
(``values()``), better a ``core.prepared.Prepared`` query (compiled once; compiling a
queryset costs more CPU than PostgreSQL spends on an indexed lookup), and compute only
what the section shows. Sections whose permission the caller lacks are left out.

The API answers :func:`customer_overview_data` (plain rows throughout); the page
renders :func:`customer_overview` (model instances for its templates). Both run the
same sections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.core.prepared import Prepared
from frontdesk.customers.models import Customer, CustomerNote, CustomerVehicle
from frontdesk.customers.selectors import customer_detail_row
from frontdesk.organizations.models import Organization

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


def _sections(customer: Customer, actor: Actor | None) -> dict[str, Any]:
    customer._overview_memo = {}
    try:
        return {
            name: section.func(customer)
            for name, section in SECTIONS.items()
            if section.permission is None or actor is None or actor.has(section.permission)
        }
    finally:
        del customer._overview_memo


def shared(customer: Customer, key: str, compute: Callable[[], Any]) -> Any:
    """Rows several sections of one 360 show (``compute()`` runs once per overview; called
    outside one, it runs every time). A domain's sections share one query this way."""
    memo = getattr(customer, "_overview_memo", None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


LINK_VALUES = (
    "id",
    "customer_id",
    "relationship",
    "purchase_date",
    "purchase_type",
    "finance_type",
    "finance_company",
    "estimated_payoff_date",
    "status",
    "is_current",
    "is_serviced_here",
    "primary_driver",
    "annual_mileage",
    "created_at",
)
VEHICLE_VALUES = (
    "id",
    "vin",
    "year",
    "make",
    "model",
    "trim",
    "engine",
    "plate",
    "color",
    "mileage",
    "created_at",
    "updated_at",
)
_vehicle_rows = Prepared(
    lambda p: (
        CustomerVehicle.objects.filter(customer_id=p.customer, is_current=True, status="active")
        .order_by("-primary_driver", "created_at")
        .values(*LINK_VALUES, *(f"vehicle__{name}" for name in VEHICLE_VALUES))
    ),
    customer="id",
)
_note_rows = Prepared(
    lambda p: CustomerNote.objects.filter(customer_id=p.customer).values(
        "id", "body", "author_label", "created_at"
    )[:RECENT_NOTES],
    customer="id",
)


def _vehicles(customer_id) -> list[dict[str, Any]]:
    out = []
    for row in _vehicle_rows(customer=customer_id):
        link = {name: row[name] for name in LINK_VALUES}
        link["vehicle"] = {name: row[f"vehicle__{name}"] for name in VEHICLE_VALUES}
        out.append(link)
    return out


def customer_overview_data(*, org: Organization, id, actor: Actor | None = None) -> dict[str, Any]:
    """The 360 as plain rows, the shape of ``OverviewOut`` (``customer`` as
    ``selectors.customer_detail_row`` answers it); 404 for another organization's id."""
    row, customer = customer_detail_row(org=org, id=id)
    communication = row["communication"]
    return {
        "customer": row,
        "consent": {
            **communication,
            "preferred_channel": row["preferred_channel"],
            "phones": [
                {
                    "number": p["number"],
                    "consent_to_call": p["consent_to_call"],
                    "consent_at": p["consent_at"],
                }
                for p in row["phones"]
            ],
        },
        "vehicles": _vehicles(customer.pk),
        "recent_notes": _note_rows(customer=customer.pk),
        "sections": _sections(customer, actor),
    }


def customer_overview(*, customer: Customer, actor: Actor | None = None) -> dict[str, Any]:
    """For the page: ``customer`` should come from ``selectors.customer_get`` (contacts
    prefetched); vehicles and notes are model instances."""
    vehicles = list(
        CustomerVehicle.objects.filter(customer=customer, is_current=True, status="active")
        .select_related("vehicle")
        .order_by("-primary_driver", "created_at")
    )
    notes = list(CustomerNote.objects.filter(customer=customer)[:RECENT_NOTES])
    sections = _sections(customer, actor)
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
