"""The pages: calendar (day and week, by bay or advisor), booking, the appointment page
(status buttons, move, convert), jobs, declined work, bays and closures, the dashboard."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY
from frontdesk.scheduling.models import Appointment, Bay, Closure, Job, Recommendation
from frontdesk.scheduling.tests.factories import (
    at,
    book,
    business_day,
    customer_with_vehicle,
    make_advisor,
    make_bay,
    make_job,
    make_recommendation,
)

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


@pytest.fixture
def shop(org, members):
    customer, vehicle = customer_with_vehicle(org, first_name="Maria", last_name="Garcia")
    return {
        "customer": customer,
        "vehicle": vehicle,
        "bay": make_bay(org, name="Bay 1"),
        "bay2": make_bay(org, name="Bay 2"),
        "advisor": make_advisor(members["advisor"]),
        "day": business_day(org),
    }


def appointment(org, shop, **extra):
    extra.setdefault("bay", shop["bay"])
    return book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"], **extra)


def calendar(client, day, **params):
    return client.get(reverse("scheduling:calendar"), {"date": day.isoformat(), **params})


# --- the calendar ------------------------------------------------------------------------
def test_the_day_view_has_a_column_per_bay_and_offers_only_free_slots(web, org, shop):
    a = appointment(org, shop)
    response = calendar(web(), shop["day"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bay 1" in html and "Bay 2" in html
    assert a.number in html and "Maria Garcia" in html
    bay1_link = f"bay={shop['bay'].pk}"
    # Bay 1 is taken at 10:00 and 10:30 (no booking link), Bay 2 is free then
    links = [line for line in html.splitlines() if "fd-slot" in line]
    assert not [x for x in links if bay1_link in x and "T10:00" in x.split("slot=")[1][:30]]
    assert [x for x in links if f"bay={shop['bay2'].pk}" in x and "T10:00" in x]
    assert 'rowspan="2"' in html  # the hour-long appointment spans two half-hour rows


def test_the_day_view_by_advisor_and_the_week_view(web, org, shop):
    a = appointment(org, shop, advisor=shop["advisor"], bay=None)
    by_advisor = calendar(web(), shop["day"], by="advisor").content.decode()
    assert shop["advisor"].user.email in by_advisor and a.number in by_advisor
    week = calendar(web(), shop["day"], view="week").content.decode()
    assert 'id="fd-cal-week"' in week and "Maria Garcia" in week


def test_htmx_navigation_gets_just_the_calendar(web, shop):
    response = calendar(web(), shop["day"], view="week")
    partial = web().get(
        reverse("scheduling:calendar"),
        {"date": shop["day"].isoformat()},
        headers={"HX-Request": "true", "HX-Target": "fd-calendar"},
    )
    assert "<html" in response.content.decode() and "<html" not in partial.content.decode()


def test_a_role_without_the_calendar_is_refused_and_anonymous_sent_to_log_in(web, shop):
    assert web("marketing").get(reverse("scheduling:calendar")).status_code == 403
    response = Client().get(reverse("scheduling:calendar"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_cashier_sees_the_calendar_without_booking_links(web, shop):
    html = calendar(web("cashier"), shop["day"]).content.decode()
    assert "fd-cal-free" in html and "fd-slot" not in html


# --- booking -----------------------------------------------------------------------------
def test_a_free_slot_opens_the_booking_form_prefilled(web, org, shop):
    slot = at(org, shop["day"], "10:00").astimezone(dt.timezone(dt.timedelta(hours=-6)))
    response = web().get(
        reverse("scheduling:book"), {"slot": slot.isoformat(), "bay": str(shop["bay"].pk)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{shop["day"].isoformat()}T10:00"' in html
    assert f'<option value="{shop["bay"].pk}" selected' in html


def test_booking_through_the_form_creates_the_appointment(web, org, shop):
    response = web().post(
        reverse("scheduling:book"),
        {
            "customer": str(shop["customer"].pk),
            "vehicle": str(shop["vehicle"].pk),
            "starts_at": f"{shop['day'].isoformat()}T10:00",
            "duration_min": 60,
            "bay": str(shop["bay"].pk),
            "services": "Oil change, Wipers",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    with tenant_scope(org):
        a = Appointment.objects.get()
    assert response["Location"] == reverse("scheduling:appointment", args=[a.pk])
    assert a.status == "confirmed" and a.requested_services == ["Oil change", "Wipers"]


def test_booking_a_taken_slot_shows_the_conflict_next_to_the_form(web, org, shop):
    taken = appointment(org, shop)
    response = web().post(
        reverse("scheduling:book"),
        {
            "customer": str(shop["customer"].pk),
            "vehicle": str(shop["vehicle"].pk),
            "starts_at": f"{shop['day'].isoformat()}T10:30",
            "duration_min": 60,
            "bay": str(shop["bay"].pk),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert taken.number in response.content.decode() and "is booked" in response.content.decode()
    with tenant_scope(org):
        assert Appointment.objects.count() == 1


def test_the_booking_form_searches_customers_and_lists_their_vehicles(web, shop):
    options = web().get(reverse("scheduling:customer_search"), {"q": "Garcia"}).content.decode()
    assert str(shop["customer"].pk) in options
    vehicles = web().get(
        reverse("scheduling:customer_vehicles"), {"customer": str(shop["customer"].pk)}
    )
    assert str(shop["vehicle"].pk) in vehicles.content.decode()


# --- an appointment ----------------------------------------------------------------------
def test_the_appointment_page_confirms_and_converts_to_a_job(web, org, shop):
    a = appointment(org, shop, requested_services=["Brakes"])
    client = web()
    page = client.get(reverse("scheduling:appointment", args=[a.pk])).content.decode()
    assert "Confirm" in page and a.number in page
    client.post(reverse("scheduling:appointment_status", args=[a.pk]), {"action": "confirm"})
    response = client.post(reverse("scheduling:appointment_convert", args=[a.pk]))
    with tenant_scope(org):
        job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert job.number in page and "Brakes" in page


def test_a_refused_transition_is_shown_as_a_message(web, org, shop):
    a = appointment(org, shop)
    client = web()
    response = client.post(
        reverse("scheduling:appointment_status", args=[a.pk]), {"action": "complete"}, follow=True
    )
    assert "cannot be completed" in response.content.decode()


def test_moving_into_a_taken_slot_shows_409_and_keeps_the_time(web, org, shop):
    appointment(org, shop)
    moving = appointment(org, shop, start="14:00")
    response = web().post(
        reverse("scheduling:appointment_reschedule", args=[moving.pk]),
        {
            "starts_at": f"{shop['day'].isoformat()}T10:30",
            "duration_min": 60,
            "bay": str(shop["bay"].pk),
        },
    )
    assert response.status_code == 409
    assert "is booked" in response.content.decode()
    with tenant_scope(org):
        assert Appointment.objects.get(pk=moving.pk).starts_at == moving.starts_at


def test_dragging_answers_json_for_the_calendar(web, org, shop):
    taken = appointment(org, shop)
    moving = appointment(org, shop, start="14:00", bay=shop["bay2"])
    url = reverse("scheduling:appointment_reschedule", args=[moving.pk])
    client = web()
    refused = client.post(
        url,
        {
            "starts_at": f"{shop['day'].isoformat()}T10:00",
            "offset": "-06:00",
            "bay": str(shop["bay"].pk),
        },
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 409 and taken.number in refused.json()["detail"]
    moved = client.post(
        url,
        {"starts_at": f"{shop['day'].isoformat()}T15:00", "bay": str(shop["bay"].pk)},
        headers={"Accept": "application/json"},
    )
    assert moved.status_code == 200 and moved.json()["ok"] is True
    with tenant_scope(org):
        after = Appointment.objects.get(pk=moving.pk)
    assert after.bay_id == shop["bay"].pk and after.starts_at == at(org, shop["day"], "15:00")
    assert after.ends_at - after.starts_at == dt.timedelta(hours=1)


def test_a_cashier_cannot_change_an_appointment(web, org, shop):
    a = appointment(org, shop)
    response = web("cashier").post(
        reverse("scheduling:appointment_status", args=[a.pk]), {"action": "confirm"}
    )
    assert response.status_code == 403
    assert (
        "Confirm</button>"
        not in web("cashier").get(reverse("scheduling:appointment", args=[a.pk])).content.decode()
    )


def test_another_organizations_appointment_is_404(web, other_org):
    customer, vehicle = customer_with_vehicle(other_org)
    theirs = book(other_org, customer=customer, vehicle=vehicle)
    assert web().get(reverse("scheduling:appointment", args=[theirs.pk])).status_code == 404


# --- jobs --------------------------------------------------------------------------------
def test_the_job_page_adds_lines_and_recommendations(web, org, shop):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    client = web()
    client.post(
        reverse("scheduling:job_line_add", args=[job.pk]),
        {
            "line-kind": "part",
            "line-description": "Pads",
            "line-quantity": "2",
            "line-unit_price": "34.50",
        },  # fmt: skip
    )
    client.post(
        reverse("scheduling:recommendation_add", args=[job.pk]),
        {"rec-description": "Rotors", "rec-estimated_price": "120.00", "rec-urgency": "high"},
    )
    html = client.get(reverse("scheduling:job", args=[job.pk])).content.decode()
    assert "Pads" in html and "69.00 USD" in html and "Rotors" in html
    with tenant_scope(org):
        rec = Recommendation.objects.get()
        assert rec.estimated_price == 12000
    client.post(reverse("scheduling:recommendation_decide", args=[rec.pk]), {"decision": "decline"})
    with tenant_scope(org):
        assert Recommendation.objects.get().status == "declined"


def test_the_job_page_moves_the_status_along(web, org, shop):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    client = web()
    client.post(reverse("scheduling:job_status", args=[job.pk]), {"status": "in_progress"})
    response = client.post(
        reverse("scheduling:job_status", args=[job.pk]), {"status": "invoiced"}, follow=True
    )
    assert "cannot become" in response.content.decode()
    with tenant_scope(org):
        assert Job.objects.get().status == "in_progress"


def test_the_job_list_shows_open_jobs(web, org, shop):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    assert job.number in web().get(reverse("scheduling:jobs")).content.decode()


# --- declined work -----------------------------------------------------------------------
def test_the_declined_work_board_follows_up_and_filters_overdue(web, org, shop):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    late = make_recommendation(org, job, description="Late filter", decide="decline")
    make_recommendation(org, job, description="Fresh wipers", decide="decline")
    with tenant_scope(org):
        Recommendation.objects.filter(pk=late.pk).update(due_date=dt.date(2020, 1, 1))
    client = web()
    board = client.get(reverse("scheduling:declined_work")).content.decode()
    assert "Late filter" in board and "Fresh wipers" in board and "overdue" in board
    overdue = client.get(reverse("scheduling:declined_work"), {"overdue": "true"}).content.decode()
    assert "Late filter" in overdue and "Fresh wipers" not in overdue
    client.post(
        reverse("scheduling:recommendation_follow_up", args=[late.pk]),
        {"follow_up_status": "contacted"},
    )
    with tenant_scope(org):
        assert Recommendation.objects.get(pk=late.pk).follow_up_status == "contacted"
    form = client.get(reverse("scheduling:book"), {"recommendation": str(late.pk)}).content.decode()
    assert "Late filter" in form


def test_declined_work_is_booked_from_the_board(web, org, shop):
    job = make_job(org, customer_id=shop["customer"].pk, vehicle_id=shop["vehicle"].pk)
    rec = make_recommendation(org, job, description="Coolant flush", decide="decline")
    day = business_day(org, after=4)
    response = web().post(
        reverse("scheduling:book"),
        {
            "recommendation": str(rec.pk),
            "customer": str(shop["customer"].pk),
            "vehicle": str(shop["vehicle"].pk),
            "starts_at": f"{day.isoformat()}T09:00",
            "duration_min": 60,
        },
    )
    assert response.status_code == 302
    with tenant_scope(org):
        rec.refresh_from_db()
        assert rec.follow_up_status == "scheduled"
        assert rec.appointment.requested_services == ["Coolant flush"]


# --- bays, closures, settings, dashboard -------------------------------------------------
def test_an_owner_adds_bays_closures_and_settings(web, org, shop):
    client = web()
    url = reverse("scheduling:resources")
    assert (
        client.post(url, {"form": "bay", "bay-name": "Lift 3", "bay-kind": "lift"}).status_code
        == 302
    )
    day = business_day(org, after=20)
    client.post(
        url,
        {"form": "closure", "closure-start_date": day.isoformat(), "closure-reason": "Inventory"},
    )
    settings = {f"settings-{k}": v for k, v in {
        "slot_minutes": 15, "buffer_minutes": 5, "default_duration_minutes": 45,
        "reminder_lead_hours": 12, "declined_follow_up_days": 60,
        "online_min_notice_minutes": 60, "online_max_days_ahead": 30,
    }.items()}  # fmt: skip
    assert client.post(url, {"form": "settings", **settings}).status_code == 302
    with tenant_scope(org):
        assert Bay.objects.filter(name="Lift 3", kind="lift").exists()
        assert Closure.objects.filter(start_date=day).exists()
    org.refresh_from_db()
    assert org.settings["scheduling"]["slot_minutes"] == 15
    duplicate = client.post(url, {"form": "bay", "bay-name": "lift 3", "bay-kind": "bay"})
    assert duplicate.status_code == 422 and "already" in duplicate.content.decode()


def test_an_advisor_sees_the_resources_but_cannot_change_them(web, shop):
    client = web("advisor")
    url = reverse("scheduling:resources")
    assert client.get(url).status_code == 200
    assert client.post(url, {"form": "bay", "bay-name": "X", "bay-kind": "bay"}).status_code == 403
    toggle = reverse("scheduling:bay_toggle", args=[shop["bay"].pk])
    assert client.post(toggle).status_code == 403


def test_the_dashboard_lists_todays_appointments(web, org, shop):
    a = appointment(org, shop)
    with time_machine.travel(at(org, shop["day"], "07:00"), tick=False):
        html = web().get(reverse("core:dashboard")).content.decode()
    assert "Today&#x27;s appointments" in html or "Today's appointments" in html
    assert "10:00 Maria Garcia" in html and reverse("scheduling:appointment", args=[a.pk]) in html


def test_the_navigation_has_the_schedule_entries(web, shop):
    html = web().get(reverse("scheduling:jobs")).content.decode()
    for label in ("Calendar", "Jobs", "Declined work", "Bays and closures"):
        assert f">{label}</a>" in html
