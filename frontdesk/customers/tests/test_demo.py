import pytest

from frontdesk.core.demo import demo_create
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Company, Customer, CustomerNote, Vehicle
from frontdesk.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_the_demo_has_customers_companies_vehicles_and_notes(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    demo_create(slug="demo-test")
    org = Organization.objects.get(slug="demo-test")
    with tenant_scope(org):
        # 40 from this app's step; other domains' steps add contacts (inquiries, callers)
        assert Customer.objects.count() >= 40
        assert Company.objects.count() == 4
        assert Vehicle.objects.count() >= 36
        assert CustomerNote.objects.exists()
        assert not Customer.objects.filter(search_text="").exists()
