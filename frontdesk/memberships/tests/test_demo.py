"""Demo Auto Care has plans, members and loyalty points."""

import pytest

from frontdesk.core.demo import demo_create
from frontdesk.core.tenancy import tenant_scope
from frontdesk.loyalty.models import PointsEntry, Reward
from frontdesk.memberships.models import CustomerMembership, MembershipPlan
from frontdesk.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_the_demo_has_basic_and_premium_care_members_and_points(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    demo_create(slug="demo-memberships")
    org = Organization.objects.get(slug="demo-memberships")
    with tenant_scope(org):
        assert set(MembershipPlan.objects.values_list("name", flat=True)) >= {
            "Basic Care",
            "Premium Care",
        }
        statuses = set(CustomerMembership.objects.values_list("status", flat=True))
        assert {"active", "expired", "replaced"} <= statuses
        assert CustomerMembership.objects.filter(kind="upgrade").exists()
        assert Reward.objects.count() == 4
        assert PointsEntry.objects.filter(kind="add").count() >= 5
        assert PointsEntry.objects.filter(kind="redeem").exists()
