"""Every memberships endpoint: 401, 403 (nothing written), 404 for another
organization's ids, the allowed path; bad input (422), conflicts (409), idempotency."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.models import OutboxEvent
from frontdesk.memberships.models import CustomerMembership, MembershipPlan, PlanService
from frontdesk.memberships.selectors import org_today
from frontdesk.memberships.tests.factories import assign, make_plan, make_service
from frontdesk.organizations.roles import permissions_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    customer = make_customer(org, first_name="World", last_name="Member")
    service = make_service(org, code="OIL", name="World oil change", price=6999)
    plan = make_plan(org, name="World Basic", included=[(service, 0)], discount_percent=5)
    premium = make_plan(org, name="World Premium", discount_percent=15)
    member = make_customer(org, first_name="World", last_name="Holder")
    assign(org, member, plan)
    return {
        "customer": customer,
        "member": member,
        "service": service,
        "plan": plan,
        "premium": premium,
    }


ROUTES = [
    ("get", "/membership-plans", "customers.view", None),
    ("post", "/membership-plans", "catalog.manage", {"name": "Gold", "discount_percent": "12.5"}),
    ("patch", "/membership-plans/{plan}", "catalog.manage", {"priority_label": "Same day"}),
    ("post", "/customers/{customer}/membership", "memberships.assign", {"plan_id": "{plan}"}),
    ("get", "/customers/{member}/memberships", "customers.view", None),
    ("post", "/customers/{member}/membership/cancel", "memberships.assign", {"reason": "Moved"}),
]  # fmt: skip
ROUTE_IDS = [f"{m.upper()} {p}" for m, p, _, _ in ROUTES]


def fill(value, world):
    text = json.dumps(value)
    for name, obj in world.items():
        text = text.replace("{" + name + "}", str(obj.pk))
    return json.loads(text)


def call(client, method, path, body, world, **kw):
    path = fill(path, world)
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, fill(body, world) if body is not None else None, **kw)


def snapshot(org):
    with tenant_scope(org):
        return (
            CustomerMembership.objects.count(),
            MembershipPlan.objects.count(),
            PlanService.objects.count(),
            OutboxEvent.objects.count(),
            list(CustomerMembership.objects.values_list("status", flat=True).order_by("pk")),
        )


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route_needs_authentication(anon_api, world, method, path, permission, body):
    assert call(anon_api, method, path, body, world).status_code == 401


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route_is_open_to_a_role_with_its_permission(
    api, world, method, path, permission, body
):
    response = call(api, method, path, body, world)
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route_refuses_each_role_without_its_permission(
    api_as, org, world, method, path, permission, body
):
    for role in ("owner", "manager", "advisor", "cashier", "marketing", "sales"):
        if permission in permissions_for(role):
            continue
        before = snapshot(org)
        response = call(api_as(role), method, path, body, world)
        assert response.status_code == 403, (role, response.content)
        assert snapshot(org) == before


@pytest.mark.parametrize(
    ("method", "path", "permission", "body"),
    [r for r in ROUTES if "{" in r[1]],
    ids=[i for i, r in zip(ROUTE_IDS, ROUTES, strict=True) if "{" in r[1]],
)
def test_every_route_answers_404_for_another_organizations_ids(
    other_api, org, world, method, path, permission, body
):
    before = snapshot(org)
    response = call(other_api, method, path, body, world)
    assert response.status_code == 404, response.content
    assert "World" not in response.content.decode()
    assert snapshot(org) == before


def test_a_plan_stores_its_discount_in_basis_points_and_lists_included_services(api, world):
    response = api.post(
        "/membership-plans",
        {
            "name": "Gold Care",
            "discount_percent": "12.5",
            "included_services": [{"service_id": str(world["service"].pk), "price": 1500}],
            "priority_label": "Priority booking",
            "duration_days": 180,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["discount_bp"] == 1250
    assert body["discount_percent"] == "12.50"
    assert body["included_services"] == [
        {
            "service_id": str(world["service"].pk),
            "code": "OIL",
            "name": "World oil change",
            "list_price": 6999,
            "price": 1500,
        }
    ]
    patched = api.patch(f"/membership-plans/{body['id']}", {"included_services": []})
    assert patched.json()["included_services"] == []
    assert patched.json()["discount_bp"] == 1250


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "discount_percent": "101"},
        {"name": "X", "discount_percent": "-1"},
        {"name": "X", "discount_percent": "10.123"},
        {"name": "", "discount_percent": "10"},
        {"name": "X", "duration_days": 0},
        {"name": "X", "duration_days": 30.5},
        {"name": "X", "included_services": [{"service_id": "{plan}", "price": 0}]},
        {"name": "X", "included_services": [{"service_id": "{service}", "price": -1}]},
        {"name": "X", "included_services": [{"service_id": "{service}", "price": 9.99}]},
        {
            "name": "X",
            "included_services": [
                {"service_id": "{service}", "price": 0},
                {"service_id": "{service}", "price": 0},
            ],
        },
    ],
)
def test_a_plan_with_bad_input_is_422_and_writes_nothing(api, org, world, body):
    before = snapshot(org)
    response = api.post("/membership-plans", fill(body, world))
    assert response.status_code == 422, response.content
    assert snapshot(org) == before


def test_a_plan_name_is_unique(api, world):
    assert api.post("/membership-plans", {"name": "world basic"}).status_code == 409
    renamed = api.patch(f"/membership-plans/{world['premium'].pk}", {"name": "World Basic"})
    assert renamed.status_code == 409


def test_another_organizations_service_in_a_plan_is_not_found(api, other_org, world):
    foreign = make_service(other_org, code="FOREIGN")
    response = api.post(
        "/membership-plans",
        {"name": "X", "included_services": [{"service_id": str(foreign.pk), "price": 0}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "included_services[0].service_id"


def test_assigning_records_kind_expiry_and_who_assigned(api_as, org, world, members):
    customer = world["customer"]
    advisor = api_as("advisor")
    response = advisor.post(
        f"/customers/{customer.pk}/membership", {"plan_id": str(world["plan"].pk)}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    today = org_today(org)
    assert body["kind"] == "new"
    assert body["status"] == "active"
    assert body["starts_on"] == today.isoformat()
    assert body["expires_on"] == (today + dt.timedelta(days=365)).isoformat()
    assert body["assigned_by"]
    with tenant_scope(org):
        m = CustomerMembership.objects.get(pk=body["id"])
        assert m.assigned_by_id == members["advisor"].pk
        event = OutboxEvent.objects.get(type="membership.assigned", payload__id=body["id"])
        assert event.payload["kind"] == "new"


def test_the_kind_follows_the_history(api, org, world):
    customer = world["customer"]
    path = f"/customers/{customer.pk}/membership"
    kinds = [
        api.post(path, {"plan_id": str(world[p].pk)}).json()["kind"]
        for p in ("plan", "premium", "plan")
    ]
    assert kinds == ["new", "upgrade", "downgrade"]
    api.post(f"/customers/{customer.pk}/membership/cancel", {})
    again = api.post(path, {"plan_id": str(world["plan"].pk)}).json()
    assert again["kind"] == "renewal"
    history = api.get(f"/customers/{customer.pk}/memberships").json()["items"]
    assert [h["status"] for h in history] == ["active", "cancelled", "replaced", "replaced"]
    with tenant_scope(org):
        assert CustomerMembership.objects.filter(customer=customer, status="active").count() == 1


def test_a_renewal_without_a_date_starts_when_the_current_membership_ends(api, org, world):
    member = world["member"]
    with tenant_scope(org):
        current = CustomerMembership.objects.get(customer=member, status="active")
    body = api.post(f"/customers/{member.pk}/membership", {"plan_id": str(world["plan"].pk)}).json()
    assert body["kind"] == "renewal"
    assert body["starts_on"] == current.expires_on.isoformat()
    with tenant_scope(org):
        current.refresh_from_db()
        assert current.status == "replaced"
        assert current.ended_on == current.expires_on


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"plan_id": "nope"},
        {"plan_id": "{plan}", "starts_on": "2001-01-01"},
        {"plan_id": "{plan}", "starts_on": "tomorrow"},
        {"plan_id": "{plan}", "extra": True},
    ],
)
def test_assigning_with_bad_input_is_422_and_writes_nothing(api, org, world, body):
    before = snapshot(org)
    response = api.post(f"/customers/{world['customer'].pk}/membership", fill(body, world))
    assert response.status_code == 422, response.content
    assert snapshot(org) == before


def test_assigning_a_plan_no_longer_offered_is_409(api, org, world):
    api.patch(f"/membership-plans/{world['premium'].pk}", {"active": False})
    before = snapshot(org)
    response = api.post(
        f"/customers/{world['customer'].pk}/membership", {"plan_id": str(world["premium"].pk)}
    )
    assert response.status_code == 409
    assert snapshot(org) == before


def test_another_organizations_plan_in_the_body_is_not_found(api, other_org, world):
    foreign = make_plan(other_org, name="Foreign plan")
    response = api.post(
        f"/customers/{world['customer'].pk}/membership", {"plan_id": str(foreign.pk)}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "plan_id"


def test_cancelling_without_an_active_membership_is_409(api, world):
    response = api.post(f"/customers/{world['customer'].pk}/membership/cancel", {})
    assert response.status_code == 409


def test_a_repeated_idempotency_key_assigns_once(api, org, world):
    path = f"/customers/{world['customer'].pk}/membership"
    body = {"plan_id": str(world["plan"].pk)}
    first = api.post(path, body, HTTP_IDEMPOTENCY_KEY="assign-1")
    second = api.post(path, body, HTTP_IDEMPOTENCY_KEY="assign-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    with tenant_scope(org):
        assert CustomerMembership.objects.filter(customer=world["customer"]).count() == 1


def test_the_database_refuses_a_second_active_membership(org, world):
    with tenant_scope(org):
        current = CustomerMembership.objects.get(customer=world["member"])
        with pytest.raises(IntegrityError), transaction.atomic():
            CustomerMembership.objects.create(
                organization_id=org.pk,
                customer=world["member"],
                plan=world["premium"],
                kind="upgrade",
                starts_on=current.starts_on,
                expires_on=current.expires_on,
            )


def test_the_plan_list_costs_a_fixed_number_of_queries(
    api, org, world, django_assert_max_num_queries
):
    for i in range(8):
        make_plan(org, name=f"Extra {i}", included=[(world["service"], i)])
    with django_assert_max_num_queries(12):
        response = api.get("/membership-plans")
    assert len(response.json()["items"]) == 10


def test_the_history_costs_a_fixed_number_of_queries(
    api, org, world, django_assert_max_num_queries
):
    for plan in ("plan", "premium", "plan", "premium"):
        assign(org, world["customer"], world[plan])
    with django_assert_max_num_queries(12):
        response = api.get(f"/customers/{world['customer'].pk}/memberships")
    assert len(response.json()["items"]) == 4
