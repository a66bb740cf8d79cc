"""Inquiries for tests, made through the service the public form calls."""

from __future__ import annotations

import itertools
from typing import Any

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.inquiries.models import Inquiry
from frontdesk.inquiries.services import inquiry_receive

_serial = itertools.count(1)


def inquiry_data(**data: Any) -> dict[str, Any]:
    n = next(_serial)
    base = {
        "name": f"Visitor {n}",
        "email": f"visitor{n}@example.com",
        "phone": "",
        "business": "",
        "message": "Can you look at my brakes?",
        "consent": True,
    }
    return {**base, **data}


def make_inquiry(org, **data: Any) -> Inquiry:
    with tenant_scope(org):
        return inquiry_receive(
            org=org, actor=Actor.public(org_id=org.pk), data=inquiry_data(**data)
        )
