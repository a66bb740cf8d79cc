"""Two identical creates at the same moment make exactly one customer (rule 2), on
SQLite (IMMEDIATE transactions run one at a time) and on PostgreSQL (advisory locks on
the phone and email keys). Real threads, real connections, committed transactions."""

import threading
import time

import pytest
from django.db import connection, transaction

from frontdesk.core.errors import Conflict
from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import ApiClient, token_for
from frontdesk.customers import services
from frontdesk.customers.models import Customer, Vehicle
from frontdesk.customers.services import customers as customer_services
from frontdesk.customers.tests.factories import make_vin, system
from frontdesk.organizations.choices import Role
from frontdesk.organizations.tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(func, n=2) -> list[str]:
    barrier = threading.Barrier(n)
    results: list[str] = []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(func())
        except Conflict:
            results.append("conflict")
        except Exception as exc:  # reported in the assertion
            results.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(results)


@pytest.fixture
def slow_check(monkeypatch):
    """Widen the race: wait after looking for matches, before inserting. Without the
    lock both creates would see no match and both insert."""
    real = customer_services.identity_matches

    def slow(**kwargs):
        found = real(**kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(customer_services, "identity_matches", slow)


def test_two_identical_creates_at_once_make_one_customer(org, slow_check):
    def create():
        with tenant_scope(org), transaction.atomic():
            services.customer_create(
                org=org,
                actor=system(org),
                data={"first_name": "Ann", "phones": [{"number": "512-555-0142"}]},
            )
        return "created"

    assert run_together(create) == ["conflict", "created"]
    with tenant_scope(org):
        assert Customer.objects.count() == 1


def test_two_creates_sharing_only_an_email_make_one_customer(org, slow_check):
    numbers = iter(["512-555-0101", "512-555-0102"])
    lock = threading.Lock()

    def create():
        with lock:
            number = next(numbers)
        with tenant_scope(org), transaction.atomic():
            services.customer_create(
                org=org,
                actor=system(org),
                data={"phones": [{"number": number}], "emails": [{"address": "ann@x.example"}]},
            )
        return "created"

    assert run_together(create) == ["conflict", "created"]


def test_two_identical_api_creates_at_once_make_one_customer(org):
    owner = make_member(org, Role.OWNER, email="race@alpha.example")
    token = token_for(owner)
    body = {"first_name": "Ann", "emails": [{"address": "ann@race.example"}]}

    def create():
        response = ApiClient(token).post("/customers", body)
        return str(response.status_code)

    assert run_together(create) == ["201", "409"]
    with tenant_scope(org):
        assert Customer.objects.count() == 1


def test_two_vehicles_with_one_vin_at_once_make_one_vehicle(org):
    vin = make_vin()

    def create():
        with tenant_scope(org), transaction.atomic():
            services.vehicle_create(org=org, actor=system(org), data={"vin": vin})
        return "created"

    assert run_together(create) == ["conflict", "created"]
    with tenant_scope(org):
        assert Vehicle.objects.count() == 1
