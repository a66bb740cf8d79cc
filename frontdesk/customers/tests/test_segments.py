"""Automatic segments (SPEC 4.9): stored on the customer, recomputed set-based by the
daily job and on the events that change them, thresholds from the organization."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import merge
from frontdesk.customers.models import Customer
from frontdesk.customers.segments import SegmentRules, customer_segments_refresh, segment_of
from frontdesk.customers.services import customer_visit_record
from frontdesk.customers.tasks import customer_segments_refresh_job
from frontdesk.customers.tests.factories import make_customer, system
from frontdesk.jobs.services import ORG_SCHEDULES
from frontdesk.scheduling import services as scheduling
from frontdesk.scheduling.tests.factories import book

NOW = timezone.now()


def visits(org, customer, *, count=1, last=None):
    """``count`` completed visits, the last one at ``last``."""
    last = last or NOW
    with tenant_scope(org):
        for i in range(count):
            customer_visit_record(
                org=org, customer=customer, visited_at=last - dt.timedelta(days=count - 1 - i)
            )
        customer.refresh_from_db()
    return customer


def stored(org, customer) -> str:
    with tenant_scope(org):
        return Customer.objects.values_list("segment", flat=True).get(pk=customer.pk)


def test_a_new_customer_is_a_lead(org):
    assert stored(org, make_customer(org)) == "lead"


def test_a_completed_visit_makes_a_customer_active(org):
    assert visits(org, make_customer(org)).segment == "active"


def test_ten_visits_make_a_customer_vip(org):
    customer = visits(org, make_customer(org), count=10)
    assert customer.segment == "vip"


def test_nine_visits_are_not_vip_yet(org):
    assert visits(org, make_customer(org), count=9).segment == "active"


def test_the_daily_job_moves_a_customer_inactive_after_six_months_without_a_visit(org):
    recent = visits(org, make_customer(org), last=NOW - dt.timedelta(days=181))
    old = visits(org, make_customer(org), last=NOW - dt.timedelta(days=183))
    # stored when the visit was recorded; only the time threshold moved since
    assert stored(org, old) == "inactive"
    with tenant_scope(org):
        Customer.objects.filter(pk=old.pk).update(segment="active")
    assert customer_segments_refresh_job(str(org.pk)) == 1
    assert stored(org, old) == "inactive"
    assert stored(org, recent) == "active"
    later = NOW + dt.timedelta(days=2)
    with tenant_scope(org):
        assert customer_segments_refresh(org=org, now=later) == 1
    assert stored(org, recent) == "inactive"


def test_the_thresholds_come_from_the_organization_settings(org):
    org.settings = {**(org.settings or {}), "segment_rules": {"vip_min_appointments": 3}}
    org.settings["segment_rules"]["active_within_days"] = 30
    org.save(update_fields=["settings"])
    assert SegmentRules.of(org) == SegmentRules(vip_min_appointments=3, active_within_days=30)
    assert visits(org, make_customer(org), count=3).segment == "vip"
    lapsed = visits(org, make_customer(org), last=NOW - dt.timedelta(days=31))
    assert lapsed.segment == "inactive"
    assert segment_of(lapsed, rules=SegmentRules.of(org)) == "inactive"


def test_the_refresh_is_a_few_set_based_updates_whatever_the_number_of_customers(org):
    for _ in range(30):
        make_customer(org)
    with tenant_scope(org):
        Customer.objects.update(segment="vip")
        with CaptureQueriesContext(connection) as queries:
            assert customer_segments_refresh(org=org) == 30
    writes = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 4


def test_the_refresh_leaves_another_organization_alone(org, other_org):
    mine, theirs = make_customer(org), make_customer(other_org)
    with tenant_scope(other_org):
        Customer.objects.filter(pk=theirs.pk).update(segment="vip")
    with tenant_scope(org):
        customer_segments_refresh(org=org)
    assert stored(other_org, theirs) == "vip"
    assert stored(org, mine) == "lead"


def test_completing_an_appointment_moves_the_customer_out_of_lead(
    org, django_capture_on_commit_callbacks
):
    appointment = book(org, status="confirmed")
    assert stored(org, appointment.customer) == "lead"
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org):
        scheduling.appointment_transition(
            org=org, actor=system(org), appointment=appointment, action="complete"
        )
    assert stored(org, appointment.customer) in ("active", "inactive")


def test_a_merge_recomputes_the_survivors_segment(org, django_capture_on_commit_callbacks):
    survivor = make_customer(org)
    duplicate = visits(org, make_customer(org, first_name="Dupe"), count=10)
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org):
        merge.customer_merge(org=org, actor=system(org), survivor=survivor, duplicate=duplicate)
    assert stored(org, survivor) == "vip"


def test_the_daily_segment_job_is_scheduled_per_organization():
    schedule = ORG_SCHEDULES["customers: segments"]
    assert schedule.frequency == "daily"
    assert schedule.func == "frontdesk.customers.tasks.customer_segments_refresh_job"


@pytest.mark.parametrize("segment", ["lead", "active", "vip"])
def test_the_customer_list_filters_by_the_stored_segment(api, org, segment):
    lead = make_customer(org)
    active = visits(org, make_customer(org))
    vip = visits(org, make_customer(org), count=10)
    expected = {"lead": lead, "active": active, "vip": vip}[segment]
    body = api.get("/customers", {"segment": segment}).json()
    assert [c["id"] for c in body["items"]] == [str(expected.pk)]
    assert body["items"][0]["segment"] == segment


def test_an_unknown_segment_filter_is_422(api, org):
    response = api.get("/customers", {"segment": "whales"})
    assert response.status_code == 422


def test_the_customer_page_filters_by_segment_and_the_360_shows_it(client, members, org):
    vera = visits(org, make_customer(org, first_name="Vera", last_name="Vip"), count=10)
    make_customer(org, first_name="Lee", last_name="Lead")
    client.force_login(members["owner"].user)
    page = client.get("/customers/", {"segment": "vip"}).content.decode()
    assert "Vera" in page and "Lee Lead" not in page
    detail = client.get(reverse("customers:detail", args=[vera.pk])).content.decode()
    assert '<span class="fd-badge">vip</span>' in detail


def test_unusable_thresholds_fall_back_to_the_defaults(org):
    org.settings = {"segment_rules": {"vip_min_appointments": "many", "active_within_days": 0}}
    assert SegmentRules.of(org) == SegmentRules()
    org.settings = {"segment_rules": ["not", "a", "dict"]}
    assert SegmentRules.of(org) == SegmentRules()
