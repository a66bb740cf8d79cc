"""Demo Auto Care's calls: a morning of answered calls and a few missed ones waiting in
the recovery queue (one with a voicemail), one handled by SMS already."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.demo import DemoContext, demo_step
from frontdesk.telephony import services
from frontdesk.telephony.models import Call

LINE = "+15125550100"
CALLS = [
    # (from, status, minutes ago, duration, transcript)
    ("+15125550123", "completed", 300, 245, "Asked about the brake job estimate; booked Friday."),
    ("+15125550191", "missed", 95, 0, ""),
    (
        "+15125550176",
        "voicemail",
        40,
        38,
        "Hi, this is Priya, my car is making a grinding noise when I brake. "
        "Could someone call me back? Thanks.",
    ),
    ("+15125550148", "no_answer", 12, 0, ""),
    ("+15125550123", "completed", 8, 120, "Confirmed the Friday drop-off."),
]


@demo_step
def telephony_demo(ctx: DemoContext) -> None:
    org = ctx.org
    now = timezone.now()
    provider = Actor.system(org_id=org.pk, label="telephony provider")
    services.telephony_settings(org)
    made = []
    for i, (number, status, minutes, duration, transcript) in enumerate(CALLS):
        call, _ = services.call_record(
            org=org,
            actor=provider,
            data={
                "call_id": f"demo-call-{i + 1}",
                "from": number,
                "to": LINE,
                "direction": "inbound",
                "status": status,
                "started_at": now - dt.timedelta(minutes=minutes),
                "duration_s": duration,
                "recording_url": f"https://calls.example/rec/demo-{i + 1}.mp3" if duration else "",
                "transcript": transcript,
            },
        )
        made.append(call)
    # the oldest missed call was called back already
    services.missed_call_mark_handled(
        org=org, actor=ctx.actor, call=made[1], note="Called back: wants a quote for tires."
    )
    Call.objects.filter(pk=made[1].pk).update(overdue_notified_at=now)
