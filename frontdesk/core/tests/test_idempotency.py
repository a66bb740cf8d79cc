"""``Idempotency-Key`` on API writes (SPEC rule 8), as ApiTransactionMiddleware documents:
replay, mismatch, per-credential keys, failed requests, withheld secrets, concurrency."""

import threading
import time

import pytest
from django.db import connections

from frontdesk.audit.models import AuditEntry
from frontdesk.core.models import IdempotencyRecord
from frontdesk.core.testing import ApiClient, token_for
from frontdesk.organizations import services
from frontdesk.organizations.models import ApiToken, Membership

KEY = {"Idempotency-Key": "4f1c2b8e-add-sam"}
SAM = {"email": "sam@alpha.example", "role": "advisor", "full_name": "Sam Rivera"}


def staff_named(in_org, email):
    with in_org():
        return Membership.objects.filter(user__email=email).count()


def test_it_replays_the_stored_response_for_the_same_key_and_body(api, in_org):
    first = api.post("/staff", SAM, headers=KEY)
    again = api.post("/staff", SAM, headers=KEY)

    assert first.status_code == again.status_code == 201
    assert "Idempotency-Replayed" not in first
    assert again["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    assert staff_named(in_org, SAM["email"]) == 1
    with in_org():
        assert AuditEntry.objects.filter(object_id=first.json()["id"]).count() == 1


def test_without_a_key_a_repeat_runs_again(api):
    assert api.post("/staff", SAM).status_code == 201
    assert api.post("/staff", SAM).status_code == 409  # the duplicate check, not a replay


def test_it_rejects_the_same_key_with_a_different_body_and_writes_nothing(api, in_org):
    assert api.post("/staff", SAM, headers=KEY).status_code == 201
    other = {**SAM, "email": "kim@alpha.example"}
    response = api.post("/staff", other, headers=KEY)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert staff_named(in_org, "kim@alpha.example") == 0


def test_it_rejects_the_same_key_on_another_path(api):
    assert api.post("/staff", SAM, headers=KEY).status_code == 201
    response = api.post("/tokens", {"name": "zap"}, headers=KEY)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_keys_of_different_credentials_do_not_collide(members, in_org):
    owner_a = ApiClient(token_for(members["owner"], name="a"))
    owner_b = ApiClient(token_for(members["owner"], name="b"))
    advisor = ApiClient(token_for(members["advisor"]))
    responses = [
        client.post("/tokens", {"name": "same body"}, headers=KEY)
        for client in (owner_a, owner_b, advisor)
    ]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert not any("Idempotency-Replayed" in r for r in responses)
    with in_org():
        assert ApiToken.objects.filter(name="same body").count() == 3


def test_a_failed_request_stores_no_key_so_the_client_can_fix_it_and_retry(api, in_org):
    invalid = api.post("/staff", {**SAM, "email": "not-an-email"}, headers=KEY)
    assert invalid.status_code == 422
    with in_org():
        assert not IdempotencyRecord.objects.exists()

    fixed = api.post("/staff", SAM, headers=KEY)
    assert fixed.status_code == 201
    assert "Idempotency-Replayed" not in fixed


def test_a_conflict_stores_no_key_either(api, members, in_org):
    taken = {**SAM, "email": members["cashier"].user.email}
    assert api.post("/staff", taken, headers=KEY).status_code == 409
    assert api.post("/staff", SAM, headers=KEY).status_code == 201
    with in_org():
        assert IdempotencyRecord.objects.count() == 1


def test_a_response_showing_a_secret_is_not_stored_and_not_shown_again(api, in_org):
    first = api.post("/tokens", {"name": "zap"}, headers=KEY)
    assert first.status_code == 201
    assert first["Cache-Control"] == "no-store"
    raw = first.json()["token"]

    again = api.post("/tokens", {"name": "zap"}, headers=KEY)
    assert again.status_code == 409
    assert again["Idempotency-Replayed"] == "true"
    assert raw not in again.content.decode()
    with in_org():
        assert ApiToken.objects.filter(name="zap").count() == 1
        record = IdempotencyRecord.objects.get()
        assert raw.encode() not in bytes(record.body)


@pytest.mark.parametrize("key", ["x" * 256, "tab\there"])
def test_it_rejects_a_malformed_key(api, in_org, key):
    response = api.post("/staff", SAM, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert staff_named(in_org, SAM["email"]) == 0


def test_reads_ignore_the_key(api):
    first = api.get("/me", headers=KEY)
    assert first.status_code == 200
    assert "Idempotency-Replayed" not in api.get("/me", headers=KEY)


# --- concurrency: exactly one executes -------------------------------------------------------
def run_concurrently(count, func):
    """Call ``func()`` from ``count`` threads released at once; return the results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = func()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_the_same_key_execute_once(members, monkeypatch, in_org):
    token = token_for(members["owner"])
    original = services.staff_add

    def slow_staff_add(**kwargs):
        time.sleep(0.2)  # hold the transaction open while the others arrive
        return original(**kwargs)

    monkeypatch.setattr(services, "staff_add", slow_staff_add)

    def post():
        response = ApiClient(token).post("/staff", SAM, headers=KEY)
        return response.status_code, response.get("Idempotency-Replayed"), response.json()

    results = run_concurrently(4, post)

    assert [status for status, _, _ in results] == [201] * 4
    assert sorted(str(replayed) for _, replayed, _ in results) == ["None"] + ["true"] * 3
    assert len({body["id"] for _, _, body in results}) == 1
    assert staff_named(in_org, SAM["email"]) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_token_creation_with_the_same_key_makes_one_token(members, in_org):
    token = token_for(members["advisor"])

    def post():
        response = ApiClient(token).post("/tokens", {"name": "twice-clicked"}, headers=KEY)
        return response.status_code, response.get("Idempotency-Replayed")

    results = run_concurrently(4, post)

    assert sorted(results, key=str) == [(201, None)] + [(409, "true")] * 3
    with in_org():
        assert ApiToken.objects.filter(name="twice-clicked").count() == 1


def test_keys_older_than_the_retention_are_forgotten_and_then_execute_again(
    api, other_api, in_org, settings
):
    import datetime as dt

    from django.utils import timezone

    from frontdesk.core.tasks import idempotency_records_prune

    assert api.post("/staff", SAM, headers=KEY).status_code == 201
    assert other_api.post("/tokens", {"name": "ci"}, headers=KEY).status_code == 201
    hours = settings.IDEMPOTENCY_KEY_HOURS
    assert idempotency_records_prune(now=timezone.now() + dt.timedelta(hours=hours - 1)) == 0
    assert idempotency_records_prune(now=timezone.now() + dt.timedelta(hours=hours + 1)) == 2
    with in_org():
        assert not IdempotencyRecord.objects.exists()
    # forgotten: the same key is a new request now (here the duplicate check answers)
    again = api.post("/staff", SAM, headers=KEY)
    assert again.status_code == 409 and "Idempotency-Replayed" not in again
