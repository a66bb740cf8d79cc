"""Every scheduling endpoint: 401 anonymous, 404 for another organization's ids, 403 for
a role without the permission (nothing written), the allowed path; and the cross-cutting
422, 409 and idempotency behaviour of the API."""

import datetime as dt
import json

import pytest
import time_machine

from frontdesk.audit.models import AuditEntry
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.roles import permissions_for
from frontdesk.scheduling.models import Appointment, Job
from frontdesk.scheduling.tests.factories import (
    book,
    business_day,
    customer_with_vehicle,
    make_recommendation,
)
from frontdesk.scheduling.tests.world import scheduling_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, members):
    bay, closure, upcoming, done, job, line, declined, customer, vehicle = scheduling_world(
        org, members
    )
    day = business_day(org)
    confirmed = book(
        org, customer=customer, vehicle=vehicle, day=day, start="13:00", status="confirmed"
    )
    proposed = make_recommendation(org, job, description="Wiper blades")
    return {
        "bay": bay,
        "closure": closure,
        "upcoming": upcoming,
        "confirmed": confirmed,
        "done": done,
        "job": job,
        "line": line,
        "declined": declined,
        "proposed": proposed,
        "customer": customer,
        "vehicle": vehicle,
        "day": day,
    }


LINE = {"kind": "part", "description": "Oil filter", "quantity": "1", "unit_price": 1299}
# (method, path, permission, body); {name} is a world record's id ({day}: its business day)
ROUTES = [
    ("get", "/bays", "appointments.view", None),
    ("post", "/bays", "settings.manage", {"name": "Bay 9", "kind": "lift"}),
    ("patch", "/bays/{bay}", "settings.manage", {"active": False}),
    ("get", "/closures", "appointments.view", None),
    ("post", "/closures", "settings.manage", {"start_date": "{later}", "reason": "Inventory"}),
    ("get", "/closures/{closure}", "appointments.view", None),
    ("patch", "/closures/{closure}", "settings.manage", {"reason": "Holidays"}),
    ("delete", "/closures/{closure}", "settings.manage", None),
    ("get", "/scheduling/settings", "appointments.view", None),
    ("patch", "/scheduling/settings", "settings.manage", {"buffer_minutes": 10}),
    ("get", "/appointments", "appointments.view", None),
    (
        "post",
        "/appointments",
        "appointments.manage",
        {
            "customer_id": "{customer}",
            "vehicle_id": "{vehicle}",
            "starts_at": "{day}T15:00",
            "duration_min": 60,
        },
    ),
    ("get", "/appointments/availability", "appointments.view", None),
    ("get", "/appointments/calendar", "appointments.view", None),
    ("get", "/appointments/{upcoming}", "appointments.view", None),
    ("patch", "/appointments/{upcoming}", "appointments.manage", {"notes": "Call first."}),
    ("post", "/appointments/{upcoming}/confirm", "appointments.manage", None),
    ("post", "/appointments/{confirmed}/complete", "appointments.manage", None),
    ("post", "/appointments/{upcoming}/cancel", "appointments.manage", {"reason": "Sold"}),
    ("post", "/appointments/{confirmed}/no-show", "appointments.manage", None),
    ("post", "/appointments/{confirmed}/convert-to-job", "appointments.manage", None),
    ("get", "/jobs", "appointments.view", None),
    (
        "post",
        "/jobs",
        "appointments.manage",
        {"customer_id": "{customer}", "vehicle_id": "{vehicle}", "concern": "Noise", "lines": [LINE]},
    ),
    ("get", "/jobs/{job}", "appointments.view", None),
    ("patch", "/jobs/{job}", "appointments.manage", {"status": "in_progress"}),
    ("post", "/jobs/{job}/lines", "appointments.manage", LINE),
    ("patch", "/jobs/{job}/lines/{line}", "appointments.manage", {"unit_price": 5000}),
    ("delete", "/jobs/{job}/lines/{line}", "appointments.manage", None),
    (
        "post",
        "/jobs/{job}/recommendations",
        "appointments.manage",
        {"description": "Brake fluid flush", "estimated_price": 8900, "urgency": "high"},
    ),
    ("get", "/recommendations/{proposed}", "appointments.view", None),
    ("patch", "/recommendations/{declined}", "appointments.manage", {"follow_up_status": "contacted"}),
    ("post", "/recommendations/{proposed}/approve", "appointments.manage", None),
    ("post", "/recommendations/{proposed}/decline", "appointments.manage", {}),
    ("post", "/recommendations/{declined}/book", "appointments.manage", {"starts_at": "{day}T15:00"}),
    ("get", "/customers/{customer}/declined-work", "appointments.view", None),
    ("get", "/declined-work", "appointments.view", None),
]  # fmt: skip
ROUTE_IDS = [f"{m.upper()} {p}" for m, p, _, _ in ROUTES]


def fill(value, world):
    text = json.dumps(value) if not isinstance(value, str) else value
    for name, obj in world.items():
        if name == "day":
            text = text.replace("{day}", obj.isoformat())
            text = text.replace("{later}", (obj + dt.timedelta(days=60)).isoformat())
        else:
            text = text.replace("{" + name + "}", str(obj.pk))
    return json.loads(text) if not isinstance(value, str) else text


def call(client, method, path, body, world):
    path = fill(path, world)
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, fill(body, world) if body is not None else None)


def audit_count(org) -> int:
    with tenant_scope(org):
        return AuditEntry.objects.count()


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route_needs_authentication(anon_api, world, method, path, permission, body):
    response = call(anon_api, method, path, body, world)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route_is_open_to_a_role_with_its_permission(
    api, org, world, method, path, permission, body
):
    later = dt.timedelta(days=30) if path.endswith("/no-show") else dt.timedelta()
    with time_machine.travel(dt.datetime.now(dt.UTC) + later, tick=True):
        response = call(api, method, path, body, world)
    assert response.status_code in (200, 201, 204), response.content


@pytest.mark.parametrize(
    ("method", "path", "permission", "body"),
    [r for r in ROUTES if "{" in r[1]],
    ids=[i for i, r in zip(ROUTE_IDS, ROUTES, strict=True) if "{" in r[1]],
)
def test_every_route_answers_404_for_another_organizations_ids(
    other_api, org, world, method, path, permission, body
):
    before = audit_count(org)
    response = call(other_api, method, path, body, world)
    assert response.status_code == 404, response.content
    assert "World" not in response.content.decode()  # nothing of the record leaks
    assert audit_count(org) == before


@pytest.mark.parametrize(
    "body",
    [
        {"customer_id": "{customer}", "vehicle_id": "{vehicle}", "starts_at": "{day}T15:00"},
        {"customer_id": "{customer}", "starts_at": "{day}T15:00"},
    ],
)
def test_another_organizations_customer_or_vehicle_in_a_booking_is_404(other_api, org, world, body):
    response = other_api.post("/appointments", fill(body, world))
    assert response.status_code == 404
    assert response.json()["field"] in ("customer_id", "vehicle_id")


def test_another_organizations_bay_or_advisor_in_a_booking_is_404(other_api, other_org, org, world):

    customer, vehicle = customer_with_vehicle(other_org)
    day = business_day(other_org)
    for field in ("bay_id", "advisor_id"):
        foreign = world["bay"].pk if field == "bay_id" else world["upcoming"].advisor_id
        response = other_api.post(
            "/appointments",
            {
                "customer_id": str(customer.pk),
                "vehicle_id": str(vehicle.pk),
                "starts_at": f"{day}T10:00",
                field: str(foreign),
            },
        )
        assert response.status_code == 404, response.content
        assert response.json()["field"] == field


def test_another_organizations_bay_in_the_availability_query_is_404(other_api, world):
    response = other_api.get("/appointments/availability", {"bay_id": str(world["bay"].pk)})
    assert response.status_code == 404


def _lacking(permission: str) -> list[str]:
    return [r for r in ("cashier", "marketing", "sales") if permission not in permissions_for(r)]


FORBIDDEN = [(*route, role) for route in ROUTES for role in _lacking(route[2])[:1]]


@pytest.mark.parametrize(
    ("method", "path", "permission", "body", "role"),
    FORBIDDEN,
    ids=[f"{r[0].upper()} {r[1]} as {r[4]}" for r in FORBIDDEN],
)
def test_every_route_answers_403_to_a_role_without_its_permission(
    api_as, org, world, method, path, permission, body, role
):
    client = api_as(role)
    before = audit_count(org)
    response = call(client, method, path, body, world)
    assert response.status_code == 403
    assert response.json()["permission"] == permission
    assert audit_count(org) == before


def test_an_assistant_token_reads_the_calendar_but_never_books(api_as, world):
    assistant = api_as("owner", assistant=True)
    assert assistant.get("/appointments/calendar").status_code == 200
    body = fill(ROUTES[11][3], world)
    assert assistant.post("/appointments", body).status_code == 403


def test_a_cashier_sees_the_calendar_but_cannot_book(api_as, world):
    cashier = api_as("cashier")
    assert cashier.get(f"/appointments/{world['upcoming'].pk}").status_code == 200
    assert cashier.post(f"/appointments/{world['upcoming'].pk}/confirm").status_code == 403


# --- idempotency -------------------------------------------------------------------------
def test_a_booking_repeated_with_the_same_idempotency_key_books_once(api, org, world):
    body = fill(ROUTES[11][3], world)
    first = api.post("/appointments", body, headers={"Idempotency-Key": "book-1"})
    second = api.post("/appointments", body, headers={"Idempotency-Key": "book-1"})
    assert first.status_code == second.status_code == 201
    assert second["Idempotency-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    with tenant_scope(org):
        assert Appointment.objects.filter(starts_at=first.json()["starts_at"]).count() == 1


def test_converting_twice_returns_the_same_job(api, org, world):
    url = f"/appointments/{world['confirmed'].pk}/convert-to-job"
    first, second = api.post(url), api.post(url)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    with tenant_scope(org):
        assert Job.objects.filter(appointment=world["confirmed"]).count() == 1


def test_a_failed_request_with_an_idempotency_key_can_be_fixed_and_retried(api, world):
    body = {**fill(ROUTES[11][3], world), "duration_min": 0}
    assert api.post("/appointments", body, headers={"Idempotency-Key": "k"}).status_code == 422
    body["duration_min"] = 30
    assert api.post("/appointments", body, headers={"Idempotency-Key": "k"}).status_code == 201


# --- 422 and problem details ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "not a time"}, "starts_at"),
        ({"duration_min": 0}, "duration_min"),
        ({"requested_services": ["x" * 201]}, "requested_services[0]"),
        ({"status": "completed"}, "status"),
        ({"surprise": 1}, "surprise"),
        ({"customer_id": "nope"}, "customer_id"),
    ],
)
def test_a_malformed_booking_is_422_naming_the_field(api, world, body, field):
    response = api.post("/appointments", {**fill(ROUTES[11][3], world), **body})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_lists_reject_a_bad_order_or_cursor(api, world):
    assert api.get("/appointments", {"order": "password"}).status_code == 422
    assert api.get("/jobs", {"cursor": "garbage"}).status_code == 422
    assert api.get("/appointments", {"status": "bogus"}).status_code == 422


def test_the_appointment_list_filters_and_pages(api, world):
    day = world["day"].isoformat()
    response = api.get("/appointments", {"from": day, "to": day, "limit": 1})
    assert response.status_code == 200
    data = response.json()
    assert len(data["items"]) == 1 and data["next_cursor"]
    rest = api.get("/appointments", {"from": day, "to": day, "cursor": data["next_cursor"]})
    numbers = {data["items"][0]["number"]} | {a["number"] for a in rest.json()["items"]}
    assert len(numbers) == 3
    mine = api.get("/appointments", {"customer_id": str(world["customer"].pk), "status": "draft"})
    assert [a["number"] for a in mine.json()["items"]] == [world["upcoming"].number]


def test_the_appointment_shows_times_in_the_organizations_zone(api, world):
    data = api.get(f"/appointments/{world['upcoming'].pk}").json()
    assert data["starts_at"] == f"{world['day'].isoformat()}T09:00:00" + data["starts_at"][19:]
    assert data["starts_at"][19:] in ("-06:00", "-05:00")  # Chicago
    assert data["duration_min"] == 60
    assert data["bay"]["name"] == "World Bay"
    assert data["customer"]["display_name"] == "World Scheduler"
