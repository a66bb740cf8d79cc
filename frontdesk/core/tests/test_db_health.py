"""The PostgreSQL health check (``core.db.postgresql``): a live idle connection passes
without a round trip, one the server has closed fails and is replaced before use."""

import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


@pytest.fixture
def other():
    """A second connection to the test database, as a web process holds one."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _backend_pid(wrapper) -> int:
    with wrapper.connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _last_query(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_a_live_idle_connection_is_usable_without_a_round_trip(other):
    pid = _backend_pid(other)
    assert other.is_usable()
    assert other.is_usable()
    assert _last_query(pid) == "SELECT pg_backend_pid()"  # no SELECT 1 was sent


def test_a_connection_the_server_closed_is_not_usable_and_is_replaced(other):
    pid = _backend_pid(other)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while other.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not other.is_usable()
    # what Django does before a request's first query: the dead connection is closed...
    other.health_check_enabled, other.health_check_done = True, False
    other.close_if_health_check_failed()
    assert other.connection is None
    # ...and the next query opens a new one and works
    with other.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert _backend_pid(other) != pid


def test_a_connection_in_a_transaction_is_checked_with_a_query(other):
    other.connection.execute("BEGIN")
    assert other.is_usable()
    other.connection.execute("ROLLBACK")


def test_timestamps_come_back_exact_and_in_utc(org):
    """psycopg's C loader reads timestamps (``core.db.postgresql``): the values written
    come back equal, to the microsecond, ``datetime.timezone.utc``-aware, whatever
    offset they were written with."""
    import datetime as dt

    from frontdesk.core.tenancy import tenant_scope
    from frontdesk.customers.models import Customer
    from frontdesk.customers.tests.factories import make_customer

    written = dt.datetime(
        2026, 3, 29, 1, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-7))
    )
    customer = make_customer(org, first_name="Ann", last_name="Lee")
    with tenant_scope(org):
        Customer.objects.filter(pk=customer.pk).update(last_visit_at=written)
        read = Customer.objects.values_list("last_visit_at", flat=True).get(pk=customer.pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT now(), %s::timestamptz", [written])
            now, echoed = cursor.fetchone()
    assert read == written == echoed
    assert read.tzinfo is dt.UTC and echoed.tzinfo is dt.UTC and now.tzinfo is dt.UTC
    assert read.isoformat() == "2026-03-29T08:30:15.123456+00:00"


def test_a_server_side_cursor_reads_timestamps_too(org):
    """``QuerySet.iterator()`` reads through a named cursor."""
    import datetime as dt

    from frontdesk.core.tenancy import tenant_scope
    from frontdesk.customers.models import Customer
    from frontdesk.customers.tests.factories import make_customer

    made = [make_customer(org, first_name=f"N{i}", last_name="Lee") for i in range(3)]
    with tenant_scope(org):
        read = list(
            Customer.objects.order_by("created_at")
            .values_list("pk", "created_at")
            .iterator(chunk_size=2)
        )
    assert [pk for pk, _ in read] == [c.pk for c in made]
    assert all(at.tzinfo is dt.UTC for _, at in read)
