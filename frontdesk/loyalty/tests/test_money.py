"""Loyalty × money through money's real services: an invoice paid in full earns points
once (the event delivered twice too), a refund reverses them in proportion, and points
redeemed against an invoice become a ``loyalty_redemption`` credit note."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import event_dispatch
from frontdesk.loyalty.models import PointsEntry
from frontdesk.loyalty.tests.factories import add_points, balance
from frontdesk.money.models import CreditNote
from frontdesk.money.services.ledger import invoice_outstanding
from frontdesk.money.tests.factories import make_credit, make_invoice, make_payment
from frontdesk.scheduling.tests.factories import customer_with_vehicle

pytestmark = pytest.mark.django_db

LINES = [{"description": "Brake job", "quantity": 1, "unit_price": 25_000, "taxable": False}]


def dispatch_all(org, type):
    with tenant_scope(org):
        for event in OutboxEvent.objects.filter(type=type).order_by("created_at"):
            event_dispatch(event=event)


@pytest.fixture
def customer(org):
    return customer_with_vehicle(org, first_name="Paula", last_name="Points")[0]


def test_paying_an_invoice_in_full_earns_points_once(org, customer):
    invoice = make_invoice(org, customer=customer, lines=LINES)
    make_payment(org, invoice=invoice, amount=10_000)
    dispatch_all(org, "invoice.paid")
    assert balance(org, customer) == 0  # partially paid: nothing yet
    make_payment(org, invoice=invoice, amount=15_000)
    dispatch_all(org, "invoice.paid")
    dispatch_all(org, "invoice.paid")  # delivered again
    assert balance(org, customer) == 250
    with tenant_scope(org):
        assert PointsEntry.objects.filter(kind="earn", invoice_id=invoice.pk).count() == 1


def test_a_refund_reverses_the_invoices_points_in_proportion(org, customer):
    invoice = make_invoice(org, customer=customer, lines=LINES)
    make_payment(org, invoice=invoice, amount=25_000)
    dispatch_all(org, "invoice.paid")
    make_credit(org, customer=customer, amount=5_000, kind="refund", invoice=invoice)
    dispatch_all(org, "credit_note.issued")
    dispatch_all(org, "credit_note.issued")
    assert balance(org, customer) == 200


def test_points_redeemed_against_an_invoice_become_a_credit_note(api, org, customer):
    add_points(org, customer, 3_000)
    invoice = make_invoice(org, customer=customer, lines=LINES)
    response = api.post(
        f"/loyalty/{customer.pk}/points/redeem",
        {"invoice_id": str(invoice.pk), "points": 2_000},
        HTTP_IDEMPOTENCY_KEY="redeem-invoice",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["balance"] == 1_000
    assert body["entry"]["invoice_id"] == str(invoice.pk)
    with tenant_scope(org):
        note = CreditNote.objects.get(pk=body["credit_note_id"])
        assert (note.kind, note.amount, note.invoice_id) == (
            "loyalty_redemption",
            2_000,
            invoice.pk,
        )
        assert invoice_outstanding(invoice.pk) == 23_000
    again = api.post(
        f"/loyalty/{customer.pk}/points/redeem",
        {"invoice_id": str(invoice.pk), "points": 2_000},
        HTTP_IDEMPOTENCY_KEY="redeem-invoice",
    )
    assert again.json() == body
    assert balance(org, customer) == 1_000
    # paying the rest earns on what was paid in money, not on the points
    make_payment(org, invoice=invoice, amount=23_000)
    dispatch_all(org, "invoice.paid")
    dispatch_all(org, "credit_note.issued")  # the redemption credit reverses nothing
    assert balance(org, customer) == 1_000 + 230


def test_redeeming_more_points_than_held_against_an_invoice_is_409_and_issues_no_credit(
    api, org, customer
):
    add_points(org, customer, 100)
    invoice = make_invoice(org, customer=customer, lines=LINES)
    response = api.post(
        f"/loyalty/{customer.pk}/points/redeem", {"invoice_id": str(invoice.pk), "points": 101}
    )
    assert response.status_code == 409
    with tenant_scope(org):
        assert not CreditNote.objects.exists()
    assert balance(org, customer) == 100


@pytest.mark.parametrize("case", ["paid", "draft", "other_customer", "too_much"])
def test_redeeming_against_an_invoice_that_cannot_take_it_is_refused(api, org, customer, case):
    add_points(org, customer, 50_000)
    if case == "other_customer":
        invoice = make_invoice(org, lines=LINES)
    else:
        invoice = make_invoice(org, customer=customer, lines=LINES, issue=case != "draft")
    if case == "paid":
        make_payment(org, invoice=invoice, amount=25_000)
    points = 30_000 if case == "too_much" else 100
    response = api.post(
        f"/loyalty/{customer.pk}/points/redeem", {"invoice_id": str(invoice.pk), "points": points}
    )
    expected = {"paid": 409, "draft": 409, "other_customer": 422, "too_much": 422}[case]
    assert response.status_code == expected, response.content
    with tenant_scope(org):
        assert not CreditNote.objects.filter(kind="loyalty_redemption").exists()
    assert balance(org, customer) == 50_000
