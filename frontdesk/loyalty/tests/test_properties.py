"""Property-based: random sequences of add / redeem / earn / reverse / merge keep the
invariants — points never negative, earned once per paid invoice, API balance = DB sum
(on SQLite and PostgreSQL: run the file with DATABASE_URL set)."""

import uuid

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.core.errors import DomainError
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.merge import customer_merge
from frontdesk.customers.tests.factories import make_customer
from frontdesk.loyalty import services
from frontdesk.loyalty.models import PointsEntry
from frontdesk.loyalty.selectors import points_balance
from frontdesk.loyalty.tests.factories import make_reward, system

pytestmark = pytest.mark.django_db

who = st.integers(min_value=0, max_value=1)
invoice = st.integers(min_value=0, max_value=3)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), who, st.integers(min_value=1, max_value=500)),
        st.tuples(st.just("redeem"), who, st.sampled_from([50, 120, 400])),
        st.tuples(st.just("earn"), who, invoice, st.integers(min_value=0, max_value=90_000)),
        st.tuples(st.just("reverse"), invoice, st.integers(min_value=1, max_value=90_000)),
        st.tuples(st.just("merge")),
    ),
    max_size=14,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_random_point_movements_keep_the_invariants(org, api, ops):
    customers = [make_customer(org), make_customer(org)]
    rewards = {cost: make_reward(org, points_cost=cost) for cost in (50, 120, 400)}
    invoices = [uuid.uuid4() for _ in range(4)]
    totals = {}  # invoice -> the amount it was paid with
    actor = system(org)
    with tenant_scope(org):
        for op in ops:
            try:
                if op[0] == "add":
                    services.points_add(
                        org=org, actor=actor, customer=customers[op[1]], points=op[2], reason="p"
                    )
                elif op[0] == "redeem":
                    services.points_redeem_reward(
                        org=org, actor=actor, customer=customers[op[1]], reward=rewards[op[2]]
                    )
                elif op[0] == "earn":
                    _, i, k, amount = op
                    totals.setdefault(k, amount)
                    services.points_earn_for_invoice(
                        org=org,
                        customer=customers[i],
                        invoice_id=invoices[k],
                        amount=totals[k],
                        currency=org.currency,
                    )
                elif op[0] == "reverse" and op[1] in totals and totals[op[1]] > 0:
                    services.points_reverse_for_credit(
                        org=org,
                        invoice_id=invoices[op[1]],
                        credit_note_id=uuid.uuid4(),
                        amount=op[2],
                        invoice_total=totals[op[1]],
                    )
                elif op[0] == "merge" and not customers[1].merged_into_id:
                    customer_merge(
                        org=org, actor=actor, survivor=customers[0], duplicate=customers[1]
                    )
                    customers[1].refresh_from_db()
            except DomainError:
                pass  # refused (short balance, merged customer): must change nothing
            for customer in customers:
                assert points_balance(customer=customer) >= 0
        entries = PointsEntry.objects.filter(customer__in=customers)
        for k in range(4):
            assert entries.filter(kind="earn", invoice_id=invoices[k]).count() <= 1
            earned = entries.filter(kind="earn", invoice_id=invoices[k]).aggregate(s=Sum("points"))
            reversed_ = entries.filter(kind="reverse", invoice_id=invoices[k]).aggregate(
                s=Sum("points")
            )
            assert (earned["s"] or 0) + (reversed_["s"] or 0) >= 0
        db = {
            c.pk: entries.filter(customer=c).aggregate(s=Sum("points"))["s"] or 0 for c in customers
        }
    for customer in customers:
        body = api.get(f"/loyalty/{customer.pk}").json()
        assert body["balance"] == db[customer.pk] >= 0
