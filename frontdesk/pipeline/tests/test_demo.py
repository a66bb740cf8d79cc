"""Demo Auto Care has a realistic pipeline on any date."""

import datetime as dt

import pytest
import time_machine

from frontdesk.core.demo import demo_create
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Organization
from frontdesk.pipeline import selectors
from frontdesk.pipeline.models import Interaction, Lead, Opportunity

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("moment", ["2030-01-07T13:05:00+00:00", "2030-01-12T20:00:00+00:00"])
def test_the_demo_has_leads_in_every_stage_deals_stale_leads_and_follow_ups(
    moment, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    with time_machine.travel(dt.datetime.fromisoformat(moment), tick=False):
        demo_create(slug="demo-pipeline")
        org = Organization.objects.get(slug="demo-pipeline")
        with tenant_scope(org):
            columns = selectors.board(org=org)
            assert all(c["count"] > 0 for c in columns)
            assert Lead.objects.filter(status="converted").count() == 5
            stages = set(Opportunity.objects.values_list("stage", flat=True))
            assert {"won", "lost", "proposal_sent"} <= stages
            assert selectors.stale_leads(org=org).exists()
            assert selectors.follow_ups_due(org=org).exists()
            assert Interaction.objects.filter(type="email_outbound").exists()
            report = selectors.pipeline_report(org=org)
            assert report["proposals_out"]["count"] == 1
