"""Booking rules through the API: no double booking on a bay or an advisor (partial
overlaps 409, adjacent ones allowed), bookable times only, the references of a booking,
time zones and daylight saving, rescheduling, and the state machine."""

import datetime as dt

import pytest
import time_machine

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import Conflict
from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import OutboxEvent
from frontdesk.organizations.tests.factories import make_member
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.tests.factories import (
    at,
    book,
    business_day,
    customer_with_vehicle,
    make_advisor,
    make_bay,
    system,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(org, members):
    customer, vehicle = customer_with_vehicle(org, first_name="Maria", last_name="Garcia")
    return {
        "customer": customer,
        "vehicle": vehicle,
        "bay": make_bay(org, name="Bay 1"),
        "bay2": make_bay(org, name="Bay 2"),
        "advisor": make_advisor(members["advisor"]),
        "advisor2": make_advisor(members["manager"]),
        "day": business_day(org),
    }


def booking(shop, start="10:00", end="11:00", *, day=None, bay="bay", advisor=None, **extra):
    day = day or shop["day"]
    body = {
        "customer_id": str(shop["customer"].pk),
        "vehicle_id": str(shop["vehicle"].pk),
        "starts_at": f"{day.isoformat()}T{start}",
        "ends_at": f"{day.isoformat()}T{end}",
        **extra,
    }
    if bay:
        body["bay_id"] = str(shop[bay].pk)
    if advisor:
        body["advisor_id"] = str(shop[advisor].pk)
    return body


def count(org, **filters) -> int:
    with tenant_scope(org):
        return Appointment.objects.filter(**filters).count()


# --- no double booking -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("10:30", "11:30"),  # overlaps the end
        ("09:30", "10:30"),  # overlaps the start
        ("10:15", "10:45"),  # inside
        ("09:00", "12:00"),  # around
        ("10:00", "11:00"),  # the same slot
    ],
)
def test_an_overlapping_booking_on_the_same_bay_is_409_naming_the_appointment(
    api, org, shop, start, end
):
    first = api.post("/appointments", booking(shop))
    assert first.status_code == 201
    response = api.post("/appointments", booking(shop, start, end))
    assert response.status_code == 409
    problem = response.json()
    assert problem["conflict"]["number"] == first.json()["number"]
    assert problem["conflict"]["resource"] == "bay"
    assert first.json()["number"] in problem["detail"]
    assert count(org) == 1


@pytest.mark.parametrize(("start", "end"), [("11:00", "12:00"), ("09:00", "10:00")])
def test_an_adjacent_booking_on_the_same_bay_is_allowed(api, org, shop, start, end):
    assert api.post("/appointments", booking(shop)).status_code == 201
    assert api.post("/appointments", booking(shop, start, end)).status_code == 201
    assert count(org) == 2


def test_the_same_time_on_another_bay_is_allowed(api, org, shop):
    assert api.post("/appointments", booking(shop)).status_code == 201
    assert api.post("/appointments", booking(shop, bay="bay2")).status_code == 201


def test_the_same_advisor_cannot_be_in_two_bays_at_once(api, org, shop):
    assert api.post("/appointments", booking(shop, advisor="advisor")).status_code == 201
    response = api.post(
        "/appointments", booking(shop, "10:30", "11:30", bay="bay2", advisor="advisor")
    )
    assert response.status_code == 409
    assert response.json()["conflict"]["resource"] == "advisor"
    other = booking(shop, "10:30", "11:30", bay="bay2", advisor="advisor2")
    assert api.post("/appointments", other).status_code == 201


def test_an_advisor_without_a_bay_is_guarded_too(api, org, shop):
    assert api.post("/appointments", booking(shop, bay=None, advisor="advisor")).status_code == 201
    response = api.post(
        "/appointments", booking(shop, "10:45", "11:15", bay=None, advisor="advisor")
    )
    assert response.status_code == 409


def test_a_cancelled_or_completed_appointment_frees_its_slot(api, org, shop):
    first = api.post("/appointments", booking(shop)).json()
    assert api.post(f"/appointments/{first['id']}/cancel", {}).status_code == 200
    second = api.post("/appointments", booking(shop, status="confirmed")).json()
    assert api.post(f"/appointments/{second['id']}/complete").status_code == 200
    assert api.post("/appointments", booking(shop)).status_code == 201


def test_a_draft_holds_its_slot_like_a_confirmed_one(api, shop):
    assert api.post("/appointments", booking(shop, status="draft")).status_code == 201
    assert api.post("/appointments", booking(shop, "10:30", "11:00")).status_code == 409


def test_bookings_without_a_bay_or_advisor_never_conflict(api, org, shop):
    for _ in range(3):
        assert api.post("/appointments", booking(shop, bay=None)).status_code == 201


# --- rescheduling ------------------------------------------------------------------------
def test_rescheduling_into_a_taken_slot_is_409_and_keeps_the_original(api, org, shop):
    taken = api.post("/appointments", booking(shop)).json()
    moving = api.post("/appointments", booking(shop, "13:00", "14:00")).json()
    day = shop["day"].isoformat()
    response = api.patch(f"/appointments/{moving['id']}", {"starts_at": f"{day}T10:30"})
    assert response.status_code == 409
    assert response.json()["conflict"]["number"] == taken["number"]
    after = api.get(f"/appointments/{moving['id']}").json()
    assert after["starts_at"] == moving["starts_at"] and after["ends_at"] == moving["ends_at"]


def test_moving_to_another_bays_taken_slot_is_409(api, shop):
    api.post("/appointments", booking(shop, bay="bay2"))
    moving = api.post("/appointments", booking(shop)).json()
    response = api.patch(f"/appointments/{moving['id']}", {"bay_id": str(shop["bay2"].pk)})
    assert response.status_code == 409
    assert api.get(f"/appointments/{moving['id']}").json()["bay"]["id"] == str(shop["bay"].pk)


def test_rescheduling_keeps_the_duration_and_may_overlap_its_own_old_time(api, org, shop):
    moving = api.post("/appointments", booking(shop, "10:00", "11:30")).json()
    day = shop["day"].isoformat()
    response = api.patch(f"/appointments/{moving['id']}", {"starts_at": f"{day}T10:30"})
    assert response.status_code == 200, response.content
    assert response.json()["duration_min"] == 90
    assert response.json()["starts_at"].startswith(f"{day}T10:30")
    with tenant_scope(org):
        assert OutboxEvent.objects.filter(type="appointment.rescheduled").count() == 1


def test_rescheduling_next_to_another_appointment_is_allowed(api, shop):
    api.post("/appointments", booking(shop))
    moving = api.post("/appointments", booking(shop, "14:00", "15:00")).json()
    day = shop["day"].isoformat()
    response = api.patch(f"/appointments/{moving['id']}", {"starts_at": f"{day}T11:00"})
    assert response.status_code == 200


def test_rescheduling_into_the_past_or_outside_hours_is_422(api, shop):
    moving = api.post("/appointments", booking(shop)).json()
    day = shop["day"]
    for when in (f"{day - dt.timedelta(days=400)}T10:00", f"{day}T19:00"):
        response = api.patch(f"/appointments/{moving['id']}", {"starts_at": when})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "starts_at"


def test_a_closed_appointment_cannot_be_moved(api, shop):
    moved = api.post("/appointments", booking(shop)).json()
    api.post(f"/appointments/{moved['id']}/cancel", {})
    response = api.patch(f"/appointments/{moved['id']}", {"notes": "again"})
    assert response.status_code == 409


# --- bookable times ----------------------------------------------------------------------
def test_a_booking_in_the_past_is_422(api, shop):
    yesterday = shop["day"] - dt.timedelta(days=400)
    response = api.post("/appointments", booking(shop, day=yesterday))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "starts_at", "message": "This time is in the past."}
    ]


@pytest.mark.parametrize(
    ("start", "end"), [("07:00", "08:00"), ("17:30", "18:30"), ("18:00", "19:00")]
)
def test_a_booking_outside_business_hours_is_422(api, shop, start, end):
    response = api.post("/appointments", booking(shop, start, end))
    assert response.status_code == 422
    assert "Outside business hours" in response.json()["errors"][0]["message"]


def test_a_booking_on_a_day_without_hours_is_422(api, org, shop):
    day = shop["day"]
    while day.weekday() != 6:  # Sunday: closed by default
        day += dt.timedelta(days=1)
    response = api.post("/appointments", booking(shop, day=day))
    assert response.status_code == 422


def test_a_booking_on_a_closure_day_is_422(api, org, shop):
    assert (
        api.post(
            "/closures", {"start_date": shop["day"].isoformat(), "reason": "Inventory"}
        ).status_code
        == 201
    )
    response = api.post("/appointments", booking(shop))
    assert response.status_code == 422
    assert "Closed on" in response.json()["errors"][0]["message"]
    assert "Inventory" in response.json()["errors"][0]["message"]


def test_an_end_before_the_start_is_422(api, shop):
    response = api.post("/appointments", booking(shop, "11:00", "10:00"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "ends_at"
    response = api.post("/appointments", booking(shop, "11:00", "11:00"))
    assert response.status_code == 422


def test_a_booking_ending_exactly_at_closing_time_is_allowed(api, shop):
    assert api.post("/appointments", booking(shop, "17:00", "18:00")).status_code == 201


def test_the_default_duration_applies_without_an_end(api, shop):
    body = booking(shop)
    del body["ends_at"]
    assert api.post("/appointments", body).json()["duration_min"] == 60
    body["duration_min"] = 45
    body["bay_id"] = str(shop["bay2"].pk)
    assert api.post("/appointments", body).json()["duration_min"] == 45


# --- references --------------------------------------------------------------------------
def test_a_vehicle_of_another_customer_is_422(api, org, shop):
    _, other_vehicle = customer_with_vehicle(org)
    response = api.post("/appointments", {**booking(shop), "vehicle_id": str(other_vehicle.pk)})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "vehicle_id"


def test_the_vehicle_is_required_where_the_business_uses_vehicles(api, org, shop):
    body = booking(shop)
    del body["vehicle_id"]
    assert api.post("/appointments", body).status_code == 422
    org.uses_vehicles = False
    org.save(update_fields=["uses_vehicles"])
    assert api.post("/appointments", body).status_code == 201


def test_an_unknown_customer_bay_or_advisor_is_404(api, shop):
    for field in ("customer_id", "bay_id", "advisor_id", "vehicle_id"):
        body = {**booking(shop), field: "00000000-0000-0000-0000-000000000000"}
        response = api.post("/appointments", body)
        assert response.status_code == 404, field
        assert response.json()["field"] == field


def test_a_bay_out_of_use_or_a_member_who_is_not_an_advisor_is_422(api, org, members, shop):
    api.patch(f"/bays/{shop['bay2'].pk}", {"active": False})
    assert api.post("/appointments", booking(shop, bay="bay2")).status_code == 422
    cashier = make_member(org, "cashier", email="c2@alpha.example")
    body = {**booking(shop), "advisor_id": str(cashier.pk)}
    assert api.post("/appointments", body).status_code == 422


def test_an_archived_customer_cannot_book(api, org, shop):
    api.delete(f"/customers/{shop['customer'].pk}")
    response = api.post("/appointments", booking(shop))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer_id"


# --- time zones and daylight saving ------------------------------------------------------
@pytest.fixture
def open_sundays(org):
    hours = dict(org.business_hours)
    hours["sun"] = [["00:00", "23:59"]]
    org.business_hours = hours
    org.save(update_fields=["business_hours"])
    return org


def test_a_time_without_an_offset_is_the_organizations_wall_clock(api, org, shop):
    response = api.post("/appointments", booking(shop))
    with tenant_scope(org):
        stored = Appointment.objects.get(pk=response.json()["id"])
    assert stored.starts_at == at(org, shop["day"], "10:00")
    assert stored.starts_at.tzinfo is not None and stored.starts_at.utcoffset() == dt.timedelta(0)


def test_a_time_with_an_offset_is_that_instant(api, org, shop):
    start = at(org, shop["day"], "12:00").astimezone(dt.timezone(dt.timedelta(hours=2)))
    body = {**booking(shop), "starts_at": start.isoformat(), "duration_min": 30}
    del body["ends_at"]
    response = api.post("/appointments", body)
    assert response.status_code == 201
    assert response.json()["starts_at"].startswith(f"{shop['day'].isoformat()}T12:00")


def test_a_time_skipped_by_daylight_saving_is_422(api, open_sundays, shop):
    # 2030-03-10, 02:00 → 03:00 in Chicago
    response = api.post("/appointments", booking(shop, "02:30", "03:30", day=dt.date(2030, 3, 10)))
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "starts_at" and "does not exist" in error["message"]


def test_a_repeated_time_without_an_offset_is_422_naming_both_readings(api, open_sundays, shop):
    # 2030-11-03, 02:00 → 01:00 in Chicago: 01:30 happens twice
    body = booking(shop, "01:30", "02:30", day=dt.date(2030, 11, 3))
    del body["ends_at"]
    response = api.post("/appointments", body)
    assert response.status_code == 422
    message = response.json()["errors"][0]["message"]
    assert "happens twice" in message
    assert "2030-11-03T01:30-05:00" in message and "2030-11-03T01:30-06:00" in message


def test_the_two_readings_of_a_repeated_time_are_different_slots(api, org, open_sundays, shop):
    body = booking(shop, day=dt.date(2030, 11, 3))
    del body["ends_at"]
    first = api.post("/appointments", {**body, "starts_at": "2030-11-03T01:30:00-05:00"})
    second = api.post("/appointments", {**body, "starts_at": "2030-11-03T01:30:00-06:00"})
    assert (first.status_code, second.status_code) == (201, 201)  # an hour apart: adjacent
    with tenant_scope(org):
        starts = sorted(Appointment.objects.values_list("starts_at", flat=True))
    assert starts[1] - starts[0] == dt.timedelta(hours=1)
    assert first.json()["starts_at"] == "2030-11-03T01:30:00-05:00"
    assert second.json()["starts_at"] == "2030-11-03T01:30:00-06:00"


def test_an_appointment_across_the_spring_change_lasts_its_real_duration(
    api, org, open_sundays, shop
):
    body = booking(shop, "01:30", "03:30", day=dt.date(2030, 3, 10))
    response = api.post("/appointments", body)
    assert response.status_code == 201
    assert response.json()["duration_min"] == 60  # 01:30 CST → 03:30 CDT is one hour


def test_another_organization_reads_its_own_wall_clock(other_api, other_org):
    customer, vehicle = customer_with_vehicle(other_org)
    day = business_day(other_org)
    response = other_api.post(
        "/appointments",
        {
            "customer_id": str(customer.pk),
            "vehicle_id": str(vehicle.pk),
            "starts_at": f"{day}T10:00",
        },
    )
    assert response.status_code == 201
    assert response.json()["starts_at"][19:] in ("+01:00", "+02:00")  # Berlin


# --- the state machine -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "complete"),
        ([], "no-show"),
        (["confirm"], "confirm"),
        (["cancel"], "confirm"),
        (["cancel"], "cancel"),
        (["confirm", "complete"], "cancel"),
        (["confirm", "complete"], "complete"),
        (["cancel"], "convert-to-job"),
        ([], "convert-to-job"),
    ],
)
def test_a_transition_the_state_machine_does_not_allow_is_409(api, org, shop, setup, action):
    appointment = api.post("/appointments", booking(shop)).json()
    for step in setup:
        body = {} if step == "cancel" else None
        assert api.post(f"/appointments/{appointment['id']}/{step}", body).status_code == 200
    before = api.get(f"/appointments/{appointment['id']}").json()["status"]
    body = {} if action == "cancel" else None
    response = api.post(f"/appointments/{appointment['id']}/{action}", body)
    assert response.status_code == 409
    assert api.get(f"/appointments/{appointment['id']}").json()["status"] == before


def test_the_state_machine_emits_its_events(api, org, shop):
    a = api.post("/appointments", booking(shop)).json()
    api.post(f"/appointments/{a['id']}/confirm")
    api.post(f"/appointments/{a['id']}/complete")
    b = api.post("/appointments", booking(shop, "13:00", "14:00")).json()
    api.post(f"/appointments/{b['id']}/cancel", {"reason": "Car sold"})
    with tenant_scope(org):
        types = list(
            OutboxEvent.objects.filter(type__startswith="appointment.").values_list(
                "type", flat=True
            )
        )
        cancelled = OutboxEvent.objects.get(type="appointment.cancelled")
    assert types == [
        "appointment.booked",
        "appointment.confirmed",
        "appointment.completed",
        "appointment.booked",
        "appointment.cancelled",
    ]
    assert cancelled.payload["reason"] == "Car sold"
    assert cancelled.payload["number"] == b["number"]


def test_a_no_show_is_recorded_once_the_start_has_passed_and_counted_on_the_customer(
    api, org, shop
):
    a = api.post("/appointments", booking(shop, status="confirmed")).json()
    assert api.post(f"/appointments/{a['id']}/no-show").status_code == 409  # not started yet
    with time_machine.travel(at(org, shop["day"], "10:20"), tick=False):
        assert api.post(f"/appointments/{a['id']}/no-show").status_code == 200
    overview = api.get(f"/customers/{shop['customer'].pk}/overview").json()
    assert overview["sections"]["appointments"]["no_shows"] == 1
    with tenant_scope(org):
        assert OutboxEvent.objects.filter(type="appointment.no_show").count() == 1


def test_confirming_an_online_draft_without_a_vehicle_asks_for_it(api, org, shop):
    with tenant_scope(org):
        draft = book(org, customer=shop["customer"], vehicle=None, day=shop["day"], source="online")
    response = api.post(f"/appointments/{draft.pk}/confirm")
    assert response.status_code == 422
    api.patch(f"/appointments/{draft.pk}", {"vehicle_id": str(shop["vehicle"].pk)})
    assert api.post(f"/appointments/{draft.pk}/confirm").status_code == 200


def test_completing_counts_a_visit_on_the_customer(api, org, shop):
    a = api.post("/appointments", booking(shop, status="confirmed")).json()
    api.post(f"/appointments/{a['id']}/complete")
    customer = api.get(f"/customers/{shop['customer'].pk}").json()
    assert customer["total_appointments"] == 1
    assert customer["lifecycle_stage"] == "customer"
    assert customer["last_visit_at"] is not None


def test_an_audit_entry_records_each_change(api, org, shop):

    a = api.post("/appointments", booking(shop)).json()
    api.patch(f"/appointments/{a['id']}", {"notes": "Bring the spare key."})
    api.post(f"/appointments/{a['id']}/confirm")
    with tenant_scope(org):
        entries = list(AuditEntry.objects.filter(object_id=a["id"]).order_by("created_at", "id"))
    assert [e.action for e in entries] == ["create", "update", "update"]
    assert entries[1].changes["notes"] == ["", "Bring the spare key."]
    assert entries[2].changes["status"] == ["draft", "confirmed"]


def test_the_service_guards_direct_callers_too(org, shop):
    """Not only the API: a second booking of the slot through the service is refused."""

    book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"], bay=shop["bay"])
    with tenant_scope(org), pytest.raises(Conflict):
        services.appointment_book(
            org=org,
            actor=system(org),
            customer_id=shop["customer"].pk,
            vehicle_id=shop["vehicle"].pk,
            bay_id=shop["bay"].pk,
            starts_at=at(org, shop["day"], "10:30"),
        )
