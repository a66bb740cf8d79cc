"""One of each pipeline record in an organization, for the cross-tenant crawler
(``tests/test_tenancy_crawler.py`` calls every route with another organization's ids)."""

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import world_builder
from frontdesk.pipeline import services
from frontdesk.pipeline.models import PipelineStage
from frontdesk.pipeline.tests.factories import complete_customer, log, make_lead, system


@world_builder
def pipeline_world(org, members):
    customer = complete_customer(
        org,
        first_name="World",
        last_name="Pipeliner",
        emails=[{"address": f"pipeline@{org.slug}.example"}],
    )
    lead = make_lead(
        org,
        title="World brake inquiry",
        customer=customer,
        owner=members["sales"],
        estimated_value=51000,
        description="World lead description",
    )
    converted = make_lead(org, title="World fleet deal", customer=customer)
    with tenant_scope(org):
        opportunity = services.lead_convert(org=org, actor=system(org), lead=converted)
        owner = members["owner"]
        actor = Actor(
            kind="staff",
            org_id=org.pk,
            membership_id=owner.pk,
            user_id=owner.user_id,
            role="owner",
            label="world owner",
        )
        services.opportunity_win_request(org=org, actor=actor, opportunity=opportunity)
        stage = PipelineStage.objects.get(key="inquiry")
    interaction = log(
        org,
        lead=lead,
        subject="World call about brakes",
        body="World interaction body",
        direction="outbound",
        follow_up_date="2030-01-02",
        staff=members["advisor"],
    )
    return [stage, lead, opportunity, interaction, customer]
