"""The membership pages: plans admin, a customer's membership (assign, cancel, history),
the 360 section; permissions and another organization's ids."""

import pytest
from django.test import Client

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.memberships.models import CustomerMembership, MembershipPlan
from frontdesk.memberships.tests.factories import assign, make_plan, make_service
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(members):
    def login(role: str = "owner") -> Client:
        client = Client()
        client.force_login(members[role].user)
        session = client.session
        session[SESSION_MEMBERSHIP_KEY] = str(members[role].pk)
        session.save()
        return client

    return login


def test_a_manager_adds_a_plan_with_included_services(web, org):
    oil = make_service(org, code="OIL", name="Oil change")
    response = web("manager").post(
        "/memberships/plans/",
        {"plan-name": "Premium Care", "plan-discount_percent": "10", "plan-included": [str(oil.pk)],
         "plan-priority_label": "Priority", "plan-duration_days": "365"},
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_scope(org):
        plan = MembershipPlan.objects.get(name="Premium Care")
        assert plan.discount_bp == 1000
        assert list(plan.included.values_list("service_id", "price")) == [(oil.pk, 0)]
    page = web("sales").get("/memberships/plans/").content.decode()
    assert "Premium Care" in page and "Add a plan" not in page


def test_an_advisor_cannot_add_plans(web, org):
    response = web("advisor").post("/memberships/plans/", {"plan-name": "X"})
    assert response.status_code == 403


def test_assigning_and_cancelling_from_the_customer_page(web, org):
    customer = make_customer(org)
    plan = make_plan(org, name="Basic Care")
    client = web("cashier")
    assigned = client.post(
        f"/memberships/customers/{customer.pk}/assign/", {"assign-plan": str(plan.pk)}
    )
    assert assigned.status_code == 302
    page = client.get(f"/memberships/customers/{customer.pk}/").content.decode()
    assert "Basic Care" in page and 'id="membership-cancel"' in page
    cancelled = client.post(
        f"/memberships/customers/{customer.pk}/cancel/", {"cancel-reason": "Moved"}
    )
    assert cancelled.status_code == 302
    with tenant_scope(org):
        assert CustomerMembership.objects.get(customer=customer).status == "cancelled"
    again = client.post(f"/memberships/customers/{customer.pk}/cancel/", {})
    assert again.status_code == 409


def test_a_bad_start_date_is_422_and_assigns_nothing(web, org):
    customer = make_customer(org)
    plan = make_plan(org)
    response = web("owner").post(
        f"/memberships/customers/{customer.pk}/assign/",
        {"assign-plan": str(plan.pk), "assign-starts_on": "1999-01-01"},
    )
    assert response.status_code == 422
    with tenant_scope(org):
        assert not CustomerMembership.objects.exists()


def test_marketing_cannot_assign(web, org):
    customer = make_customer(org)
    plan = make_plan(org)
    response = web("marketing").post(
        f"/memberships/customers/{customer.pk}/assign/", {"assign-plan": str(plan.pk)}
    )
    assert response.status_code == 403


def test_the_360_shows_the_membership_and_its_expiry(web, org):
    customer = make_customer(org)
    membership = assign(org, customer, make_plan(org, name="Premium Care"))
    text = web("sales").get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="section-membership"' in text
    assert membership.expires_on.strftime("%Y-%m-%d") in text


def test_another_organizations_customer_or_plan_is_404(web, org, other_org):
    stranger = make_customer(other_org)
    assert web("owner").get(f"/memberships/customers/{stranger.pk}/").status_code == 404
    foreign_plan = make_plan(other_org)
    customer = make_customer(org)
    response = web("owner").post(
        f"/memberships/customers/{customer.pk}/assign/", {"assign-plan": str(foreign_plan.pk)}
    )
    assert response.status_code == 422  # not a choice of this organization
    assert web("owner").post(f"/memberships/plans/{foreign_plan.pk}/toggle/").status_code == 404
