"""The calendar in a real browser: booking a free slot, a conflict shown clearly (moving
by form and by drag and drop), and converting an appointment into a job."""

import pytest
from playwright.sync_api import expect

from frontdesk.core.tenancy import tenant_scope
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.tests.factories import (
    book,
    business_day,
    customer_with_vehicle,
    make_bay,
)

from .conftest import screenshot, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(org):
    customer, vehicle = customer_with_vehicle(org, first_name="Maria", last_name="Garcia")
    return {
        "customer": customer,
        "vehicle": vehicle,
        "bay": make_bay(org, name="Bay 1"),
        "bay2": make_bay(org, name="Bay 2"),
        "day": business_day(org),
    }


def test_booking_a_free_slot_from_the_calendar(page, members, login_as, org, shop):
    taken = book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"],
                 start="09:00", bay=shop["bay"])  # fmt: skip
    login_as(page, members["advisor"])
    visit(page, f"/schedule/?date={shop['day'].isoformat()}")
    expect(page.get_by_role("heading", name="Calendar")).to_be_visible()
    expect(page.locator(f"#appt-{taken.pk}")).to_contain_text("Maria Garcia")
    # the taken slot is not offered, the free one next to it is
    expect(page.get_by_role("link", name="Book Bay 1 at 09:00")).to_have_count(0)
    page.get_by_role("link", name="Book Bay 1 at 10:00").click()
    panel = page.locator("#fd-panel")
    expect(panel.get_by_role("heading", name="New appointment")).to_be_visible()
    with page.expect_response(lambda response: "/schedule/book/customers/" in response.url):
        panel.get_by_label("Find a customer").fill("Garcia")
    expect(panel.locator("#id_customer option", has_text="Maria Garcia")).to_have_count(1)
    with page.expect_response(lambda response: "/schedule/book/vehicles/" in response.url):
        panel.locator("#id_customer").select_option(
            label=f"Maria Garcia · {shop['customer'].number}"
        )
    expect(panel.locator("#id_vehicle option").nth(1)).to_contain_text("Honda")
    panel.get_by_label("Requested services").fill("Oil change")
    screenshot(page, "calendar-booking")
    panel.get_by_role("button", name="Book").click()
    expect(page.get_by_role("heading", name="Appointment A-0002")).to_be_visible()
    expect(page.locator("#appointment-status")).to_have_text("Confirmed")
    with tenant_scope(org):
        booked = Appointment.objects.get(number="A-0002")
    assert booked.bay_id == shop["bay"].pk and booked.requested_services == ["Oil change"]
    visit(page, f"/schedule/?date={shop['day'].isoformat()}")
    expect(page.get_by_role("link", name="Book Bay 1 at 10:00")).to_have_count(0)
    screenshot(page, "calendar-day")


def test_moving_into_a_taken_slot_shows_the_conflict_and_keeps_the_time(
    page, members, login_as, org, shop
):
    taken = book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"],
                 start="10:00", bay=shop["bay"])  # fmt: skip
    moving = book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"],
                  start="14:00", bay=shop["bay"])  # fmt: skip
    login_as(page, members["advisor"])
    visit(page, f"/schedule/appointments/{moving.pk}/")
    page.get_by_label("Starts").fill(f"{shop['day'].isoformat()}T10:30")
    reschedule = f"/schedule/appointments/{moving.pk}/reschedule/"
    page.expected_failures.add(page.base_url + reschedule)  # answered 409, on purpose
    page.get_by_role("button", name="Move appointment").click()
    expect(page.locator(".fd-errors").first).to_contain_text("is booked from")
    expect(page.locator(".fd-errors").first).to_contain_text(taken.number)
    screenshot(page, "move-conflict")
    with tenant_scope(org):
        assert Appointment.objects.get(pk=moving.pk).starts_at == moving.starts_at


def test_dragging_onto_a_taken_slot_is_refused_and_onto_a_free_one_moves(
    page, members, login_as, org, shop
):
    taken = book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"],
                 start="10:00", bay=shop["bay"])  # fmt: skip
    moving = book(org, customer=shop["customer"], vehicle=shop["vehicle"], day=shop["day"],
                  start="14:00", bay=shop["bay2"], minutes=90)  # fmt: skip
    login_as(page, members["advisor"])
    visit(page, f"/schedule/?date={shop['day'].isoformat()}")
    page.expected_failures.add(f"{page.base_url}/schedule/appointments/{moving.pk}/reschedule/")
    bay1 = str(shop["bay"].pk)
    taken_cell = page.locator("#fd-cal-grid td", has=page.locator(f"#appt-{taken.pk}"))
    page.locator(f"#appt-{moving.pk}").drag_to(taken_cell)
    message = page.locator("#fd-calendar-message")
    expect(message).to_contain_text("Not moved")
    expect(message).to_contain_text(taken.number)
    screenshot(page, "drag-conflict")
    free = page.locator(f"#fd-cal-grid td[data-column='{bay1}'][data-slot*='T15:00']")
    page.locator(f"#appt-{moving.pk}").drag_to(free)
    expect(message).to_contain_text(f"{moving.number} moved")
    expect(page.locator(f"#fd-cal-grid td #appt-{moving.pk}")).to_contain_text("15:00")
    with tenant_scope(org):
        after = Appointment.objects.get(pk=moving.pk)
    assert after.bay_id == shop["bay"].pk
    assert (after.ends_at - after.starts_at).total_seconds() == 90 * 60


def test_converting_a_confirmed_appointment_opens_the_job(page, members, login_as, org, shop):
    appointment = book(org, customer=shop["customer"], vehicle=shop["vehicle"],
                       day=shop["day"], bay=shop["bay"], status="confirmed",
                       requested_services=["Brake inspection"])  # fmt: skip
    login_as(page, members["advisor"])
    visit(page, f"/schedule/appointments/{appointment.pk}/")
    page.get_by_role("button", name="Convert to job").click()
    expect(page.get_by_role("heading", name="Job J-0001")).to_be_visible()
    expect(page.locator("#job-lines")).to_contain_text("Brake inspection")
    page.locator("summary", has_text="Recommend work").click()
    page.get_by_label("Recommended work").fill("Rear wiper blade")
    page.get_by_label("Estimated price").fill("19.90")
    page.get_by_role("button", name="Add recommendation").click()
    page.locator("#recommendations").get_by_role("button", name="Decline").click()
    expect(page.locator("#recommendations")).to_contain_text("Declined")
    screenshot(page, "job")
    visit(page, "/schedule/declined-work/")
    expect(page.get_by_text("Rear wiper blade")).to_be_visible()
    visit(page, f"/schedule/appointments/{appointment.pk}/")
    expect(page.locator("#appointment-status")).to_have_text("Completed")


def test_the_schedule_pages_log_no_error_and_break_no_csp(page, members, login_as, shop):
    login_as(page, members["owner"])
    for path in (
        f"/schedule/?date={shop['day'].isoformat()}",
        f"/schedule/?date={shop['day'].isoformat()}&view=week",
        f"/schedule/?date={shop['day'].isoformat()}&by=advisor",
        "/schedule/jobs/",
        "/schedule/declined-work/",
        "/schedule/resources/",
        "/schedule/book/",
    ):
        visit(page, path)
        assert page.evaluate("typeof window.htmx") == "object", path
    assert not page.problems
