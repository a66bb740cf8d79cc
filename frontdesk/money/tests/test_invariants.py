"""Property-based invariants of the ledger (hypothesis), on SQLite and PostgreSQL.

Random sequences of issue / pay / partial pay / overpay / pay on account / credit /
refund / void, each through the services (a refused step must change nothing). After
every sequence:

* every journal entry balances (Σ debit = Σ credit);
* the customer's receivable = Σ of their receivable postings = invoices issued −
  payments applied − credits against invoices (from the document tables);
* their customer credit = overpayments + credits on account − refunds of credit;
* API totals (ledger endpoint, invoices' amount_due) = database totals = statement
  totals (the last running balance, and Σ debit − Σ credit of the statement lines);
* the statement walked two lines a page by cursor = the statement in one page.
"""

import contextlib

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.core.errors import DomainError
from frontdesk.core.tenancy import tenant_scope
from frontdesk.money import services
from frontdesk.money.models import CreditNote, Invoice, JournalEntry, JournalLine, Payment
from frontdesk.money.tests.factories import system
from frontdesk.scheduling.tests.factories import customer_with_vehicle

pytestmark = pytest.mark.django_db

amounts = st.integers(min_value=1, max_value=30_000)
picks = st.integers(min_value=0, max_value=5)
steps = st.one_of(
    st.tuples(st.just("invoice"), amounts, st.booleans()),
    st.tuples(st.just("pay"), picks, amounts),
    st.tuples(st.just("pay_account"), amounts),
    st.tuples(st.just("credit"), picks, amounts),
    st.tuples(st.just("credit_account"), amounts),
    st.tuples(st.just("refund"), picks, amounts),
    st.tuples(st.just("refund_account"), amounts),
    st.tuples(st.just("void"), picks),
)


def _apply(org, customer, invoices, step) -> None:
    actor = system(org)
    kind, *args = step

    def pick(i):
        return invoices[i % len(invoices)] if invoices else None

    if kind == "invoice":
        price, taxable = args
        invoice = services.invoice_create(
            org=org,
            actor=actor,
            customer_id=customer.pk,
            lines=[{"description": "Work", "quantity": 1, "unit_price": price, "taxable": taxable}],
        )
        invoices.append(services.invoice_issue(org=org, actor=actor, invoice=invoice))
    elif kind in ("pay", "pay_account"):
        invoice = pick(args[0]) if kind == "pay" else None
        if kind == "pay" and invoice is None:
            return
        services.payment_create(
            org=org,
            actor=actor,
            customer_id=customer.pk,
            invoice_id=invoice and invoice.pk,
            amount=args[-1],
            method="cash",
        )
    elif kind in ("credit", "refund"):
        invoice = pick(args[0])
        if invoice is None:
            return
        services.credit_note_create(
            org=org,
            actor=actor,
            customer=customer,
            amount=args[1],
            kind="adjustment" if kind == "credit" else "refund",
            reason="property",
            invoice=invoice,
        )
    elif kind in ("credit_account", "refund_account"):
        services.credit_note_create(
            org=org,
            actor=actor,
            customer=customer,
            amount=args[0],
            kind="adjustment" if kind == "credit_account" else "refund",
            reason="property",
        )
    elif kind == "void":
        invoice = pick(args[0])
        if invoice is not None:
            services.invoice_void(org=org, actor=actor, invoice=invoice)


def _sum(qs, field) -> int:
    return qs.aggregate(s=Sum(field))["s"] or 0


@pytest.fixture
def taxed_org(org):
    org.settings = {**(org.settings or {}), "tax_rate_bp": 825}
    org.save(update_fields=["settings"])
    return org


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=1, max_size=8))
def test_the_ledger_holds_its_invariants_after_any_sequence(taxed_org, api, sequence):
    org = taxed_org
    customer, _ = customer_with_vehicle(org)
    invoices: list[Invoice] = []
    with tenant_scope(org):
        for step in sequence:
            # a refused step (over-credit, void of a paid invoice, …) changes nothing
            with contextlib.suppress(DomainError):
                _apply(org, customer, invoices, step)
        for entry in JournalEntry.objects.filter(lines__customer=customer).distinct():
            lines = entry.lines.all()
            assert _sum(lines, "debit") == _sum(lines, "credit"), entry
        mine = JournalLine.objects.filter(customer=customer)
        receivable = _sum(mine.filter(account="receivable"), "debit") - _sum(
            mine.filter(account="receivable"), "credit"
        )
        credit = _sum(mine.filter(account="customer_credit"), "credit") - _sum(
            mine.filter(account="customer_credit"), "debit"
        )
        issued = _sum(
            Invoice.objects.filter(customer=customer).exclude(status__in=["draft", "void"]),
            "total",
        )
        payments = Payment.objects.filter(customer=customer)
        notes = CreditNote.objects.filter(customer=customer)
        applied = _sum(payments, "applied")
        invoice_credits = _sum(notes.filter(invoice__isnull=False).exclude(kind="refund"), "amount")
        assert receivable == issued - applied - invoice_credits
        overpaid = _sum(payments, "amount") - applied
        on_account = _sum(notes.filter(invoice__isnull=True).exclude(kind="refund"), "amount")
        refunded = _sum(notes.filter(invoice__isnull=True, kind="refund"), "amount")
        assert credit == overpaid + on_account - refunded >= 0
        for invoice in Invoice.objects.filter(customer=customer):
            due = _sum(mine.filter(invoice=invoice, account="receivable"), "debit") - _sum(
                mine.filter(invoice=invoice, account="receivable"), "credit"
            )
            assert 0 <= due <= invoice.total
            expected = {0: "paid", invoice.total: "issued"}.get(due, "partially_paid")
            assert invoice.status == ("void" if invoice.status == "void" else expected)
    ledger = api.get(f"/customers/{customer.pk}/ledger?limit=500").json()
    assert ledger["balance_due"] == receivable
    assert ledger["credit"] == credit
    assert ledger["balance"] == receivable - credit
    items = ledger["items"]
    assert (items[-1]["balance"] if items else 0) == ledger["balance"]
    assert sum(i["debit"] - i["credit"] for i in items) == ledger["balance"]
    # paged by cursor, each page's opening balance summed from the ledger: the same lines
    # with the same running balances as the statement in one piece
    paged, cursor = [], None
    while True:
        url = f"/customers/{customer.pk}/ledger?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(url).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert paged == items
    listed = api.get(f"/invoices?customer_id={customer.pk}&limit=200").json()["items"]
    due_via_api = sum(api.get(f"/invoices/{i['id']}").json()["amount_due"] for i in listed)
    assert due_via_api == receivable
