"""One inquiry in an organization, for the cross-tenant crawler."""

from frontdesk.core.testing import world_builder
from frontdesk.inquiries.tests.factories import make_inquiry


@world_builder
def inquiries_world(org, members):
    return [make_inquiry(org, name="World Visitor", email=f"world-inquiry@{org.slug}.example")]
