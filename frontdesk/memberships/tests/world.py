"""One of each memberships record in an organization, for the cross-tenant crawler."""

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import world_builder
from frontdesk.customers.tests.factories import make_customer
from frontdesk.memberships.tests.factories import assign, make_plan, make_service


@world_builder
def memberships_world(org, members):
    customer = make_customer(org, first_name="World", last_name="Member")
    service = make_service(org, code="WORLDOIL", name="World oil change")
    basic = make_plan(org, name="World Basic", included=[(service, 0)], discount_percent=5)
    premium = make_plan(org, name="World Premium", discount_percent=15)
    first = assign(org, customer, basic)
    second = assign(org, customer, premium)
    with tenant_scope(org):
        included = basic.included.get()
    return [customer, service, basic, premium, first, second, included]
