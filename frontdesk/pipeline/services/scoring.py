"""The lead score (SPEC 4.3): 0–100, transparent, from source, engagement recency and
count, estimated value and fit. ``lead_score_compute`` returns the score and its
breakdown; services store the score on the lead whenever one of its inputs changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from frontdesk.pipeline.choices import LeadSource

SOURCE_POINTS = {
    LeadSource.REFERRAL: 25,
    LeadSource.WALK_IN: 22,
    LeadSource.PHONE_CALL: 20,
    LeadSource.WEB_FORM: 15,
    LeadSource.EMAIL: 12,
    LeadSource.AD: 10,
    LeadSource.OTHER: 5,
}
RECENCY_STEPS = ((1, 25), (3, 18), (7, 10), (30, 5))  # (within days, points)
POINTS_PER_INTERACTION, MAX_ENGAGEMENT = 4, 20
VALUE_STEPS = ((500_00, 5), (2_000_00, 10))  # below → points; above the last → 15


def lead_score_compute(
    *, lead, interaction_count: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """``{"score": 0..100, "breakdown": [{factor, points, max, detail}]}``."""
    now = now or timezone.now()
    parts = []
    parts.append(
        {
            "factor": "source",
            "points": SOURCE_POINTS.get(lead.source, 5),
            "max": 25,
            "detail": lead.source,
        }
    )
    days = (
        max((now - lead.last_touch_at).total_seconds() / 86400, 0) if lead.last_touch_at else None
    )
    recency = 0
    if days is not None:
        recency = next((p for limit, p in RECENCY_STEPS if days <= limit), 0)
    parts.append(
        {
            "factor": "recency",
            "points": recency,
            "max": 25,
            "detail": f"last touch {days:.1f} days ago" if days is not None else "never touched",
        }
    )
    parts.append(
        {
            "factor": "engagement",
            "points": min(interaction_count * POINTS_PER_INTERACTION, MAX_ENGAGEMENT),
            "max": MAX_ENGAGEMENT,
            "detail": f"{interaction_count} interactions",
        }
    )
    value = lead.estimated_value
    value_points = 0
    if value:
        value_points = next((p for limit, p in VALUE_STEPS if value < limit), 15)
    parts.append(
        {
            "factor": "value",
            "points": value_points,
            "max": 15,
            "detail": "no estimate" if value is None else f"{value} minor units",
        }
    )
    fit, reasons = 0, []
    customer = lead.customer
    if customer is not None:
        if customer.phones.exists():
            fit += 5
            reasons.append("phone")
        if customer.emails.exists():
            fit += 5
            reasons.append("email")
        if customer.lifecycle_stage == "customer" or customer.addresses.exists():
            fit += 5
            reasons.append(
                "existing customer" if customer.lifecycle_stage == "customer" else "address"
            )
    parts.append(
        {"factor": "fit", "points": fit, "max": 15, "detail": ", ".join(reasons) or "no contact"}
    )
    score = max(0, min(100, sum(p["points"] for p in parts)))
    return {"score": score, "breakdown": parts}
