"""What the pipeline adds to other domains' pages: the customer 360 sections (latest
interactions with the "log a call" form; open leads and opportunities), the dashboard
sections are in ``dashboard.py``, and the merge relations (merging customers moves their
leads, opportunities and interactions to the survivor). Registered from
``PipelineConfig.ready()``."""

from __future__ import annotations

from typing import Any

from frontdesk.customers import merge, overview
from frontdesk.customers.models import Customer
from frontdesk.pipeline import permissions as perm
from frontdesk.pipeline.choices import OPEN_LEAD_STATUSES, OPEN_OPPORTUNITY_STAGES, Outcome
from frontdesk.pipeline.models import Interaction, Lead, Opportunity
from frontdesk.scheduling.times import org_zone

LATEST = 10


def customer_interactions(customer: Customer) -> dict[str, Any]:
    zone = org_zone(customer.organization)
    rows = (
        Interaction.objects.filter(customer=customer)
        .select_related("staff__user")
        .order_by("-occurred_at", "-id")[:LATEST]
    )
    return {
        "items": [
            {
                "id": i.pk,
                "type": i.type,
                "type_label": i.get_type_display(),
                "direction": i.direction,
                "occurred_at": i.occurred_at.astimezone(zone),
                "subject": i.subject,
                "outcome": i.outcome,
                "staff": (i.staff.user.full_name or i.staff.user.email) if i.staff else None,
                "follow_up_date": i.follow_up_date,
                "follow_up_status": i.follow_up_status,
                "lead_id": i.lead_id,
                "opportunity_id": i.opportunity_id,
            }
            for i in rows
        ],
        "outcomes": Outcome.choices,
    }


def customer_pipeline(customer: Customer) -> dict[str, Any]:
    leads = (
        Lead.objects.filter(customer=customer, status__in=OPEN_LEAD_STATUSES)
        .select_related("stage")
        .order_by("-created_at")[:20]
    )
    opportunities = Opportunity.objects.filter(
        customer=customer, stage__in=OPEN_OPPORTUNITY_STAGES
    ).order_by("-created_at")[:20]
    return {
        "currency": customer.organization.currency,
        "leads": [
            {
                "id": lead.pk,
                "number": lead.number,
                "title": lead.title,
                "stage": lead.stage.name,
                "status": lead.status,
                "estimated_value": lead.estimated_value,
            }
            for lead in leads
        ],
        "opportunities": [
            {
                "id": o.pk,
                "number": o.number,
                "name": o.name,
                "stage": o.stage,
                "amount": o.amount,
                "close_date": o.close_date,
            }
            for o in opportunities
        ],
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
