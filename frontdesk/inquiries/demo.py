"""Demo Auto Care's website inquiries: a handful from the last few days, one assigned,
one converted, the rest new in the inbox."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.inquiries import services
from frontdesk.inquiries.models import Inquiry

INQUIRIES = [
    (
        "Rachel Nguyen",
        "rachel.nguyen@example.com",
        "(512) 555-0187",
        "",
        "Hi, my check engine light came on this morning and the car idles rough. "
        "Can you take a look this week? I can drop it off before work.",
        50,
    ),
    (
        "Tom Becker",
        "tom@beckerplumbing.example",
        "(512) 555-0139",
        "Becker Plumbing",
        "We run four Ford Transit vans and are looking for a shop for regular fleet "
        "maintenance (oil, brakes, tires). Do you offer fleet pricing?",
        26,
    ),
    (
        "Lucia Romero",
        "lucia.romero@example.com",
        "",
        "",
        "How much is a brake pad replacement on a 2017 Honda CR-V, front axle?",
        7,
    ),
    (
        "Dev Kapoor",
        "",
        "(512) 555-0164",
        "",
        "Need new tires before a road trip on Friday. 225/65R17. Please call me.",
        1,
    ),
]


@demo_step
def inquiries_demo(ctx: DemoContext) -> None:
    org = ctx.org
    now = timezone.now()
    made = []
    for name, email, phone, business, message, hours_ago in INQUIRIES:
        inquiry = services.inquiry_receive(
            org=org,
            actor=Actor.public(org_id=org.pk),
            data={
                "name": name,
                "email": email,
                "phone": phone,
                "business": business,
                "message": message,
                "consent": True,
            },
            source_ip="203.0.113.10",
        )
        Inquiry.objects.filter(pk=inquiry.pk).update(created_at=now - dt.timedelta(hours=hours_ago))
        made.append(inquiry)
    sales = ctx.staff.get("sales") or ctx.staff.get("manager")
    if sales is not None:
        services.inquiry_assign(org=org, actor=ctx.actor, inquiry=made[1], assignee_id=sales.pk)
        services.inquiry_assign(org=org, actor=ctx.actor, inquiry=made[0], assignee_id=sales.pk)
    services.inquiry_resolve(
        org=org,
        actor=ctx.actor,
        inquiry=made[0],
        resolution="converted",
        note="Booked a diagnostic for Thursday morning.",
    )
