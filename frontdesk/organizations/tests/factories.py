import factory

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Membership, Organization
from frontdesk.organizations.services import staff_add

PASSWORD = "correct horse battery staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Shop {n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
    time_zone = "America/Chicago"
    currency = "USD"
    country = "US"


def make_member(
    org: Organization, role: str, *, email: str | None = None, password: str = PASSWORD, **extra
) -> Membership:
    email = email or f"{role}@{org.slug}.example"
    with tenant_scope(org):
        return staff_add(
            org=org,
            actor=Actor.system(org_id=org.pk),
            email=email,
            role=role,
            password=password,
            **extra,
        )
