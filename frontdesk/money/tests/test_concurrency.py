"""Exactly-once payments (SPEC rule 8) under concurrency, on SQLite and PostgreSQL:
twenty identical requests with one Idempotency-Key record one payment; twenty different
payments on one invoice never apply more than is owed."""

import threading

import pytest
from django.db import connection

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import ApiClient, token_for
from frontdesk.money.models import JournalLine, Payment
from frontdesk.money.tests.factories import make_invoice

THREADS = 20


def run_concurrently(count: int, request) -> list:
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


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_payments_record_one(org, members):
    invoice = make_invoice(org)
    token = token_for(members["cashier"])
    body = {"invoice_id": str(invoice.pk), "amount": 2500, "method": "card"}

    def request(i):
        r = ApiClient(token).post("/payments", body, headers={"Idempotency-Key": "same-key"})
        return r.status_code, r.json().get("id")

    results = run_concurrently(THREADS, request)
    assert {status for status, _ in results} == {201}, results
    assert len({pid for _, pid in results}) == 1
    with tenant_scope(org):
        assert Payment.objects.count() == 1
        assert JournalLine.objects.filter(account="clearing").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_never_apply_more_than_is_owed(org, members):
    invoice = make_invoice(org)  # 10000 owed
    token = token_for(members["cashier"])
    body = {"invoice_id": str(invoice.pk), "amount": 1000, "method": "cash"}

    def request(i):
        return ApiClient(token).post("/payments", body).status_code

    assert run_concurrently(THREADS, request) == [201] * THREADS
    with tenant_scope(org):
        applied = sorted(p.applied for p in Payment.objects.all())
        assert sum(applied) == 10000 and applied.count(0) == 10
        invoice.refresh_from_db()
        assert invoice.status == "paid"
