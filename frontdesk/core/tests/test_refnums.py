"""Human reference numbers: sequential per organization and kind, gap-free, and distinct
under concurrency on SQLite and PostgreSQL."""

import threading

import pytest
from django.db import connections, transaction

from frontdesk.core.models import Sequence
from frontdesk.core.refnums import reference_next
from frontdesk.core.tenancy import tenant_scope


def test_numbers_are_sequential_per_kind(org, in_org):
    with in_org():
        assert [reference_next(org=org, kind="customer") for _ in range(3)] == [
            "C-0001",
            "C-0002",
            "C-0003",
        ]
        assert reference_next(org=org, kind="lead") == "L-0001"
        assert reference_next(org=org, kind="customer") == "C-0004"


def test_a_literal_prefix_and_width_are_kept(org, in_org):
    with in_org():
        assert reference_next(org=org, kind="INV-2026") == "INV-2026-0001"
        assert reference_next(org=org, kind="payment", width=6) == "PAY-000001"


def test_numbers_past_the_width_keep_counting(org, in_org):
    with in_org():
        Sequence.objects.create(organization=org, kind="J", last_value=9999)
        assert reference_next(org=org, kind="job") == "J-10000"


def test_organizations_count_independently(org, other_org, in_org):
    with in_org():
        reference_next(org=org, kind="customer")
        reference_next(org=org, kind="customer")
    with tenant_scope(other_org):
        assert reference_next(org=other_org, kind="customer") == "C-0001"
    with in_org():
        assert reference_next(org=org, kind="customer") == "C-0003"


def test_the_number_belongs_to_the_org_given_whatever_scope_is_active(org, other_org, in_org):
    with in_org():
        reference_next(org=org, kind="customer")
        assert reference_next(org=other_org, kind="customer") == "C-0001"
        assert reference_next(org=org, kind="customer") == "C-0002"


def test_a_rolled_back_transaction_leaves_no_gap(org, in_org):
    with in_org():
        assert reference_next(org=org, kind="customer") == "C-0001"
        with pytest.raises(RuntimeError), transaction.atomic():
            assert reference_next(org=org, kind="customer") == "C-0002"
            raise RuntimeError("the record could not be saved")
        assert reference_next(org=org, kind="customer") == "C-0002"


def test_the_first_number_of_a_kind_rolls_back_too(org, in_org):
    with in_org():
        with pytest.raises(RuntimeError), transaction.atomic():
            reference_next(org=org, kind="quote")
            raise RuntimeError
        assert not Sequence.objects.filter(kind="Q").exists()
        assert reference_next(org=org, kind="quote") == "Q-0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_get_distinct_consecutive_numbers(org, other_org):
    threads_count, per_thread = 6, 5
    barrier = threading.Barrier(threads_count)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(target):
        try:
            barrier.wait()
            for _ in range(per_thread):
                with transaction.atomic():  # the creating transaction of a record
                    number = reference_next(org=target, kind="customer")
                if target == org:
                    with lock:
                        numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    # two threads of another organization interleave without taking numbers from this one
    targets = [org] * (threads_count - 2) + [other_org] * 2
    threads = [threading.Thread(target=worker, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    expected = [f"C-{n:04d}" for n in range(1, (threads_count - 2) * per_thread + 1)]
    assert sorted(numbers) == expected
    with tenant_scope(other_org):
        assert Sequence.objects.get(kind="C").last_value == 2 * per_thread
