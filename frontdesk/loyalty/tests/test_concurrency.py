"""Never below zero, safe under concurrency (SPEC 4.7): concurrent redemptions that
together exceed the balance — exactly one succeeds, on SQLite and PostgreSQL."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import ApiClient, token_for
from frontdesk.customers.tests.factories import make_customer
from frontdesk.loyalty.models import PointsEntry
from frontdesk.loyalty.tests.factories import add_points, balance, make_reward
from frontdesk.scheduling.tests.test_concurrency import run_concurrently


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_redemptions_exceeding_the_balance_let_exactly_one_through(org, members):
    customer = make_customer(org)
    add_points(org, customer, 150)
    reward = make_reward(org, name="Wash", points_cost=100)
    token = token_for(members["cashier"])

    def request(i):
        client = ApiClient(token)
        return client.post(
            f"/loyalty/{customer.pk}/points/redeem", {"reward_id": str(reward.pk)}
        ).status_code

    statuses = run_concurrently(2, request)
    assert sorted(statuses, key=str) == [201, 409], statuses
    assert balance(org, customer) == 50


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_redemptions_spend_only_what_there_is(org, members):
    customer = make_customer(org)
    add_points(org, customer, 350)
    reward = make_reward(org, name="Wash", points_cost=100)
    token = token_for(members["owner"])

    def request(i):
        return (
            ApiClient(token)
            .post(f"/loyalty/{customer.pk}/points/redeem", {"reward_id": str(reward.pk)})
            .status_code
        )

    statuses = run_concurrently(10, request)
    assert statuses.count(201) == 3, statuses
    assert statuses.count(409) == 7, statuses
    assert balance(org, customer) == 50
    with tenant_scope(org):
        assert PointsEntry.objects.filter(kind="redeem").count() == 3
