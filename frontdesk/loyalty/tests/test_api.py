"""Every loyalty endpoint: 401 anonymous, 404 for another organization's ids, 403 for a
role without the permission (nothing written), the allowed path; bad input (422, nothing
written), conflicts (409) and Idempotency-Key replays."""

import json
import uuid

import pytest

from frontdesk.audit.models import AuditEntry
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.models import OutboxEvent
from frontdesk.loyalty.models import PointsEntry, Reward
from frontdesk.loyalty.tests.factories import add_points, balance, earn, make_reward
from frontdesk.organizations.roles import permissions_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    customer = make_customer(org, first_name="World", last_name="Loyal")
    reward = make_reward(org, name="World free wash", points_cost=50)
    add_points(org, customer, 500, reason="World welcome")
    return {"customer": customer, "reward": reward}


ROUTES = [
    ("get", "/loyalty/settings", "customers.view", None),
    ("patch", "/loyalty/settings", "settings.manage", {"earn_rate": 2}),
    ("get", "/loyalty/rewards", "customers.view", None),
    ("post", "/loyalty/rewards", "catalog.manage", {"name": "Free detail", "points_cost": 900}),
    ("patch", "/loyalty/rewards/{reward}", "catalog.manage", {"points_cost": 60}),
    ("get", "/loyalty/{customer}", "customers.view", None),
    ("get", "/loyalty/{customer}/entries", "customers.view", None),
    ("post", "/loyalty/{customer}/points/add", "loyalty.adjust", {"points": 5, "reason": "Sorry"}),
    ("post", "/loyalty/{customer}/points/redeem", "loyalty.adjust", {"reward_id": "{reward}"}),
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
            AuditEntry.objects.count(),
            PointsEntry.objects.count(),
            Reward.objects.count(),
            OutboxEvent.objects.count(),
        )


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route_needs_authentication(anon_api, world, method, path, permission, body):
    response = call(anon_api, method, path, body, world)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


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
        before = snapshot(org)[1:]  # (a refusal may itself be audited)
        response = call(api_as(role), method, path, body, world)
        assert response.status_code == 403, (role, response.content)
        assert snapshot(org)[1:] == before


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


def test_an_assistant_token_reads_points_but_cannot_add_them(api_as, world):
    assistant = api_as("owner", assistant=True)
    assert assistant.get(f"/loyalty/{world['customer'].pk}").status_code == 200
    response = assistant.post(
        f"/loyalty/{world['customer'].pk}/points/add", {"points": 5, "reason": "x"}
    )
    assert response.status_code == 403


def test_the_summary_shows_balance_tier_and_history(api, org, world):
    customer = world["customer"]
    earn(org, customer, amount=25_075)  # $250.75 → 250 points at 1 point per dollar
    body = api.get(f"/loyalty/{customer.pk}").json()
    assert body["balance"] == 750
    assert body["lifetime_points"] == 750
    assert body["tier"] == "silver"
    assert body["next_tier"] == "gold"
    assert body["points_to_next_tier"] == 1250
    assert [e["kind"] for e in body["history"]] == ["earn", "add"]
    assert body["history"][0]["points"] == 250


def test_adding_points_credits_them_audits_and_emits_points_earned(api, org, world):
    customer = world["customer"]
    response = api.post(f"/loyalty/{customer.pk}/points/add", {"points": 40, "reason": "Long wait"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["balance"] == 540
    assert body["entry"]["kind"] == "add"
    assert body["entry"]["reason"] == "Long wait"
    with tenant_scope(org):
        event = OutboxEvent.objects.filter(type="loyalty.points_earned").latest("created_at")
        assert event.payload["points"] == 40
        assert event.payload["balance"] == 540
        assert AuditEntry.objects.filter(object_id=body["entry"]["id"]).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"points": 10},  # no reason
        {"points": 10, "reason": "   "},
        {"points": 0, "reason": "x"},
        {"points": -5, "reason": "x"},
        {"points": 1.5, "reason": "x"},
        {"points": "10", "reason": "x"},
        {"points": 10, "reason": "x", "extra": 1},
    ],
)
def test_adding_points_with_bad_input_is_422_and_writes_nothing(api, org, world, body):
    before = snapshot(org)
    response = api.post(f"/loyalty/{world['customer'].pk}/points/add", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"]
    assert snapshot(org) == before


def test_redeeming_a_reward_spends_its_cost_and_emits_points_redeemed(api, org, world):
    customer, reward = world["customer"], world["reward"]
    response = api.post(f"/loyalty/{customer.pk}/points/redeem", {"reward_id": str(reward.pk)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["balance"] == 450
    assert body["entry"]["points"] == -50
    assert body["entry"]["reward_name"] == "World free wash"
    with tenant_scope(org):
        assert OutboxEvent.objects.filter(type="loyalty.points_redeemed").count() == 1


def test_redeeming_more_than_the_balance_is_409_and_leaves_it_untouched(api, org, world):
    customer = world["customer"]
    pricey = make_reward(org, name="Set of tyres", points_cost=501)
    before = snapshot(org)
    response = api.post(f"/loyalty/{customer.pk}/points/redeem", {"reward_id": str(pricey.pk)})
    assert response.status_code == 409
    assert response.json()["balance"] == 500
    assert snapshot(org) == before
    assert balance(org, customer) == 500


def test_redeeming_a_switched_off_reward_is_409(api, org, world):
    api.patch(f"/loyalty/rewards/{world['reward'].pk}", {"active": False})
    response = api.post(
        f"/loyalty/{world['customer'].pk}/points/redeem", {"reward_id": str(world["reward"].pk)}
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reward_id": "{reward}", "points": 10},
        {"reward_id": str(uuid.uuid4())},
        {"reward_id": "not-a-uuid"},
        {"invoice_id": str(uuid.uuid4())},  # points missing
    ],
)
def test_redeeming_with_bad_input_is_422_and_writes_nothing(api, org, world, body):
    before = snapshot(org)
    response = api.post(f"/loyalty/{world['customer'].pk}/points/redeem", fill(body, world))
    assert response.status_code == 422, response.content
    assert snapshot(org) == before


def test_another_organizations_reward_in_the_body_is_not_found(api, other_org, world):
    foreign = make_reward(other_org, name="Foreign wash")
    response = api.post(
        f"/loyalty/{world['customer'].pk}/points/redeem", {"reward_id": str(foreign.pk)}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reward_id"


def test_a_repeated_idempotency_key_redeems_once_and_replays_the_answer(api, org, world):
    customer, reward = world["customer"], world["reward"]
    path = f"/loyalty/{customer.pk}/points/redeem"
    headers = {"HTTP_IDEMPOTENCY_KEY": "redeem-1"}
    first = api.post(path, {"reward_id": str(reward.pk)}, **headers)
    second = api.post(path, {"reward_id": str(reward.pk)}, **headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotency-Replayed"] == "true"
    assert balance(org, customer) == 450
    other = api.post(path, {"reward_id": str(make_reward(org).pk)}, **headers)
    assert other.status_code == 422  # same key, another request


def test_a_repeated_idempotency_key_adds_points_once(api, org, world):
    path = f"/loyalty/{world['customer'].pk}/points/add"
    for _ in range(3):
        response = api.post(path, {"points": 10, "reason": "Once"}, HTTP_IDEMPOTENCY_KEY="add-once")
        assert response.status_code == 201
    assert balance(org, world["customer"]) == 510


def test_points_of_an_archived_customer_cannot_move(api, org, world):
    customer = world["customer"]
    assert api.delete(f"/customers/{customer.pk}").status_code == 200
    response = api.post(f"/loyalty/{customer.pk}/points/add", {"points": 5, "reason": "x"})
    assert response.status_code == 409


def test_rewards_are_listed_cheapest_first_and_names_are_unique(api, world):
    api.post("/loyalty/rewards", {"name": "Free detail", "points_cost": 900})
    names = [r["name"] for r in api.get("/loyalty/rewards").json()["items"]]
    assert names == ["World free wash", "Free detail"]
    duplicate = api.post("/loyalty/rewards", {"name": "free DETAIL", "points_cost": 5})
    assert duplicate.status_code == 409
    rename = api.patch(f"/loyalty/rewards/{world['reward'].pk}", {"name": "Free Detail"})
    assert rename.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "points_cost": 0},
        {"name": "x", "points_cost": 9.5},
        {"name": "", "points_cost": 10},
        {"points_cost": 10},
    ],
)
def test_a_reward_with_bad_input_is_422(api, org, world, body):
    before = snapshot(org)
    assert api.post("/loyalty/rewards", body).status_code == 422
    assert snapshot(org) == before


def test_settings_change_and_validate_their_thresholds(api, org):
    assert api.get("/loyalty/settings").json()["earn_rate"] == 1
    changed = api.patch("/loyalty/settings", {"earn_rate": 3, "expiry_days": 365})
    assert changed.status_code == 200
    assert changed.json()["earn_rate"] == 3
    assert changed.json()["expiry_days"] == 365
    assert api.patch("/loyalty/settings", {"expiry_days": None}).json()["expiry_days"] is None
    bad = api.patch("/loyalty/settings", {"silver": 3000})  # above gold
    assert bad.status_code == 422
    assert api.patch("/loyalty/settings", {"earn_rate": 1.5}).status_code == 422
    assert api.patch("/loyalty/settings", {"earn_rate": -1}).status_code == 422
    assert api.get("/loyalty/settings").json()["silver"] == 500


def test_entries_page_through_the_whole_history(api, org, world):
    for i in range(4):
        add_points(org, world["customer"], 1 + i, reason=f"r{i}")
    first = api.get(f"/loyalty/{world['customer'].pk}/entries?limit=3").json()
    assert len(first["items"]) == 3
    rest = api.get(
        f"/loyalty/{world['customer'].pk}/entries?limit=3&cursor={first['next_cursor']}"
    ).json()
    assert len(rest["items"]) == 2
    assert rest["next_cursor"] is None


def test_the_summary_costs_the_same_few_queries_however_long_the_history(
    api, org, world, django_assert_max_num_queries
):
    for i in range(30):
        add_points(org, world["customer"], 1, reason=f"r{i}")
    with django_assert_max_num_queries(12):
        response = api.get(f"/loyalty/{world['customer'].pk}")
    assert len(response.json()["history"]) == 20
