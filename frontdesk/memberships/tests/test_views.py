"""The membership pages: plans admin, a customer's membership (assign, cancel, history),
the 360 section; permissions and another organization's ids."""

import pytest
from django.test import Client

from frontdesk.audit.models import AuditEntry
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


# --- included services at a price ----------------------------------------------------------
def _plan_post(**extra):
    data = {"plan-name": "Premium Care", "plan-discount_percent": "10",
            "plan-priority_label": "", "plan-duration_days": "365"}  # fmt: skip
    return {**data, **extra}


def test_a_plan_includes_services_at_a_price_typed_as_an_amount(web, org):
    oil = make_service(org, code="OIL", name="Oil change", price=6999)
    insp = make_service(org, code="INSP", name="State inspection", price=2500)
    response = web("manager").post(
        "/memberships/plans/",
        _plan_post(**{"plan-included": [str(oil.pk), str(insp.pk)],
                      f"plan-price_{insp.pk}": "10.00", f"plan-price_{oil.pk}": ""}),
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_scope(org):
        plan = MembershipPlan.objects.get(name="Premium Care")
        assert dict(plan.included.values_list("service_id", "price")) == {oil.pk: 0, insp.pk: 1000}
    page = web("sales").get("/memberships/plans/").content.decode()
    assert "State inspection (10.00 USD)" in page and "Oil change (free)" in page


@pytest.mark.parametrize(
    ("price", "included", "message"),
    [
        ("10.005", True, "An amount such as 49.99"),
        ("ten", True, "An amount such as 49.99"),
        ("-1", True, "0 or more."),
        ("5.00", False, "Tick the service to include it at this price."),
    ],
)
def test_a_bad_plan_price_is_shown_on_the_form_and_adds_nothing(web, org, price, included, message):
    insp = make_service(org, code="INSP", name="State inspection", price=2500)
    data = _plan_post(**{f"plan-price_{insp.pk}": price})
    if included:
        data["plan-included"] = [str(insp.pk)]
    response = web("manager").post("/memberships/plans/", data)
    assert response.status_code == 422
    text = response.content.decode()
    assert f'id="id_plan-price_{insp.pk}_error"' in text and message in text
    assert f'value="{price}"' in text  # what was typed stays in the form
    with tenant_scope(org):
        assert not MembershipPlan.objects.exists()


def test_a_service_side_error_is_shown_next_to_that_service(web, org):
    make_plan(org, name="Premium Care")
    response = web("manager").post("/memberships/plans/", _plan_post())
    assert response.status_code == 422
    assert "A plan named" in response.content.decode()


def test_a_plan_is_changed_with_its_included_services_and_prices(web, org):
    oil = make_service(org, code="OIL", name="Oil change", price=6999)
    rot = make_service(org, code="ROT", name="Tire rotation", price=3000)
    plan = make_plan(org, name="Basic Care", included=[(oil, 0)], discount_percent=5)
    client = web("owner")
    page = client.get(f"/memberships/plans/{plan.pk}/").content.decode()
    assert 'value="Basic Care"' in page and f'name="plan-price_{oil.pk}" value="0.00"' in page
    response = client.post(
        f"/memberships/plans/{plan.pk}/",
        {"plan-name": "Basic Care", "plan-discount_percent": "7.5", "plan-duration_days": "180",
         "plan-included": [str(rot.pk)], f"plan-price_{rot.pk}": "15"},
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_scope(org):
        plan.refresh_from_db()
        assert (plan.discount_bp, plan.duration_days) == (750, 180)
        assert list(plan.included.values_list("service_id", "price")) == [(rot.pk, 1500)]
        audit = AuditEntry.objects.filter(object_id=str(plan.pk), action="update")
        changes = {k: v for e in audit.order_by("created_at", "id") for k, v in e.changes.items()}
    assert changes["included_services"][1] == [
        {"service_id": str(rot.pk), "code": "ROT", "price": 1500}
    ]
    bad = client.post(
        f"/memberships/plans/{plan.pk}/",
        {"plan-name": "Basic Care", "plan-discount_percent": "7.5", "plan-duration_days": "180",
         "plan-included": [str(rot.pk)], f"plan-price_{rot.pk}": "1.234"},
    )  # fmt: skip
    assert bad.status_code == 422
    with tenant_scope(org):
        assert list(plan.included.values_list("price", flat=True)) == [1500]


def test_changing_a_plan_needs_catalog_manage_and_the_organizations_plan(web, org, other_org):
    plan = make_plan(org)
    assert web("cashier").get(f"/memberships/plans/{plan.pk}/").status_code == 403
    assert web("advisor").post(f"/memberships/plans/{plan.pk}/", {}).status_code == 403
    foreign = make_plan(other_org)
    assert web("owner").get(f"/memberships/plans/{foreign.pk}/").status_code == 404
    assert web("owner").post(f"/memberships/plans/{foreign.pk}/", {}).status_code == 404


# --- the renewal reminder's lead time ------------------------------------------------------
def test_the_reminder_lead_time_is_set_on_the_plans_page_and_audited(web, org):
    client = web("manager")
    page = client.get("/memberships/plans/").content.decode()
    assert 'name="settings-reminder_days"' in page and 'value="14"' in page
    response = client.post(
        "/memberships/plans/", {"form": "settings", "settings-reminder_days": "30"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.settings["memberships"]["reminder_days"] == 30
    with tenant_scope(org):
        entry = AuditEntry.objects.filter(object_id=str(org.pk), action="update").latest(
            "created_at"
        )
    before, after = entry.changes["settings"]
    assert (before or {}).get("memberships") is None
    assert after["memberships"] == {"reminder_days": 30}
    assert 'value="30"' in client.get("/memberships/plans/").content.decode()
    assert "Drafted 30 days before" in web("sales").get("/memberships/plans/").content.decode()


@pytest.mark.parametrize("days", ["-1", "91", "7.5", "soon", ""])
def test_a_bad_reminder_lead_time_is_422_on_the_form_and_changes_nothing(web, org, days):
    response = web("owner").post(
        "/memberships/plans/", {"form": "settings", "settings-reminder_days": days}
    )
    assert response.status_code == 422
    assert 'id="id_settings-reminder_days_error"' in response.content.decode()
    org.refresh_from_db()
    assert "memberships" not in (org.settings or {})


def test_only_owners_and_managers_set_the_reminder_lead_time(web, org):
    response = web("cashier").post(
        "/memberships/plans/", {"form": "settings", "settings-reminder_days": "30"}
    )
    assert response.status_code == 403
    org.refresh_from_db()
    assert "memberships" not in (org.settings or {})
    assert Client().get("/memberships/plans/").status_code == 302  # to the login page
