"""Demo data of messaging: templates, a few messages in each state, an SMS conversation
with a STOP, and notifications for the owner and the manager."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.core.services import model_update
from frontdesk.customers.models import Customer
from frontdesk.customers.services import customer_create
from frontdesk.messaging import services
from frontdesk.messaging.models import Message
from frontdesk.organizations.roles import permissions_for

TEMPLATES = [
    {
        "name": "Vehicle ready",
        "channel": "sms",
        "body": "Hi {{ first_name }}, your vehicle is ready for pickup at {{ organization_name }}.",
    },
    {
        "name": "Appointment reminder",
        "channel": "sms",
        "body": "Reminder: {{ organization_name }} expects you {{ when|date:'D j M, g:i A' }}."
        " Reply HELP for help, STOP to opt out.",
    },
    {
        "name": "Spring service special",
        "channel": "email",
        "category": "marketing",
        "subject": "{{ first_name }}, 15% off your spring service",
        "body": "Hello {{ first_name }},\n\nBook a spring service this month and save 15%.\n\n"
        "{{ organization_name }}",
    },
]

PEOPLE = [
    ("Maria", "Garcia", "+15125550142", "maria.garcia@example.com", {}),
    ("James", "Okafor", "+15125550143", "james.okafor@example.com", {}),
    ("Linh", "Tran", "+15125550144", "linh.tran@example.com", {"opt_in_sms": False}),
    ("Peter", "Novak", "+15125550145", "peter.novak@example.com", {"do_not_contact": True}),
]


def _staff_actor(membership) -> Actor:
    return Actor(
        kind="staff",
        org_id=membership.organization_id,
        user_id=membership.user_id,
        membership_id=membership.pk,
        role=membership.role,
        label=membership.user.email,
        permissions=permissions_for(membership.role),
        via="cli",
    )


def _customers(ctx: DemoContext) -> list[Customer]:
    existing = list(Customer.objects.filter(merged_into__isnull=True).order_by("created_at")[:4])
    if len(existing) >= len(PEOPLE):
        # the customers demo made them: give them the consent situations this demo shows
        for customer, (*_, consent) in zip(existing, PEOPLE, strict=False):
            if consent:
                model_update(instance=customer, org=ctx.org, actor=ctx.actor, data=consent)
        return existing
    made = []
    for first, last, phone, email, consent in PEOPLE:
        made.append(
            customer_create(
                org=ctx.org,
                actor=ctx.actor,
                allow_duplicate=True,
                data={
                    "first_name": first,
                    "last_name": last,
                    "phones": [{"number": phone, "kind": "mobile"}],
                    "emails": [{"address": email}],
                    "communication": {"opt_in_email": True, "opt_in_sms": True, **consent},
                },
            )
        )
    return made


@demo_step
def messaging_demo(ctx: DemoContext) -> None:
    org, system = ctx.org, ctx.actor
    owner = _staff_actor(ctx.staff["owner"])
    advisor = _staff_actor(ctx.staff["advisor"])
    templates = {
        t["name"]: services.template_create(org=org, actor=system, data=t) for t in TEMPLATES
    }
    maria, james, linh, peter = _customers(ctx)
    noon = dt.datetime.combine(
        timezone.now().astimezone(zoneinfo.ZoneInfo(org.time_zone)).date(),
        dt.time(12, 0),
        tzinfo=zoneinfo.ZoneInfo(org.time_zone),
    )

    def send(message: Message) -> Message:
        services.message_send(org=org, message_id=message.pk, now=noon)
        return Message.objects.get(pk=message.pk)

    # sent by a staff member (no approval needed), then delivered
    ready = services.message_create(
        org=org, actor=advisor, origin="staff", customer=maria, channel="sms",
        template=templates["Vehicle ready"],
    )  # fmt: skip
    ready = send(ready)
    services.sms_status_apply(org=org, provider_id=ready.provider_id, provider_status="delivered")
    # waiting for approval: an automation reminder, an assistant draft, a campaign email
    services.message_create(
        org=org, actor=system, origin="automation", customer=james, channel="sms",
        template=templates["Appointment reminder"],
        variables={"when": (noon + dt.timedelta(days=1, hours=-3)).isoformat()},
    )  # fmt: skip
    assistant = Actor(kind="assistant", org_id=org.pk, label="AI assistant (demo)")
    services.message_create(
        org=org, actor=assistant, origin="assistant", customer=maria, channel="email",
        subject="Following up on your estimate",
        body="Hi {{ first_name }}, any questions about the brake estimate we sent? "
        "We can book you in this week.",
    )  # fmt: skip
    services.message_create(
        org=org, actor=system, origin="campaign", customer=james, channel="email",
        template=templates["Spring service special"],
    )  # fmt: skip
    # blocked at sending: do-not-contact, and marketing SMS without opt-in
    blocked = services.message_create(
        org=org, actor=owner, origin="staff", customer=peter, channel="sms",
        body="Hi {{ first_name }}, we have a loaner car for you.",
    )  # fmt: skip
    send(blocked)
    no_opt_in = services.message_create(
        org=org, actor=system, origin="automation", customer=linh, channel="sms",
        category="marketing", body="Hi {{ first_name }}, 15% off this month.",
    )  # fmt: skip
    services.message_approve(org=org, actor=owner, message=no_opt_in)
    send(no_opt_in)
    # rejected by the owner
    rejected = services.message_create(
        org=org, actor=system, origin="automation", customer=linh, channel="email",
        subject="We miss you", body="It has been a while, {{ first_name }}!",
    )  # fmt: skip
    services.message_reject(
        org=org, actor=owner, message=rejected, reason="She was here last week."
    )
    # failed at the provider
    failed = send(
        services.message_create(
            org=org,
            actor=advisor,
            origin="staff",
            customer=james,
            channel="sms",
            body="Your tyres are in, {{ first_name }}.",
        )  # fmt: skip
    )
    services.sms_status_apply(
        org=org, provider_id=failed.provider_id, provider_status="undelivered", error_code="30003"
    )
    # due in the customer's quiet hours: waits in the queue until 08:00 their time
    late = services.message_create(
        org=org, actor=advisor, origin="staff", customer=james, channel="sms",
        body="Hi {{ first_name }}, your inspection report is ready.",
    )  # fmt: skip
    services.message_send(org=org, message_id=late.pk, now=noon + dt.timedelta(hours=10))
    # an SMS conversation: a question (notifies staff), then STOP from another number
    services.sms_inbound_receive(
        org=org, provider_id="SMdemo0001", from_number=maria.primary_phone, to_number="",
        body="Thanks! Can I pick it up after 6?",
    )  # fmt: skip
    services.sms_inbound_receive(
        org=org, provider_id="SMdemo0002", from_number=linh.primary_phone, to_number="",
        body="STOP",
    )  # fmt: skip
    services.notification_create(
        org=org,
        permission="messages.approve",
        kind="other",
        title="Welcome to Frontdesk messaging",
        body="Messages from automation, campaigns and the AI assistant wait in the approval"
        " queue until you approve them.",
        link="/messages/approvals",
        key="demo-welcome",
    )
