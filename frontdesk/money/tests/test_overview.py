"""The customer 360 sections, vehicle history and merge: money comes from the ledger,
and a merge moves documents and ledger lines to the survivor without changing totals."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.money.models import Invoice, JournalLine, Payment
from frontdesk.money.tests.factories import make_credit, make_invoice, make_payment
from frontdesk.scheduling.tests.factories import customer_with_vehicle

pytestmark = pytest.mark.django_db


def test_the_360_shows_balance_due_lifetime_value_and_recent_invoices(api, org):
    customer, vehicle = customer_with_vehicle(org)
    invoice = make_invoice(org, customer=customer, vehicle_id=vehicle.pk)
    make_payment(org, invoice=invoice, amount=3000)
    sections = api.get(f"/customers/{customer.pk}/overview").json()["sections"]
    assert sections["balance"]["balance_due"] == 7000
    assert sections["balance"]["lifetime_value"] == 10000
    assert sections["recent_invoices"][0]["number"] == invoice.number
    assert sections["recent_invoices"][0]["amount_due"] == 7000
    assert sections["purchase_history"][0]["status"] == "partially_paid"
    ledger = api.get(f"/customers/{customer.pk}/ledger").json()
    assert ledger["balance_due"] == sections["balance"]["balance_due"]
    history = api.get(f"/vehicles/{vehicle.pk}/history").json()
    assert history["sections"]["invoices"][0]["id"] == str(invoice.pk)


def test_a_role_without_billing_sees_no_money_sections(api_as, org):
    customer, _ = customer_with_vehicle(org)
    sections = api_as("marketing").get(f"/customers/{customer.pk}/overview").json()["sections"]
    assert "balance" not in sections and "recent_invoices" not in sections


def test_a_merge_moves_documents_and_ledger_lines_without_changing_any_total(api, org):
    survivor, _ = customer_with_vehicle(org, first_name="Ann", last_name="Keep")
    duplicate, _ = customer_with_vehicle(org, first_name="Ann", last_name="Dup")
    make_invoice(org, customer=survivor)
    dup_invoice = make_invoice(org, customer=duplicate)
    make_payment(org, invoice=dup_invoice, amount=2500)
    make_credit(org, customer=duplicate, amount=700)
    before = [api.get(f"/customers/{c.pk}/ledger").json() for c in (survivor, duplicate)]
    receivables_before = api.get("/receivables").json()["totals"]["total"]
    r = api.post(f"/customers/{survivor.pk}/merge", {"duplicate_id": str(duplicate.pk)})
    assert r.status_code == 200, r.content
    after = api.get(f"/customers/{survivor.pk}/ledger?limit=500").json()
    for field in ("balance_due", "credit", "balance", "lifetime_value"):
        assert after[field] == before[0][field] + before[1][field], field
    assert after["items"][-1]["balance"] == after["balance"]
    assert api.get("/receivables").json()["totals"]["total"] == receivables_before
    with tenant_scope(org):
        assert not JournalLine.objects.filter(customer=duplicate).exists()
        assert not Invoice.objects.filter(customer=duplicate).exists()
        assert not Payment.objects.filter(customer=duplicate).exists()
