"""Demo Auto Care's pipeline: a realistic board (leads in every stage from every kind of
source, owned by the sales rep and the advisor), their calls and emails, a few stale
leads, follow-ups due today and overdue, converted opportunities — won, lost with a
re-engagement reminder, and open proposals — so the board, the reports and the
dashboard have something true to show on any date.

Everything goes through the services; only history (when a lead came in, when a call
happened) is written as it was, by back-dating the derived timestamps afterwards.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.customers.services import customer_create
from frontdesk.organizations.roles import permissions_for
from frontdesk.pipeline import services
from frontdesk.pipeline.models import Lead
from frontdesk.pipeline.selectors import local_today

# (title, source, stage, value in cents, owner role, contact, days ago, touches)
LEADS = [
    ("Brake noise, wants a quote", "phone_call", "inquiry", 38000, "sales",
     ("Hannah", "Fischer", "+1 512 555 0201", "hannah.fischer@example.com"), 0, 0),
    ("Fleet of 6 vans: maintenance plan", "referral", "needs_analysis", 540000, "sales",
     ("Rob", "Delgado", "+1 512 555 0202", "rob@delgado-plumbing.example"), 4, 2),
    ("Check engine light, 2015 Jetta", "web_form", "inquiry", 25000, "advisor",
     ("Sofia", "Marino", "+1 512 555 0203", "sofia.marino@example.com"), 1, 0),
    ("Timing belt replacement", "walk_in", "estimate_sent", 89000, "advisor",
     ("Ken", "Oduya", "+1 512 555 0204", ""), 6, 2),
    ("A/C not cooling", "phone_call", "estimate_sent", 64000, "sales",
     ("Grace", "Lin", "+1 512 555 0205", "grace.lin@example.com"), 9, 1),
    ("Four new all-season tires", "ad", "follow_up", 72000, "sales",
     ("Omar", "Haddad", "+1 512 555 0206", "omar.haddad@example.com"), 12, 3),
    ("Pre-purchase inspection", "email", "follow_up", 15000, None,
     ("Julia", "Berg", "", "julia.berg@example.com"), 15, 1),
    ("Transmission slipping", "phone_call", "scheduled_visit", 180000, "advisor",
     ("Victor", "Ramos", "+1 512 555 0208", ""), 7, 3),
    ("Brake fluid + pads", "referral", "needs_analysis", 42000, "sales",
     ("Nina", "Kowalski", "+1 512 555 0209", "nina.k@example.com"), 2, 1),
    ("Windshield chip repair", "web_form", "inquiry", 9000, None,
     ("Leo", "Martins", "", "leo.martins@example.com"), 8, 0),
]  # fmt: skip
# (title, contact index in LEADS, outcome, amount, days ago closed)
DEALS = [
    ("Suspension overhaul", ("Ella", "Brooks", "+1 512 555 0211"), "won", 145000, 3),
    ("Hybrid battery check", ("Sam", "Ortega", "+1 512 555 0212"), "won", 32000, 12),
    ("Full detail + ceramic coat", ("Ava", "Kim", "+1 512 555 0213"), "lost", 60000, 5),
    ("Clutch replacement", ("Ben", "Hall", "+1 512 555 0214"), "proposal_sent", 120000, 0),
    ("Diesel injector service", ("Tara", "Quinn", "+1 512 555 0215"), "negotiating", 98000, 0),
]


def _actor(ctx: DemoContext, role: str) -> Actor:
    member = ctx.staff[role]
    return Actor(
        kind="staff",
        org_id=ctx.org.pk,
        user_id=member.user_id,
        membership_id=member.pk,
        role=role,
        label=member.user.full_name or member.user.email,
        permissions=permissions_for(role),
        via="cli",
    )


def _contact(ctx: DemoContext, first: str, last: str, phone: str, email: str = ""):
    data = {
        "first_name": first,
        "last_name": last,
        "source": "phone_call" if phone else "email",
        "phones": [{"number": phone, "primary": True}] if phone else [],
        "emails": [{"address": email, "primary": True}] if email else [],
        "addresses": [
            {"street": f"{len(last) * 117} {last} Rd", "city": "Austin", "state": "TX",
             "postal_code": "78704", "country": "US"}
        ],
    }  # fmt: skip
    return customer_create(org=ctx.org, actor=ctx.actor, data=data, allow_duplicate=True)


def _backdate(lead: Lead, when: dt.datetime) -> None:
    Lead.objects.filter(pk=lead.pk).update(
        created_at=when, stage_changed_at=when, last_touch_at=when, open_touch_at=when
    )


@demo_step
def pipeline_demo(ctx: DemoContext) -> None:
    org = ctx.org
    now = timezone.now()
    today = local_today(org, now)
    services.stages_ensure(org=org)
    for i, (title, source, stage, value, owner, person, days, touches) in enumerate(LEADS):
        first, last, phone, email = person
        customer = _contact(ctx, first, last, phone, email)
        created = now - dt.timedelta(days=days, hours=2 + i)
        lead = services.lead_create(
            org=org,
            actor=ctx.actor,
            title=title,
            source=source,
            customer=customer,
            estimated_value=value,
            owner=ctx.staff[owner] if owner else None,
            stage=stage,
            description=f"{first} {last} got in touch by {source.replace('_', ' ')}.",
        )
        _backdate(lead, created)
        lead.refresh_from_db()
        services.interaction_log(
            org=org,
            actor=ctx.actor,
            type="phone_call" if source in ("phone_call", "walk_in") else "web",
            lead=lead,
            direction="inbound",
            occurred_at=created,
            subject=f"First contact: {title}",
            outcome="spoke",
        )
        staff = ctx.staff[owner] if owner else ctx.staff["sales"]
        for t in range(touches):
            at = created + dt.timedelta(days=1 + t, hours=1)
            if at > now:
                break
            last_touch = t == touches - 1
            services.interaction_log(
                org=org,
                actor=_actor(ctx, staff.role),
                type=("phone_call", "email_outbound", "sms_outbound")[t % 3],
                lead=lead,
                direction="outbound",
                occurred_at=at,
                staff=staff,
                subject=("Called back", "Sent the estimate", "Checked in by text")[t % 3],
                outcome=("spoke", "sent_proposal", "none")[t % 3],
                follow_up_date=(today if i % 2 else today - dt.timedelta(days=2))
                if last_touch
                else None,
            )
        if i == 1:
            services.lead_qualify(org=org, actor=ctx.actor, lead=lead)
    owner = _actor(ctx, "owner")
    for name, (first, last, phone), outcome, amount, days in DEALS:
        customer = _contact(ctx, first, last, phone)
        lead = services.lead_create(
            org=org,
            actor=ctx.actor,
            title=name,
            source="referral" if outcome == "won" else "phone_call",
            customer=customer,
            estimated_value=amount,
            owner=ctx.staff["sales"],
            stage="scheduled_visit",
        )
        _backdate(lead, now - dt.timedelta(days=days + 14))
        lead.refresh_from_db()
        opportunity = services.lead_convert(org=org, actor=ctx.actor, lead=lead)
        if outcome == "won":
            services.opportunity_win(org=org, actor=owner, opportunity=opportunity, confirm=True)
        elif outcome == "lost":
            services.opportunity_lose(
                org=org,
                actor=owner,
                opportunity=opportunity,
                reason="price",
                note="Went with the dealer's package price.",
                reengage_in_days=60,
            )
        else:
            services.opportunity_update(
                org=org, actor=owner, opportunity=opportunity, data={"stage": outcome}
            )
