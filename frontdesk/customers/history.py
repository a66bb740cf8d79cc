"""A vehicle's history (``GET /vehicles/{id}/history``, SPEC 4.2): every job,
appointment and invoice for it. This app knows the owners over time; the domains that
own jobs, appointments and invoices add their sections once, from ``AppConfig.ready()``::

    from frontdesk.customers.history import register_section

    register_section("appointments", appointments_of_vehicle, permission="appointments.view")

``func(vehicle)`` returns a JSON-serializable list, newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.customers.models import Vehicle
from frontdesk.customers.selectors import vehicle_owner_list


@dataclass(frozen=True)
class Section:
    name: str
    func: Callable[[Vehicle], Any]
    permission: str | None = None


SECTIONS: dict[str, Section] = {}


def register_section(
    name: str, func: Callable[[Vehicle], Any], *, permission: str | None = None
) -> Section:
    section = Section(name=name, func=func, permission=permission)
    SECTIONS[name] = section
    return section


def unregister_section(name: str) -> None:
    SECTIONS.pop(name, None)


def vehicle_history(*, vehicle: Vehicle, actor: Actor | None = None) -> dict[str, Any]:
    return {
        "vehicle": vehicle,
        "owners": list(vehicle_owner_list(vehicle=vehicle).order_by("created_at")),
        "sections": {
            name: section.func(vehicle)
            for name, section in SECTIONS.items()
            if section.permission is None or actor is None or actor.has(section.permission)
        },
    }
