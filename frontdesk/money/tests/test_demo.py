"""The demo business has a catalog, issued and paid invoices, money still owed, and a
ledger where every entry balances."""

import pytest
from django.db.models import Sum

from frontdesk.core.demo import demo_create
from frontdesk.core.tenancy import tenant_scope
from frontdesk.money.models import Invoice, JournalLine, Payment, Quote, Service
from frontdesk.money.selectors import receivables
from frontdesk.money.services.invoices import org_today
from frontdesk.organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_catalog_invoices_payments_and_receivables(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    demo_create(slug="demo-money")
    org = Organization.objects.get(slug="demo-money")
    with tenant_scope(org):
        assert Service.objects.count() >= 10
        statuses = set(Invoice.objects.values_list("status", flat=True))
        assert {"paid", "partially_paid", "issued", "draft"} <= statuses
        assert Payment.objects.exists()
        assert set(Quote.objects.values_list("status", flat=True)) == {"draft", "declined"}
        sums = JournalLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert sums["d"] == sums["c"]
        report = receivables(org=org, today=org_today(org))
        assert report["totals"]["total"] > 0
