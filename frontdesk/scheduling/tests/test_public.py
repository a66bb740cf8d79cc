"""Online booking from the public site: availability without internals, requests that
land as drafts holding a bay, the contact found or created without revealing anything,
and rate limits."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.models import OutboxEvent
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.tests.factories import at, book, business_day, make_advisor, make_bay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def shop(org, members):
    return {
        "bay": make_bay(org, name="Bay 1"),
        "advisor": make_advisor(members["advisor"]),
        "day": business_day(org, after=2),
    }


def request_body(day, start="10:00", **extra):
    body = {
        "first_name": "Rosa",
        "last_name": "Diaz",
        "phone": "(512) 555-0199",
        "email": "rosa@example.com",
        "starts_at": f"{day.isoformat()}T{start}",
        "requested_services": ["Oil change"],
        "vehicle": {"year": 2018, "make": "Toyota", "model": "Corolla", "plate": "RSA 123"},
    }
    body.update(extra)
    return body


def post(anon_api, body, slug="alpha"):
    return anon_api.post(f"/api/public/{slug}/appointment-requests", body)


def test_public_availability_shows_start_times_only(anon_api, shop):
    response = anon_api.get("/api/public/alpha/availability", {"date": shop["day"].isoformat()})
    assert response.status_code == 200
    data = response.json()
    assert data["slots"][0] == {
        "starts_at": data["slots"][0]["starts_at"],
        "ends_at": data["slots"][0]["ends_at"],
    }
    assert str(shop["bay"].pk) not in response.content.decode()


def test_public_availability_keeps_the_minimum_notice(anon_api, org, shop):
    with time_machine.travel(at(org, shop["day"], "09:10"), tick=False):
        data = anon_api.get("/api/public/alpha/availability", {"date": shop["day"].isoformat()})
    assert data.json()["slots"][0]["starts_at"][11:16] == "11:30"  # two hours' notice


def test_public_availability_stops_at_the_booking_window(anon_api, shop):
    far = shop["day"] + dt.timedelta(days=400)
    data = anon_api.get("/api/public/alpha/availability", {"date": far.isoformat()}).json()
    assert data["slots"] == [] and data["closed"]


def test_an_unknown_organization_is_404(anon_api, shop):
    assert anon_api.get("/api/public/nope/availability").status_code == 404
    assert post(anon_api, request_body(shop["day"]), slug="nope").status_code == 404


def test_a_request_lands_as_a_draft_holding_a_bay_for_a_new_contact(anon_api, org, shop):
    response = post(anon_api, request_body(shop["day"]))
    assert response.status_code == 201, response.content
    assert response.json()["received"] is True
    with tenant_scope(org):
        appointment = Appointment.objects.select_related("customer", "vehicle").get()
        event = OutboxEvent.objects.get(type="appointment.booked")
    assert appointment.status == "draft" and appointment.source == "online"
    assert appointment.bay_id == shop["bay"].pk and appointment.advisor_id == shop["advisor"].pk
    assert appointment.customer.display_name == "Rosa Diaz"
    assert appointment.customer.source == "web_form"
    assert appointment.vehicle.plate == "RSA 123"
    assert "Rosa Diaz" in appointment.notes and "RSA 123" in appointment.notes
    assert event.payload["source"] == "online"
    taken = anon_api.get("/api/public/alpha/availability", {"date": shop["day"].isoformat()})
    offered = [s["starts_at"][11:16] for s in taken.json()["slots"]]
    assert "09:00" in offered and "10:00" not in offered  # the slot is no longer offered


def test_a_known_contact_is_found_and_the_answer_reveals_nothing(anon_api, org, shop):
    stranger = post(anon_api, request_body(shop["day"], "10:00", email="new@example.com",
                                           phone="(512) 555-0111")).json()  # fmt: skip
    existing = make_customer(
        org, first_name="Rosalind", last_name="Diaz-Smith", phones=[{"number": "512 555 0199"}]
    )
    known = post(anon_api, request_body(shop["day"], "13:00")).json()
    assert set(known) == set(stranger) and known["message"] == stranger["message"]
    with tenant_scope(org):
        booked = Appointment.objects.get(starts_at=at(org, shop["day"], "13:00"))
        assert booked.customer_id == existing.pk
        assert Customer.objects.count() == 2  # the stranger and Rosalind: nobody new
        existing.refresh_from_db()
    assert existing.first_name == "Rosalind"  # an anonymous form never edits a record


def test_a_taken_time_is_409(anon_api, org, shop):
    customer = make_customer(org)
    book(org, customer=customer, vehicle=None, day=shop["day"], bay=shop["bay"],
         source="online")  # fmt: skip
    response = post(anon_api, request_body(shop["day"], "10:30"))
    assert response.status_code == 409
    with tenant_scope(org):
        assert Appointment.objects.count() == 1
        assert not Customer.objects.filter(last_name="Diaz").exists()  # rolled back too


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "07:00"}, "starts_at"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"vehicle": None}, "vehicle"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_a_bad_request_is_422_and_writes_nothing(anon_api, org, shop, change, field):
    start = change.pop("start", "10:00")
    response = post(anon_api, request_body(shop["day"], start, **change))
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    with tenant_scope(org):
        assert not Appointment.objects.exists() and not Customer.objects.exists()


def test_a_request_too_soon_is_422(anon_api, org, shop):
    with time_machine.travel(at(org, shop["day"], "09:30"), tick=False):
        response = post(anon_api, request_body(shop["day"], "10:00"))
    assert response.status_code == 422
    assert "Too soon" in response.json()["errors"][0]["message"]


def test_public_requests_are_rate_limited_per_address(anon_api, shop):
    with override_settings(PUBLIC_RATE_LIMIT="2/m"):
        statuses = [
            post(anon_api, request_body(shop["day"], f"{h}:00")).status_code for h in (10, 11, 12)
        ]
        assert statuses == [201, 201, 429]
        assert anon_api.get("/api/public/alpha/availability").status_code == 429
