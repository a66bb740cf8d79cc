"""Demo Auto Care's money: an auto shop's catalog, an 8.25 % sales tax, invoices for the
completed jobs and for counter sales over the last four months (most paid, some partly,
some overdue), an overpayment kept as credit, and a goodwill credit note — so the
statement, the receivables ageing and the 360 all have something true to show; and two
quotes, one open and one declined."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.customers.models import Customer
from frontdesk.money import services
from frontdesk.money.services.invoices import org_today
from frontdesk.scheduling.models import Job
from frontdesk.scheduling.times import org_zone

CATALOG = [
    ("OIL-SYN", "Synthetic oil change", 7999, True),
    ("OIL-CONV", "Conventional oil change", 4999, True),
    ("FLT-OIL", "Oil filter", 1299, True),
    ("TIRE-ROT", "Tire rotation", 2999, True),
    ("BRK-INSP", "Brake inspection", 4900, True),
    ("BRK-PADS-F", "Front brake pads (parts)", 8950, True),
    ("LAB-HR", "Labour, per hour", 12000, False),
    ("AC-RECH", "A/C recharge", 14900, True),
    ("INSP-STATE", "State inspection", 2550, False),
    ("ALIGN", "Four-wheel alignment", 9900, True),
    ("BATT", "Battery replacement", 18900, True),
    ("WIPER", "Wiper blades (pair)", 2900, True),
]


@demo_step
def money_demo(ctx: DemoContext) -> None:
    org, actor = ctx.org, ctx.actor
    rng = random.Random(7)  # noqa: S311 - demo data, not secrets
    services.tax_rate_set(org=org, actor=actor, tax_rate_bp_value=825)
    catalog = {
        code: services.service_create(
            org=org,
            actor=actor,
            data={"code": code, "name": name, "price": price, "taxable": taxable},
        )
        for code, name, price, taxable in CATALOG
    }
    today = org_today(org)
    zone = org_zone(org)

    def paid_at(day: dt.date, hour: int) -> dt.datetime:
        # never later than now: a demo made in the morning has no afternoon payments yet
        return min(dt.datetime.combine(day, dt.time(hour, 30), tzinfo=zone), timezone.now())

    # the completed jobs of the calendar demo: invoiced and paid at the counter
    for job in Job.objects.filter(status="completed").order_by("created_at"):
        invoice = services.invoice_create(org=org, actor=actor, job_id=job.pk)
        invoice = services.invoice_issue(org=org, actor=actor, invoice=invoice)
        services.payment_create(
            org=org, actor=actor, invoice_id=invoice.pk, amount=invoice.total,
            method=rng.choice(["card", "card", "cash"]), reference="Counter",
        )  # fmt: skip
    # counter sales over the last four months: paid, partly paid, overdue
    customers = list(Customer.objects.filter(merged_into__isnull=True).order_by("created_at"))
    baskets = [
        ["OIL-SYN", "FLT-OIL"],
        ["TIRE-ROT", "WIPER"],
        ["BRK-INSP", "BRK-PADS-F", "LAB-HR"],
        ["AC-RECH"],
        ["ALIGN", "TIRE-ROT"],
        ["BATT", "LAB-HR"],
        ["INSP-STATE", "OIL-CONV", "FLT-OIL"],
    ]
    for i in range(18):
        customer = customers[i % len(customers)]
        issued = today - dt.timedelta(days=rng.randint(1, 120))
        lines = [{"service_id": catalog[code].pk, "quantity": 1} for code in baskets[i % 7]]
        invoice = services.invoice_create(
            org=org, actor=actor, customer_id=customer.pk, lines=lines, invoice_date=issued
        )
        invoice = services.invoice_issue(org=org, actor=actor, invoice=invoice, issued_on=issued)
        outcome = i % 6
        if outcome in (0, 1, 2):  # paid in full, a few days later
            amount = invoice.total
        elif outcome == 3:  # partly paid
            amount = invoice.total // 2
        elif outcome == 4 and i == 4:  # paid a little too much: credit on account
            amount = invoice.total + 1000
        else:  # still owed: shows in the receivables ageing
            continue
        day = min(issued + dt.timedelta(days=rng.randint(0, 10)), today)
        services.payment_create(
            org=org, actor=actor, invoice_id=invoice.pk, amount=amount,
            method=rng.choice(["card", "check", "transfer", "cash"]),
            reference=f"Ref {1000 + i}", received_at=paid_at(day, 10 + i % 7),
        )  # fmt: skip
    # one draft being prepared, and a goodwill credit on account
    services.invoice_create(
        org=org, actor=actor, customer_id=customers[0].pk,
        lines=[{"service_id": catalog["ALIGN"].pk, "quantity": 1}],
    )  # fmt: skip
    services.credit_note_create(
        org=org, actor=actor, customer=customers[1], amount=1500, kind="adjustment",
        reason="Goodwill: the car was ready an hour late",
    )  # fmt: skip
    # quotes: one still open, one the customer declined
    services.quote_create(
        org=org, actor=actor, customer_id=customers[2 % len(customers)].pk,
        lines=[{"service_id": catalog[code].pk, "quantity": 1}
               for code in ("BRK-INSP", "BRK-PADS-F", "LAB-HR")],
        valid_until=today + dt.timedelta(days=30), notes="Front pads at 3 mm.",
    )  # fmt: skip
    declined = services.quote_create(
        org=org, actor=actor, customer_id=customers[3 % len(customers)].pk,
        lines=[{"service_id": catalog["AC-RECH"].pk, "quantity": 1}],
        quote_date=today - dt.timedelta(days=12),
    )  # fmt: skip
    services.quote_decline(org=org, actor=actor, quote=declined, reason="Will wait for summer")
