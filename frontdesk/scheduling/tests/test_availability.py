"""Availability offers only free slots within business hours, honouring closures, the
buffer and the past; the calendar returns the week's appointments in columns."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontdesk.scheduling.tests.factories import (
    at,
    book,
    business_day,
    customer_with_vehicle,
    make_advisor,
    make_bay,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(org, members):
    customer, vehicle = customer_with_vehicle(org)
    return {
        "customer": customer,
        "vehicle": vehicle,
        "bay1": make_bay(org, name="Bay 1", position=1),
        "bay2": make_bay(org, name="Bay 2", position=2),
        "advisor": make_advisor(members["advisor"]),
        "day": business_day(org),
    }


def slots(api, day, **params):
    response = api.get("/appointments/availability", {"date": day.isoformat(), **params})
    assert response.status_code == 200, response.content
    return response.json()


def starts(data) -> list[str]:
    return [s["starts_at"][11:16] for s in data["slots"]]


def test_an_empty_day_offers_every_slot_within_business_hours(api, shop):
    data = slots(api, shop["day"], duration_min=60)
    assert starts(data)[0] == "08:00" and starts(data)[-1] == "17:00"
    assert len(data["slots"]) == 19  # 08:00 … 17:00 every 30 minutes
    assert data["time_zone"] == "America/Chicago"
    first = data["slots"][0]
    assert set(first["bay_ids"]) == {str(shop["bay1"].pk), str(shop["bay2"].pk)}
    assert first["advisor_ids"] == [str(shop["advisor"].pk)]


def test_a_taken_bay_is_not_offered_and_a_fully_taken_slot_disappears(api, org, shop):
    book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"], bay=shop["bay1"])
    data = slots(api, shop["day"], duration_min=60)
    by_start = {s["starts_at"][11:16]: s for s in data["slots"]}
    assert by_start["10:00"]["bay_ids"] == [str(shop["bay2"].pk)]
    assert by_start["09:30"]["bay_ids"] == [str(shop["bay2"].pk)]  # would overlap
    assert set(by_start["09:00"]["bay_ids"]) == {str(shop["bay1"].pk), str(shop["bay2"].pk)}
    assert set(by_start["11:00"]["bay_ids"]) == {str(shop["bay1"].pk), str(shop["bay2"].pk)}
    only_bay1 = starts(slots(api, shop["day"], duration_min=60, bay_id=str(shop["bay1"].pk)))
    assert "10:00" not in only_bay1 and "09:30" not in only_bay1 and "10:30" not in only_bay1
    assert "09:00" in only_bay1 and "11:00" in only_bay1  # adjacent ones are offered


def test_a_busy_advisor_removes_the_slot_even_with_free_bays(api, org, shop):
    book(
        org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"],
        advisor=shop["advisor"], start="14:00",
    )  # fmt: skip
    assert "14:00" not in starts(slots(api, shop["day"], duration_min=60))
    assert "15:00" in starts(slots(api, shop["day"], duration_min=60))


def test_a_slot_offered_can_be_booked_and_is_then_no_longer_offered(api, org, shop):
    day = shop["day"]
    for _ in range(2):  # two bays: the 10:00 slot holds two bookings, then it is gone
        offered = {s["starts_at"][11:16]: s for s in slots(api, day, duration_min=60)["slots"]}
        slot = offered["10:00"]
        body = {
            "customer_id": str(shop["customer"].pk),
            "vehicle_id": str(shop["vehicle"].pk),
            "starts_at": slot["starts_at"],
            "duration_min": 60,
            "bay_id": slot["bay_ids"][0],
        }
        assert api.post("/appointments", body).status_code == 201
    assert "10:00" not in starts(slots(api, day, duration_min=60))


def test_the_buffer_is_kept_on_both_sides(api, org, shop):
    api.patch("/scheduling/settings", {"buffer_minutes": 15})
    book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"], bay=shop["bay1"])
    only_bay1 = starts(slots(api, shop["day"], duration_min=60, bay_id=str(shop["bay1"].pk)))
    assert "11:00" not in only_bay1 and "11:30" in only_bay1
    assert "09:00" not in only_bay1 and "08:30" in only_bay1


def test_a_closure_day_offers_nothing_and_says_why(api, shop):
    api.post("/closures", {"start_date": shop["day"].isoformat(), "reason": "Inventory"})
    data = slots(api, shop["day"])
    assert data["slots"] == [] and data["closed"] == "Inventory"


def test_a_day_without_business_hours_offers_nothing(api, shop):
    day = shop["day"]
    while day.weekday() != 6:
        day += dt.timedelta(days=1)
    assert slots(api, day)["slots"] == []


def test_past_slots_of_today_are_not_offered(api, org, shop):
    with time_machine.travel(at(org, shop["day"], "12:10"), tick=False):
        assert starts(slots(api, shop["day"], duration_min=60))[0] == "12:30"


def test_the_slot_grid_and_the_duration_follow_the_settings(api, shop):
    api.patch("/scheduling/settings", {"slot_minutes": 60, "default_duration_minutes": 120})
    data = slots(api, shop["day"])
    assert data["duration_min"] == 120
    assert starts(data) == [f"{h:02d}:00" for h in range(8, 17)]


def test_two_opening_spans_a_day_offer_no_slot_over_the_break(api, org, shop):
    hours = dict(org.business_hours)
    hours[["mon", "tue", "wed", "thu", "fri", "sat", "sun"][shop["day"].weekday()]] = [
        ["08:00", "12:00"],
        ["13:00", "17:00"],
    ]
    org.business_hours = hours
    org.save(update_fields=["business_hours"])
    offered = starts(slots(api, shop["day"], duration_min=60))
    assert "11:00" in offered and "11:30" not in offered and "12:00" not in offered
    assert "13:00" in offered and "16:00" in offered and "16:30" not in offered


def test_daylight_saving_days_skip_the_missing_hour(api, org, shop):
    hours = dict(org.business_hours)
    hours["sun"] = [["00:00", "06:00"]]
    org.business_hours = hours
    org.save(update_fields=["business_hours"])
    spring = starts(slots(api, dt.date(2030, 3, 10), duration_min=30))
    assert "01:30" in spring and "02:00" not in spring and "02:30" not in spring
    assert "03:00" in spring
    autumn = slots(api, dt.date(2030, 11, 3), duration_min=30)["slots"]
    assert [s["starts_at"] for s in autumn][:4] == [
        "2030-11-03T00:00:00-05:00",
        "2030-11-03T00:30:00-05:00",
        "2030-11-03T01:00:00-05:00",
        "2030-11-03T01:30:00-05:00",
    ]


def test_without_a_date_availability_is_todays(api, shop):
    response = api.get("/appointments/availability")
    assert response.status_code == 200
    assert "slots" in response.json()


def test_availability_costs_a_fixed_number_of_queries(api, org, shop):
    for start in ("09:00", "11:00", "13:00", "15:00"):
        book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"],
             start=start, bay=shop["bay1"])  # fmt: skip
    slots(api, shop["day"])  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as queries:
        slots(api, shop["day"])
    few = len(queries)
    for start in ("09:00", "11:00", "13:00", "15:00"):
        book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"],
             start=start, bay=shop["bay2"])  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        slots(api, shop["day"])
    assert len(queries) == few <= 12


# --- the calendar ------------------------------------------------------------------------
def test_the_calendar_groups_appointments_by_bay_with_an_unassigned_column(api, org, shop):
    day = shop["day"]
    a = book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=day, bay=shop["bay1"])
    b = book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=day, start="13:00")
    response = api.get(
        "/appointments/calendar", {"from": day.isoformat(), "to": day.isoformat(), "by": "bay"}
    )
    assert response.status_code == 200
    columns = {c["label"]: c for c in response.json()["columns"]}
    assert list(columns) == ["Bay 1", "Bay 2", "Unassigned"]
    assert [x["number"] for x in columns["Bay 1"]["appointments"]] == [a.number]
    assert [x["number"] for x in columns["Unassigned"]["appointments"]] == [b.number]
    item = columns["Bay 1"]["appointments"][0]
    assert item["customer"]["display_name"] == shop["customer"].display_name
    assert item["starts_at"].startswith(f"{day.isoformat()}T10:00")


def test_the_calendar_by_day_and_by_advisor(api, org, shop):
    day = shop["day"]
    book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=day, advisor=shop["advisor"])
    week = api.get("/appointments/calendar", {"from": day.isoformat()}).json()
    assert len(week["columns"]) == 7 and week["by"] == "day"
    assert len(week["columns"][0]["appointments"]) == 1
    by_advisor = api.get(
        "/appointments/calendar", {"from": day.isoformat(), "by": "advisor"}
    ).json()
    assert by_advisor["columns"][0]["key"] == str(shop["advisor"].pk)
    assert len(by_advisor["columns"][0]["appointments"]) == 1


def test_the_calendar_leaves_out_cancelled_appointments_unless_asked(api, org, shop):
    day = shop["day"]
    a = book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=day)
    api.post(f"/appointments/{a.pk}/cancel", {})
    params = {"from": day.isoformat(), "to": day.isoformat()}
    assert api.get("/appointments/calendar", params).json()["columns"][0]["appointments"] == []
    shown = api.get("/appointments/calendar", {**params, "include_cancelled": "true"}).json()
    assert shown["columns"][0]["appointments"][0]["status"] == "cancelled"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2030-01-10", "to": "2030-01-01"},
        {"from": "2030-01-01", "to": "2030-03-01"},
        {"by": "room"},
        {"from": "yesterday"},
    ],
)
def test_a_bad_calendar_range_is_422(api, params):
    assert api.get("/appointments/calendar", params).status_code == 422


def test_the_week_calendar_costs_a_fixed_number_of_queries(api, org, shop):
    day = shop["day"]
    api.get("/appointments/calendar", {"from": day.isoformat(), "by": "bay"})
    with CaptureQueriesContext(connection) as queries:
        api.get("/appointments/calendar", {"from": day.isoformat(), "by": "bay"})
    few = len(queries)
    for start in ("09:00", "11:00", "13:00"):
        book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=day, start=start,
             bay=shop["bay1"])  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        api.get("/appointments/calendar", {"from": day.isoformat(), "by": "bay"})
    assert len(queries) == few
