"""Demo Auto Care's memberships: "Basic Care" and "Premium Care", a handful of members
(new, renewed, upgraded; one expiring soon so a renewal reminder is due, one lapsed)."""

from __future__ import annotations

import datetime as dt

from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.memberships import services
from frontdesk.memberships.selectors import org_today
from frontdesk.money.models import Service
from frontdesk.money.services import service_create

# (code, name, list price): found in the catalog when money's demo made them
CATALOG = [
    ("OIL-SYN", "Synthetic oil change", 7_999),
    ("TIRE-ROT", "Tire rotation", 2_999),
    ("INSP-STATE", "State inspection", 2_550),
]


def _service(ctx: DemoContext, code: str, name: str, price: int) -> Service:
    found = (
        Service.objects.filter(code=code).first()
        or Service.objects.filter(name__iexact=name).first()
    )
    if found:
        return found
    return service_create(
        org=ctx.org, actor=ctx.actor, data={"code": code, "name": name, "price": price}
    )


@demo_step
def memberships_demo(ctx: DemoContext) -> None:
    org, actor = ctx.org, ctx.actor
    oil, rotation, inspection = (_service(ctx, *item) for item in CATALOG)
    basic = services.plan_create(
        org=org,
        actor=actor,
        data={
            "name": "Basic Care",
            "discount_percent": "5",
            "included_services": [{"service_id": rotation.pk, "price": 0}],
            "priority_label": "",
            "duration_days": 365,
        },
    )
    premium = services.plan_create(
        org=org,
        actor=actor,
        data={
            "name": "Premium Care",
            "discount_percent": "10",
            "included_services": [
                {"service_id": oil.pk, "price": 0},
                {"service_id": rotation.pk, "price": 0},
                {"service_id": inspection.pk, "price": 1_000},
            ],
            "priority_label": "Priority booking",
            "duration_days": 365,
        },
    )
    customers = [c for c in ctx.data.get("customers", []) if c.status == "active"]
    today = org_today(org)
    plan_of = [
        (premium, 200),  # member since 200 days
        (basic, 90),
        (premium, 355),  # ends in 10 days: a renewal reminder is due
        (basic, 400),  # lapsed (the daily job marks it expired)
        (basic, 30),  # upgraded below
    ]
    for customer, (plan, days_ago) in zip(customers, plan_of, strict=False):
        services.membership_assign(
            org=org,
            actor=actor,
            customer=customer,
            plan=plan,
            starts_on=today - dt.timedelta(days=min(days_ago, 365)),
        )
    if len(customers) >= 5:
        services.membership_assign(org=org, actor=actor, customer=customers[4], plan=premium)
    services.memberships_expire(org=org, today=today)
    ctx.data["membership_plans"] = [basic, premium]
