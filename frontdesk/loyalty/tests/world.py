"""One of each loyalty record in an organization, for the cross-tenant crawler."""

import uuid

from frontdesk.core.testing import world_builder
from frontdesk.customers.tests.factories import make_customer
from frontdesk.loyalty import services
from frontdesk.loyalty.tests.factories import add_points, earn, make_reward, system


@world_builder
def loyalty_world(org, members):
    customer = make_customer(
        org,
        first_name="World",
        last_name="Loyal",
        emails=[{"address": f"loyal@{org.slug}.example"}],
    )
    reward = make_reward(org, name="World free wash", points_cost=50)
    added = add_points(org, customer, 500, reason="World welcome")
    invoice_id = uuid.uuid4()
    earned = earn(org, customer, amount=20_000, invoice_id=invoice_id)
    redeemed = services.points_redeem_reward(
        org=org, actor=system(org), customer=customer, reward=reward
    )
    reversed_ = services.points_reverse_for_credit(
        org=org,
        invoice_id=invoice_id,
        credit_note_id=uuid.uuid4(),
        amount=10_000,
        invoice_total=20_000,
        reference="CN-WORLD",
    )
    return [customer, reward, added, earned, redeemed, reversed_]
