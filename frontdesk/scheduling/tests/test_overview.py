"""What scheduling adds elsewhere: the customer 360 sections, the vehicle history, and
merging customers moves appointments, jobs and recommendations."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import link_vehicle
from frontdesk.scheduling.models import Appointment, Job, Recommendation
from frontdesk.scheduling.tests.factories import (
    book,
    business_day,
    customer_with_vehicle,
    make_job,
    make_recommendation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(org):
    customer, vehicle = customer_with_vehicle(org, first_name="Ann", last_name="Lee")
    day = business_day(org)
    upcoming = book(org, customer=customer, vehicle=vehicle, day=day, start="09:00")
    done = book(org, customer=customer, vehicle=vehicle, day=day, start="11:00", status="confirmed",
                requested_services=["Inspection"])  # fmt: skip
    job = make_job(org, appointment=done)
    declined = make_recommendation(org, job, description="Wiper blades", decide="decline")
    return {"customer": customer, "vehicle": vehicle, "upcoming": upcoming, "job": job,
            "declined": declined}  # fmt: skip


def test_the_360_shows_appointments_open_jobs_and_declined_work(api, history):
    sections = api.get(f"/customers/{history['customer'].pk}/overview").json()["sections"]
    appointments = sections["appointments"]
    assert [a["number"] for a in appointments["upcoming"]] == [history["upcoming"].number]
    assert appointments["total"] == 2 and appointments["completed"] == 1
    assert appointments["no_shows"] == 0
    assert [j["number"] for j in sections["open_jobs"]] == [history["job"].number]
    assert sections["open_jobs"][0]["status"] == "open"
    assert [d["description"] for d in sections["declined_work"]] == ["Wiper blades"]
    assert sections["declined_work"][0]["follow_up_status"] == "open"


def test_the_360_leaves_the_sections_out_for_a_role_without_the_calendar(api_as, history):
    sections = api_as("marketing").get(f"/customers/{history['customer'].pk}/overview").json()
    assert not {"appointments", "open_jobs", "declined_work"} & set(sections["sections"])


def test_the_vehicle_history_has_its_appointments_and_jobs(api, history):
    data = api.get(f"/vehicles/{history['vehicle'].pk}/history").json()
    assert len(data["sections"]["appointments"]) == 2
    assert [j["number"] for j in data["sections"]["jobs"]] == [history["job"].number]


def test_merging_customers_moves_appointments_jobs_and_recommendations(api, org, history):
    duplicate, vehicle = customer_with_vehicle(org, first_name="Ann", last_name="Lee-Dup")
    survivor = history["customer"]
    url = f"/customers/{survivor.pk}/merge"
    other_day = business_day(org, after=5)
    extra = book(org, customer=duplicate, vehicle=vehicle, day=other_day, start="14:00",
                 status="confirmed")  # fmt: skip
    job = make_job(org, appointment=extra)
    make_recommendation(org, job, decide="decline")
    preview = api.post(url, {"duplicate_id": str(duplicate.pk), "dry_run": True}).json()
    assert preview["moves"]["appointments"] == 1
    assert preview["moves"]["jobs"] == 1 and preview["moves"]["recommendations"] == 1
    response = api.post(url, {"duplicate_id": str(duplicate.pk)})
    assert response.status_code == 200, response.content
    with tenant_scope(org):
        assert not Appointment.objects.filter(customer=duplicate).exists()
        assert not Job.objects.filter(customer=duplicate).exists()
        assert not Recommendation.objects.filter(customer=duplicate).exists()
        assert Appointment.objects.filter(customer=survivor).count() == 3
    declined = api.get(f"/customers/{survivor.pk}/declined-work").json()["items"]
    assert len(declined) == 2


def test_a_vehicle_moved_with_a_merge_can_still_be_booked_for_the_survivor(api, org, history):
    duplicate, vehicle = customer_with_vehicle(org, first_name="Ann", last_name="Dup")
    api.post(f"/customers/{history['customer'].pk}/merge", {"duplicate_id": str(duplicate.pk)})
    day = business_day(org, after=6)
    response = api.post(
        "/appointments",
        {
            "customer_id": str(history["customer"].pk),
            "vehicle_id": str(vehicle.pk),
            "starts_at": f"{day.isoformat()}T10:00",
        },
    )
    assert response.status_code == 201, response.content


def test_a_shared_vehicle_shows_in_each_drivers_booking(api, org, history):
    other, _ = customer_with_vehicle(org)
    link_vehicle(org, other, history["vehicle"], relationship="driver")
    day = business_day(org, after=6)
    response = api.post(
        "/appointments",
        {
            "customer_id": str(other.pk),
            "vehicle_id": str(history["vehicle"].pk),
            "starts_at": f"{day.isoformat()}T10:00",
        },
    )
    assert response.status_code == 201
