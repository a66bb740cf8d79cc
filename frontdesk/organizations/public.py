"""Public (anonymous) endpoints live under ``/api/public/{org_slug}``: the slug chooses
the organization, and :func:`public_scope` activates it for the handler::

    @public_router.post("/inquiries", auth=None, throttle=[IpRateThrottle()])
    def inquiry(request, org_slug: str, payload: InquiryIn):
        with public_scope(org_slug) as org:
            return inquiry_receive(org=org, actor=Actor.public(org_id=org.pk), ...)

An unknown or inactive slug answers 404 like any unknown record.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from frontdesk.core.errors import NotFound
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Organization


@contextmanager
def public_scope(org_slug: str) -> Iterator[Organization]:
    org = Organization.objects.filter(slug=org_slug, is_active=True).first()
    if org is None:
        raise NotFound("No such organization.")
    with tenant_scope(org):
        yield org
