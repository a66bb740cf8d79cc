"""Jobs: converting a confirmed appointment (one transaction, idempotent), the status
machine, lines in minor units, recommendations approved or declined, and declined work
followed up and booked."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import OutboxEvent
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, Job, JobLine, Recommendation, line_total
from frontdesk.scheduling.tests.factories import (
    book,
    business_day,
    customer_with_vehicle,
    make_bay,
    make_job,
    make_recommendation,
    system,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(org):
    customer, vehicle = customer_with_vehicle(org, first_name="Ann", last_name="Lee")
    return {
        "customer": customer,
        "vehicle": vehicle,
        "bay": make_bay(org, name="Bay 1"),
        "day": business_day(org),
    }


def confirmed(org, shop, **extra):
    extra.setdefault("requested_services", ["Oil change", "Tire rotation"])
    extra.setdefault("notes", "Noise from the front left.")
    return book(
        org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"],
        bay=shop["bay"], status="confirmed", **extra,
    )  # fmt: skip


# --- convert to job ----------------------------------------------------------------------
def test_converting_a_confirmed_appointment_fills_the_job_and_completes_it(api, org, shop):
    appointment = confirmed(org, shop)
    response = api.post(f"/appointments/{appointment.pk}/convert-to-job")
    assert response.status_code == 201
    job = response.json()
    assert job["number"] == "J-0001"
    assert job["status"] == "open"
    assert job["customer"]["id"] == str(shop["customer"].pk)
    assert job["vehicle"]["id"] == str(shop["vehicle"].pk)
    assert job["appointment_id"] == str(appointment.pk)
    assert job["concern"] == "Noise from the front left."
    assert [line["description"] for line in job["lines"]] == ["Oil change", "Tire rotation"]
    after = api.get(f"/appointments/{appointment.pk}").json()
    assert after["status"] == "completed" and after["job_id"] == job["id"]
    with tenant_scope(org):
        types = set(OutboxEvent.objects.values_list("type", flat=True))
    assert {"job.created", "appointment.completed"} <= types


def test_the_concern_falls_back_to_the_requested_services(api, org, shop):
    appointment = confirmed(org, shop, notes="")
    job = api.post(f"/appointments/{appointment.pk}/convert-to-job").json()
    assert job["concern"] == "Oil change; Tire rotation"


def test_converting_again_returns_the_same_job_and_changes_nothing(api, org, shop):
    appointment = confirmed(org, shop)
    first = api.post(f"/appointments/{appointment.pk}/convert-to-job").json()
    with tenant_scope(org):
        events = OutboxEvent.objects.count()
    second = api.post(f"/appointments/{appointment.pk}/convert-to-job")
    assert second.status_code == 200 and second.json()["id"] == first["id"]
    with tenant_scope(org):
        assert Job.objects.count() == 1 and OutboxEvent.objects.count() == events
    customer = api.get(f"/customers/{shop['customer'].pk}").json()
    assert customer["total_appointments"] == 1  # counted once


def test_a_conversion_that_fails_leaves_nothing_behind(org, shop, monkeypatch):
    appointment = confirmed(org, shop)

    def broken(**kwargs):
        raise RuntimeError("event store down")

    monkeypatch.setattr("frontdesk.scheduling.services.appointments.event_emit", broken)
    with tenant_scope(org), pytest.raises(RuntimeError):
        services.appointment_convert_to_job(org=org, actor=system(org), appointment=appointment)
    with tenant_scope(org):
        assert not Job.objects.exists() and not JobLine.objects.exists()
        assert Appointment.objects.get(pk=appointment.pk).status == "confirmed"


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_only_a_confirmed_appointment_converts(api, org, shop, status):
    appointment = book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"])
    if status == "cancelled":
        api.post(f"/appointments/{appointment.pk}/cancel", {})
    response = api.post(f"/appointments/{appointment.pk}/convert-to-job")
    assert response.status_code == 409
    with tenant_scope(org):
        assert not Job.objects.exists()


# --- jobs and lines ----------------------------------------------------------------------
def test_a_walk_in_job_with_lines_totals_in_minor_units(api, shop):
    response = api.post(
        "/jobs",
        {
            "customer_id": str(shop["customer"].pk),
            "vehicle_id": str(shop["vehicle"].pk),
            "concern": "Brakes",
            "lines": [
                {"kind": "service", "description": "Labour", "quantity": "1.5", "unit_price": 9999},
                {"kind": "part", "description": "Pads", "quantity": 2, "unit_price": 3450},
            ],
        },
    )
    assert response.status_code == 201, response.content
    job = response.json()
    assert [line["total"] for line in job["lines"]] == [14999, 6900]  # 14998.5 → half up
    assert job["total"] == 21899 and job["currency"] == "USD"
    assert isinstance(job["total"], int)


def test_line_totals_round_half_up_and_never_use_floats():
    assert line_total(Decimal("0.5"), 1) == 1
    assert line_total(Decimal("0.33"), 100) == 33
    assert line_total(Decimal("3"), 1999) == 5997


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"description": "", "unit_price": 1}, "description"),
        ({"description": "x", "unit_price": -1}, "unit_price"),
        ({"description": "x", "quantity": 0}, "quantity"),
        ({"description": "x", "quantity": "0.001"}, "quantity"),
        ({"description": "x", "unit_price": 1.5}, "unit_price"),
        ({"description": "x", "kind": "labour"}, "kind"),
    ],
)
def test_a_bad_line_is_422(api, org, shop, line, field):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    response = api.post(f"/jobs/{job.pk}/lines", line)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_lines_change_only_while_the_job_is_open(api, org, shop):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    line = api.post(f"/jobs/{job.pk}/lines", {"description": "Filter", "unit_price": 500}).json()
    assert (
        api.patch(f"/jobs/{job.pk}/lines/{line['id']}", {"quantity": "2"}).json()["total"] == 1000
    )
    api.patch(f"/jobs/{job.pk}", {"status": "in_progress"})
    api.patch(f"/jobs/{job.pk}", {"status": "completed"})
    assert api.post(f"/jobs/{job.pk}/lines", {"description": "More"}).status_code == 409
    assert api.patch(f"/jobs/{job.pk}/lines/{line['id']}", {"unit_price": 1}).status_code == 409
    assert api.delete(f"/jobs/{job.pk}/lines/{line['id']}").status_code == 409


def test_a_line_of_another_job_is_404(api, org, shop):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    other = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    line = api.post(f"/jobs/{other.pk}/lines", {"description": "Filter"}).json()
    assert api.delete(f"/jobs/{job.pk}/lines/{line['id']}").status_code == 404


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["in_progress", "completed", "invoiced"], True),
        (["cancelled"], True),
        (["in_progress", "cancelled"], True),
        (["completed"], False),
        (["invoiced"], False),
        (["in_progress", "completed", "cancelled"], False),
        (["cancelled", "open"], False),
        (["in_progress", "open"], False),
    ],
)
def test_the_job_status_machine(api, org, shop, path, allowed):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    statuses = [api.patch(f"/jobs/{job.pk}", {"status": s}).status_code for s in path]
    assert statuses[:-1] == [200] * (len(path) - 1)
    assert statuses[-1] == (200 if allowed else 409)


def test_completing_a_job_emits_job_completed_with_its_total(api, org, shop):
    job = make_job(
        org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk,
        lines=[{"description": "Labour", "unit_price": 12000}],
    )  # fmt: skip
    api.patch(f"/jobs/{job.pk}", {"status": "in_progress"})
    response = api.patch(f"/jobs/{job.pk}", {"status": "completed"})
    assert response.json()["completed_at"] is not None
    with tenant_scope(org):
        event = OutboxEvent.objects.get(type="job.completed")
    assert event.payload["total"] == 12000 and event.payload["number"] == job.number


def test_an_invoiced_or_cancelled_job_no_longer_changes(api, org, shop):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    api.patch(f"/jobs/{job.pk}", {"status": "cancelled"})
    assert api.patch(f"/jobs/{job.pk}", {"concern": "x"}).status_code == 409
    assert api.patch(f"/jobs/{job.pk}", {}).status_code == 200  # nothing asked: nothing changes


def test_a_job_for_a_vehicle_of_another_customer_is_422(api, org, shop):
    _, other_vehicle = customer_with_vehicle(org)
    response = api.post(
        "/jobs", {"customer_id": str(shop["customer"].pk), "vehicle_id": str(other_vehicle.pk)}
    )
    assert response.status_code == 422


def test_the_job_list_filters_by_status_and_customer(api, org, shop):
    open_job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    other = make_job(org)
    api.patch(f"/jobs/{other.pk}", {"status": "cancelled"})
    numbers = [j["number"] for j in api.get("/jobs", {"status": "open"}).json()["items"]]
    assert numbers == [open_job.number]
    mine = api.get("/jobs", {"customer_id": str(shop["customer"].pk)}).json()["items"]
    assert [j["number"] for j in mine] == [open_job.number]


# --- recommendations ---------------------------------------------------------------------
@pytest.fixture
def job(org, shop):
    return make_job(org, appointment=confirmed(org, shop))


def test_approving_adds_the_work_to_the_open_job(api, org, job):
    rec = api.post(
        f"/jobs/{job.pk}/recommendations",
        {"description": "Cabin filter", "estimated_price": 3900, "urgency": "low"},
    ).json()
    assert rec["status"] == "proposed" and rec["job_number"] == job.number
    approved = api.post(f"/recommendations/{rec['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    lines = api.get(f"/jobs/{job.pk}").json()["lines"]
    assert lines[-1]["description"] == "Cabin filter" and lines[-1]["unit_price"] == 3900


def test_declining_puts_the_work_on_the_customer_with_a_due_date(api, org, shop, job):
    rec = make_recommendation(org, job, description="Timing belt", estimated_price=59000)
    response = api.post(f"/recommendations/{rec.pk}/decline", {})
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "declined" and data["follow_up_status"] == "open"
    assert data["due_date"] is not None
    listed = api.get(f"/customers/{shop['customer'].pk}/declined-work").json()["items"]
    assert [r["description"] for r in listed] == ["Timing belt"]
    assert api.get(f"/jobs/{job.pk}").json()["lines"][-1]["description"] != "Timing belt"


@pytest.mark.parametrize(
    ("first", "second"), [("approve", "decline"), ("decline", "approve"), ("approve", "approve")]
)
def test_a_recommendation_is_decided_once(api, org, job, first, second):
    rec = make_recommendation(org, job)
    assert api.post(f"/recommendations/{rec.pk}/{first}", {}).status_code == 200
    assert api.post(f"/recommendations/{rec.pk}/{second}", {}).status_code == 409


def test_the_follow_up_changes_only_on_declined_work(api, org, job):
    rec = make_recommendation(org, job)
    assert (
        api.patch(f"/recommendations/{rec.pk}", {"follow_up_status": "contacted"}).status_code
        == 409
    )
    assert api.patch(f"/recommendations/{rec.pk}", {"estimated_price": 100}).status_code == 200
    api.post(f"/recommendations/{rec.pk}/decline", {"due_date": "2031-01-15"})
    response = api.patch(
        f"/recommendations/{rec.pk}", {"follow_up_status": "contacted", "due_date": "2031-02-01"}
    )
    assert response.status_code == 200
    assert response.json()["follow_up_status"] == "contacted"
    assert response.json()["due_date"] == "2031-02-01"
    assert api.patch(f"/recommendations/{rec.pk}", {"estimated_price": 1}).status_code == 409
    assert api.patch(f"/recommendations/{rec.pk}", {"due_date": None}).status_code == 422
    assert api.patch(f"/recommendations/{rec.pk}", {"follow_up_status": "later"}).status_code == 422


def test_overdue_declined_work_is_who_is_overdue_for_what(api, org, shop, job):
    late = make_recommendation(org, job, description="Late work", decide="decline")
    make_recommendation(org, job, description="Soon work", decide="decline")
    with tenant_scope(org):
        Recommendation.objects.filter(pk=late.pk).update(due_date=dt.date(2020, 1, 1))
    overdue = api.get("/declined-work", {"overdue": "true"}).json()["items"]
    assert [r["description"] for r in overdue] == ["Late work"]
    assert overdue[0]["overdue"] is True
    everything = [r["description"] for r in api.get("/declined-work").json()["items"]]
    assert everything == ["Late work", "Soon work"]
    not_late = api.get("/declined-work", {"overdue": "false"}).json()["items"]
    assert [r["description"] for r in not_late] == ["Soon work"]
    api.patch(f"/recommendations/{late.pk}", {"follow_up_status": "dismissed"})
    assert api.get("/declined-work", {"overdue": "true"}).json()["items"] == []


def test_declined_work_is_booked_into_an_appointment_and_followed_through(api, org, shop, job):
    rec = make_recommendation(org, job, description="Brake fluid", decide="decline")
    day = business_day(org, after=8)
    response = api.post(
        f"/recommendations/{rec.pk}/book",
        {"starts_at": f"{day.isoformat()}T09:00", "status": "confirmed"},
    )
    assert response.status_code == 201, response.content
    appointment = response.json()
    assert appointment["requested_services"] == ["Brake fluid"]
    assert appointment["vehicle"]["id"] == str(shop["vehicle"].pk)
    followed = api.get(f"/recommendations/{rec.pk}").json()
    assert followed["follow_up_status"] == "scheduled"
    assert followed["appointment_id"] == appointment["id"]
    again = api.post(f"/recommendations/{rec.pk}/book", {"starts_at": f"{day.isoformat()}T14:00"})
    assert again.status_code == 409  # booked already
    api.post(f"/appointments/{appointment['id']}/convert-to-job")
    assert api.get(f"/recommendations/{rec.pk}").json()["follow_up_status"] == "done"


def test_a_missed_booking_of_declined_work_reopens_its_follow_up(api, org, shop, job):
    rec = make_recommendation(org, job, decide="decline")
    day = business_day(org, after=8)
    appointment = api.post(
        f"/recommendations/{rec.pk}/book",
        {"starts_at": f"{day.isoformat()}T09:00", "status": "confirmed"},
    ).json()
    with time_machine.travel(dt.datetime.combine(day, dt.time(23, 0), dt.UTC), tick=False):
        assert api.post(f"/appointments/{appointment['id']}/no-show").status_code == 200
    assert api.get(f"/recommendations/{rec.pk}").json()["follow_up_status"] == "open"


def test_only_declined_work_is_booked(api, org, job):
    rec = make_recommendation(org, job)
    day = business_day(org, after=8)
    response = api.post(
        f"/recommendations/{rec.pk}/book", {"starts_at": f"{day.isoformat()}T09:00"}
    )
    assert response.status_code == 409


def test_booking_declined_work_into_a_taken_slot_is_409_and_changes_nothing(api, org, shop, job):
    rec = make_recommendation(org, job, decide="decline")
    day = business_day(org, after=8)
    book(
        org,
        customer=shop["customer"],
        vehicle=shop["vehicle"],
        day=day,
        start="09:00",
        bay=shop["bay"],
    )
    response = api.post(
        f"/recommendations/{rec.pk}/book",
        {"starts_at": f"{day.isoformat()}T09:30", "bay_id": str(shop["bay"].pk)},
    )
    assert response.status_code == 409
    assert api.get(f"/recommendations/{rec.pk}").json()["follow_up_status"] == "open"
