"""One active membership per customer, even under concurrent assignments, on SQLite
and PostgreSQL (customer row lock + a partial unique constraint)."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import ApiClient, token_for
from frontdesk.customers.tests.factories import make_customer
from frontdesk.memberships.models import CustomerMembership
from frontdesk.memberships.tests.factories import make_plan
from frontdesk.scheduling.tests.test_concurrency import run_concurrently


@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_leave_exactly_one_active_membership(org, members):
    customer = make_customer(org)
    plans = [make_plan(org, name=f"Plan {i}", discount_percent=i) for i in range(8)]
    token = token_for(members["owner"])

    def request(i):
        return (
            ApiClient(token)
            .post(f"/customers/{customer.pk}/membership", {"plan_id": str(plans[i].pk)})
            .status_code
        )

    statuses = run_concurrently(8, request)
    assert all(s == 201 for s in statuses), statuses
    with tenant_scope(org):
        rows = CustomerMembership.objects.filter(customer=customer)
        assert rows.filter(status="active").count() == 1
        assert rows.count() == 8
        assert rows.filter(kind="new").count() == 1
