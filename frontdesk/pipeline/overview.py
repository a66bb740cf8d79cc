"""What the pipeline adds to other domains' pages: the customer 360 sections (latest
interactions with the "log a call" form; open leads and opportunities), the dashboard
sections are in ``dashboard.py``, and the merge relations (merging customers moves their
leads, opportunities and interactions to the survivor). Registered from
``PipelineConfig.ready()``. The 360's sections read plain rows with queries compiled
once (``core.prepared``)."""

from __future__ import annotations

from typing import Any

from frontdesk.core.prepared import Prepared
from frontdesk.customers import merge, overview
from frontdesk.customers.models import Customer
from frontdesk.pipeline import permissions as perm
from frontdesk.pipeline.choices import OPEN_LEAD_STATUSES, OPEN_OPPORTUNITY_STAGES, Outcome
from frontdesk.pipeline.models import Interaction, Lead, Opportunity
from frontdesk.scheduling.times import org_zone

LATEST = 10


_TYPE_LABELS = dict(Interaction._meta.get_field("type").flatchoices)  # get_type_display()
INTERACTION_VALUES = (
    "id",
    "type",
    "direction",
    "occurred_at",
    "subject",
    "outcome",
    "staff_id",
    "staff__user__full_name",
    "staff__user__email",
    "follow_up_date",
    "follow_up_status",
    "lead_id",
    "opportunity_id",
)
_interactions = Prepared(
    lambda p: (
        Interaction.objects.filter(customer_id=p.customer)
        .order_by("-occurred_at", "-id")
        .values(*INTERACTION_VALUES)[:LATEST]
    ),
    customer="id",
)


def customer_interactions(customer: Customer) -> dict[str, Any]:
    rows = _interactions(customer=customer.pk)
    zone = org_zone(customer.organization) if rows else None
    return {
        "items": [
            {
                "id": i["id"],
                "type": i["type"],
                "type_label": str(_TYPE_LABELS.get(i["type"], i["type"])),
                "direction": i["direction"],
                "occurred_at": i["occurred_at"].astimezone(zone),
                "subject": i["subject"],
                "outcome": i["outcome"],
                "staff": (i["staff__user__full_name"] or i["staff__user__email"])
                if i["staff_id"]
                else None,
                "follow_up_date": i["follow_up_date"],
                "follow_up_status": i["follow_up_status"],
                "lead_id": i["lead_id"],
                "opportunity_id": i["opportunity_id"],
            }
            for i in rows
        ],
        "outcomes": Outcome.choices,
    }


_open_leads = Prepared(
    lambda p: (
        Lead.objects.filter(customer_id=p.customer, status__in=OPEN_LEAD_STATUSES)
        .order_by("-created_at")
        .values("id", "number", "title", "stage__name", "status", "estimated_value")[:20]
    ),
    customer="id",
)
_open_opportunities = Prepared(
    lambda p: (
        Opportunity.objects.filter(customer_id=p.customer, stage__in=OPEN_OPPORTUNITY_STAGES)
        .order_by("-created_at")
        .values("id", "number", "name", "stage", "amount", "close_date")[:20]
    ),
    customer="id",
)


def customer_pipeline(customer: Customer) -> dict[str, Any]:
    leads = _open_leads(customer=customer.pk)
    for lead in leads:
        lead["stage"] = lead.pop("stage__name")
    return {
        "currency": customer.organization.currency,
        "leads": [
            {
                name: lead[name]
                for name in ("id", "number", "title", "stage", "status", "estimated_value")
            }
            for lead in leads
        ],
        "opportunities": _open_opportunities(customer=customer.pk),
    }


def register() -> None:
    overview.register_section(
        "latest_interactions", customer_interactions, permission=perm.INTERACTIONS_VIEW
    )
    overview.register_section(
        "open_leads_and_opportunities", customer_pipeline, permission=perm.LEADS_VIEW
    )
    merge.register_relation(Lead, "customer", name="leads")
    merge.register_relation(Opportunity, "customer", name="opportunities")
    merge.register_relation(Interaction, "customer", name="interactions")
