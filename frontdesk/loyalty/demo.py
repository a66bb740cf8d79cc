"""Demo Auto Care's loyalty program: a rewards catalog, points for the paid invoices the
money demo made (the same service the ``invoice.paid`` handler calls, so nothing is
earned twice), welcome bonuses and a few redemptions."""

from __future__ import annotations

from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.loyalty import services
from frontdesk.loyalty.handlers import earning_base
from frontdesk.money.choices import InvoiceStatus
from frontdesk.money.models import Invoice

REWARDS = [
    ("Free car wash", "Exterior wash and dry", 300),
    ("Free tire rotation", "Rotate and balance four tires", 500),
    ("Interior detail", "Vacuum, wipe-down and glass", 1_200),
    ("$50 off any service", "Applied at checkout", 2_500),
]


@demo_step
def loyalty_demo(ctx: DemoContext) -> None:
    org, actor = ctx.org, ctx.actor
    services.loyalty_settings_update(
        org=org,
        actor=actor,
        data={"earn_rate": 1, "point_value": 1, "silver": 500, "gold": 2000, "platinum": 5000},
    )
    rewards = [
        services.reward_create(
            org=org,
            actor=actor,
            data={"name": name, "description": description, "points_cost": cost},
        )
        for name, description, cost in REWARDS
    ]
    for invoice in Invoice.objects.filter(status=InvoiceStatus.PAID).select_related("customer"):
        services.points_earn_for_invoice(
            org=org,
            customer=invoice.customer,
            invoice_id=invoice.pk,
            amount=earning_base(invoice),
            currency=org.currency,
            reference=invoice.number,
        )
    customers = [c for c in ctx.data.get("customers", []) if c.status == "active"]
    bonuses = [250, 2_600, 600, 150, 5_400, 90, 1_100, 480]
    for customer, points in zip(customers, bonuses, strict=False):
        services.points_add(
            org=org,
            actor=actor,
            customer=customer,
            points=points,
            reason="Points carried over from the old punch-card program",
        )
    for customer, reward in zip(customers[1:3], rewards[:2], strict=False):
        services.points_redeem_reward(org=org, actor=actor, customer=customer, reward=reward)
