"""Demo Auto Care has website inquiries, calls with missed ones waiting, and customers
in more than one automatic segment."""

import pytest

from frontdesk.core.demo import demo_create
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer
from frontdesk.inquiries.models import Inquiry
from frontdesk.organizations.models import Organization
from frontdesk.telephony.models import Call

pytestmark = pytest.mark.django_db


def test_the_demo_has_inquiries_missed_calls_and_segments(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    demo_create(slug="demo-intake")
    org = Organization.objects.get(slug="demo-intake")
    with tenant_scope(org):
        statuses = set(Inquiry.objects.values_list("status", flat=True))
        assert {"new", "assigned", "converted"} <= statuses
        assert Inquiry.objects.filter(lead__source="web_form").count() == 4
        waiting = Call.objects.filter(missed=True, handled_at__isnull=True)
        assert waiting.count() == 2 and waiting.filter(transcript__gt="").exists()
        assert Call.objects.filter(handled_how="marked").count() == 1
        segments = set(Customer.objects.values_list("segment", flat=True))
        assert {"lead", "active"} <= segments
