"""A double-booked slot is impossible, even under concurrent requests (SPEC rule 8), on
SQLite (immediate write transactions, re-checked inside) and PostgreSQL (advisory locks
per bay and advisor, backed by exclusion constraints)."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import ApiClient, token_for
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.services import appointments as appointment_services
from frontdesk.scheduling.tests.factories import (
    at,
    business_day,
    customer_with_vehicle,
    make_advisor,
    make_bay,
)

THREADS = 50


def run_concurrently(count: int, request) -> list:
    """``request(i)`` in ``count`` threads released at the same moment; their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = request(i)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def slot(org, members):
    customer, vehicle = customer_with_vehicle(org)
    return {
        "token": token_for(members["owner"]),
        "customer": customer,
        "vehicle": vehicle,
        "bay": make_bay(org, name="Bay 1"),
        "advisor": make_advisor(members["advisor"]),
        "day": business_day(org),
    }


def body(slot, start="10:00", **extra):
    return {
        "customer_id": str(slot["customer"].pk),
        "vehicle_id": str(slot["vehicle"].pk),
        "starts_at": f"{slot['day'].isoformat()}T{start}",
        "duration_min": 60,
        **extra,
    }


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_requests_for_one_bay_slot_book_exactly_one(org, slot):
    def request(i):
        client = ApiClient(slot["token"])
        return client.post("/appointments", body(slot, bay_id=str(slot["bay"].pk))).status_code

    statuses = run_concurrently(THREADS, request)
    assert sorted(statuses, key=str) == [201] + [409] * (THREADS - 1), statuses
    with tenant_scope(org):
        assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_requests_for_one_advisor_book_exactly_one(org, slot):
    """Each request overlaps the others differently (partial overlaps, one advisor)."""

    def request(i):
        client = ApiClient(slot["token"])
        start = f"10:{i % 30:02d}"
        data = body(slot, start, advisor_id=str(slot["advisor"].pk))
        return client.post("/appointments", data).status_code

    statuses = run_concurrently(THREADS, request)
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == THREADS - 1, statuses
    with tenant_scope(org):
        assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_reschedules_into_one_slot_move_exactly_one(org, slot):
    client = ApiClient(slot["token"])
    ids = [
        client.post("/appointments", body(slot, f"{9 + i}:00", bay_id=str(slot["bay"].pk))).json()[
            "id"
        ]
        for i in range(1, 6)
    ]
    target = f"{slot['day'].isoformat()}T16:00"

    def request(i):
        return ApiClient(slot["token"]).patch(f"/appointments/{ids[i]}", {"starts_at": target})

    statuses = [r.status_code for r in run_concurrently(len(ids), request)]
    assert sorted(statuses) == [200, 409, 409, 409, 409], statuses
    with tenant_scope(org):
        assert Appointment.objects.filter(starts_at=at(org, slot["day"], "16:00")).count() == 1


@pytest.mark.django_db
def test_postgresql_refuses_an_overlap_written_behind_the_services_back(org, slot):
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraints exist on PostgreSQL only")
    start = at(org, slot["day"], "10:00")
    fields = {
        "organization_id": org.pk,
        "customer": slot["customer"],
        "vehicle": slot["vehicle"],
        "bay": slot["bay"],
        "status": "confirmed",
    }
    with tenant_scope(org):
        Appointment.objects.create(
            number="A-9001", starts_at=start, ends_at=start.replace(hour=start.hour + 1), **fields
        )
        with (
            pytest.raises(IntegrityError, match="appointment_no_bay_overlap"),
            transaction.atomic(),
        ):
            Appointment.objects.create(
                number="A-9002",
                starts_at=start.replace(minute=30),
                ends_at=start.replace(hour=start.hour + 1, minute=30),
                **fields,
            )
        # adjacent, and overlapping but cancelled, are fine
        Appointment.objects.create(
            number="A-9003",
            starts_at=start.replace(hour=start.hour + 1),
            ends_at=start.replace(hour=start.hour + 2),
            **fields,
        )
        Appointment.objects.create(
            number="A-9004",
            starts_at=start,
            ends_at=start.replace(hour=start.hour + 1),
            **{**fields, "status": "cancelled"},
        )


@pytest.mark.django_db(transaction=True)
def test_without_the_services_check_postgresql_still_books_exactly_one(org, slot, monkeypatch):
    """The exclusion constraint is the backstop: with the lock and the re-check switched
    off, concurrent bookings still end with one appointment and 409s naming it."""
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraints exist on PostgreSQL only")
    monkeypatch.setattr(appointment_services, "_guard", lambda *args, **kwargs: None)

    def request(i):
        client = ApiClient(slot["token"])
        return client.post("/appointments", body(slot, bay_id=str(slot["bay"].pk)))

    responses = run_concurrently(THREADS, request)
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == THREADS - 1, statuses
    winner = next(r for r in responses if r.status_code == 201).json()["number"]
    assert all(r.json()["conflict"]["number"] == winner for r in responses if r.status_code == 409)
