"""Points rules: earned once per paid invoice (even if the event comes twice), reversed
in proportion by credit notes, expiry (oldest first), tiers, merge, append-only."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.merge import customer_merge
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import event_dispatch
from frontdesk.loyalty import handlers, services
from frontdesk.loyalty.models import PointsEntry
from frontdesk.loyalty.tasks import loyalty_expire
from frontdesk.loyalty.tests.factories import add_points, balance, earn, make_reward, system
from frontdesk.money.models import CreditNote, Invoice

pytestmark = pytest.mark.django_db


def paid_invoice(org, customer, total=12_345, number="INV-2026-0001") -> Invoice:
    with tenant_scope(org):
        return Invoice.objects.create(
            organization_id=org.pk,
            customer=customer,
            number=number,
            status="paid",
            invoice_date=timezone.now().date(),
            subtotal=total,
            net=total,
            total=total,
            paid_at=timezone.now(),
        )


def credit(org, invoice, amount, kind="refund") -> CreditNote:
    with tenant_scope(org):
        return CreditNote.objects.create(
            organization_id=org.pk,
            customer_id=invoice.customer_id,
            invoice=invoice,
            number=f"CN-{uuid.uuid4().hex[:6]}",
            amount=amount,
            kind=kind,
            reason="test",
            issued_on=timezone.now().date(),
        )


def handle(org, handler, event) -> None:
    """Run a handler the way the dispatcher does: in the event's organization scope."""
    with tenant_scope(org):
        handler(event)


def emit(org, type, payload) -> OutboxEvent:
    with tenant_scope(org):
        return OutboxEvent.objects.create(organization_id=org.pk, type=type, payload=payload)


def test_a_paid_invoice_earns_points_at_the_organizations_rate(org):
    customer = make_customer(org)
    invoice = paid_invoice(org, customer, total=12_345)  # $123.45
    handle(
        org, handlers.invoice_paid_earn_points, emit(org, "invoice.paid", {"id": str(invoice.pk)})
    )
    assert balance(org, customer) == 123
    with tenant_scope(org):
        entry = PointsEntry.objects.get()
        assert entry.kind == "earn"
        assert entry.invoice_id == invoice.pk
        assert entry.reason == "Paid invoice INV-2026-0001"
        assert OutboxEvent.objects.filter(type="loyalty.points_earned").count() == 1


def test_points_are_earned_once_even_when_the_event_is_delivered_twice(org):
    customer = make_customer(org)
    invoice = paid_invoice(org, customer)
    first = emit(org, "invoice.paid", {"id": str(invoice.pk)})
    second = emit(org, "invoice.paid", {"id": str(invoice.pk)})  # a duplicate delivery
    with tenant_scope(org):
        event_dispatch(event=first)
        event_dispatch(event=second)
        handlers.invoice_paid_earn_points(first)  # and the handler run by hand once more
    assert balance(org, customer) == 123
    with tenant_scope(org):
        assert PointsEntry.objects.filter(kind="earn").count() == 1


def test_the_database_refuses_a_second_earn_entry_for_one_invoice(org):
    customer = make_customer(org)
    invoice_id = uuid.uuid4()
    earn(org, customer, invoice_id=invoice_id)
    with tenant_scope(org), pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            organization_id=org.pk, customer=customer, kind="earn", points=5, invoice_id=invoice_id
        )


def test_the_earn_rate_is_configurable_and_fractions_are_dropped(org):
    customer = make_customer(org)
    with tenant_scope(org):
        services.loyalty_settings_update(org=org, actor=system(org), data={"earn_rate": 3})
    earn(org, customer, amount=1_099)  # $10.99 × 3 = 32.97 → 32
    assert balance(org, customer) == 32


def test_a_zero_decimal_currency_earns_per_whole_unit(org):
    org.currency = "JPY"
    org.save(update_fields=["currency"])
    customer = make_customer(org)
    earn(org, customer, amount=1_500)
    assert balance(org, customer) == 1_500


def test_a_refund_reverses_points_in_proportion_and_only_once(org):
    customer = make_customer(org)
    invoice = paid_invoice(org, customer, total=20_000)
    earn(org, customer, amount=20_000, invoice_id=invoice.pk)  # 200 points
    note = credit(org, invoice, 5_000)  # a quarter
    event = emit(org, "credit_note.issued", {"id": str(note.pk)})
    handle(org, handlers.credit_note_reverse_points, event)
    handle(org, handlers.credit_note_reverse_points, event)
    assert balance(org, customer) == 150
    rest = credit(org, invoice, 20_000)  # more than is left: capped at what was earned
    handle(
        org,
        handlers.credit_note_reverse_points,
        emit(org, "credit_note.issued", {"id": str(rest.pk)}),
    )
    assert balance(org, customer) == 0
    with tenant_scope(org):
        assert PointsEntry.objects.filter(kind="reverse").count() == 2


def test_a_reversal_never_takes_the_balance_below_zero(org):
    customer = make_customer(org)
    invoice = paid_invoice(org, customer, total=20_000)
    earn(org, customer, amount=20_000, invoice_id=invoice.pk)
    reward = make_reward(org, points_cost=180)
    with tenant_scope(org):
        services.points_redeem_reward(org=org, actor=system(org), customer=customer, reward=reward)
    note = credit(org, invoice, 20_000)
    handle(
        org,
        handlers.credit_note_reverse_points,
        emit(org, "credit_note.issued", {"id": str(note.pk)}),
    )
    assert balance(org, customer) == 0


def test_a_loyalty_redemption_credit_note_does_not_reverse_points(org):
    customer = make_customer(org)
    invoice = paid_invoice(org, customer, total=20_000)
    earn(org, customer, amount=20_000, invoice_id=invoice.pk)
    note = credit(org, invoice, 1_000, kind="loyalty_redemption")
    handle(
        org,
        handlers.credit_note_reverse_points,
        emit(org, "credit_note.issued", {"id": str(note.pk)}),
    )
    assert balance(org, customer) == 200


def test_points_paid_on_an_invoice_do_not_earn_points(org):
    customer = make_customer(org)
    invoice = paid_invoice(org, customer, total=20_000)
    credit(org, invoice, 5_000, kind="loyalty_redemption")
    handle(
        org, handlers.invoice_paid_earn_points, emit(org, "invoice.paid", {"id": str(invoice.pk)})
    )
    assert balance(org, customer) == 150


def test_tiers_follow_lifetime_points_and_redeeming_does_not_lower_them(org, api):
    customer = make_customer(org)
    add_points(org, customer, 2_100)
    reward = make_reward(org, points_cost=2_000)
    with tenant_scope(org):
        services.points_redeem_reward(org=org, actor=system(org), customer=customer, reward=reward)
    body = api.get(f"/loyalty/{customer.pk}").json()
    assert (body["balance"], body["tier"]) == (100, "gold")


def test_expiry_takes_unspent_old_points_first_and_runs_once(org):
    customer = make_customer(org)
    with tenant_scope(org):
        services.loyalty_settings_update(org=org, actor=system(org), data={"expiry_days": 30})
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=40), tick=False):
        add_points(org, customer, 100, reason="old")
    with time_machine.travel(now - dt.timedelta(days=10), tick=False):
        add_points(org, customer, 50, reason="recent")
        reward = make_reward(org, points_cost=30)
        with tenant_scope(org):
            services.points_redeem_reward(
                org=org, actor=system(org), customer=customer, reward=reward
            )
    assert loyalty_expire(str(org.pk)) == 1  # 100 old − 30 spent = 70 expire
    assert balance(org, customer) == 50
    assert loyalty_expire(str(org.pk)) == 0
    assert balance(org, customer) == 50


def test_without_expiry_nothing_expires(org):
    customer = make_customer(org)
    with time_machine.travel(timezone.now() - dt.timedelta(days=4000), tick=False):
        add_points(org, customer, 100)
    assert loyalty_expire(str(org.pk)) == 0
    assert balance(org, customer) == 100


def test_merging_moves_points_to_the_survivor_and_keeps_the_total(org):
    survivor = make_customer(org, first_name="Ann", last_name="Lee")
    duplicate = make_customer(org, first_name="Anne", last_name="Lee")
    add_points(org, survivor, 70)
    earn(org, duplicate, amount=4_000)
    with tenant_scope(org):
        result = customer_merge(org=org, actor=system(org), survivor=survivor, duplicate=duplicate)
    assert result["moves"]["points_entries"] == 1
    assert balance(org, survivor) == 110
    assert balance(org, duplicate) == 0


def test_entries_are_append_only(org):
    customer = make_customer(org)
    entry = add_points(org, customer, 10)
    with tenant_scope(org):
        entry.points = 1000
        with pytest.raises(TypeError):
            entry.save()
        with pytest.raises(TypeError):
            entry.delete()
        with pytest.raises(TypeError):
            PointsEntry.objects.filter(pk=entry.pk).update(points=1000)
        with pytest.raises(TypeError):
            PointsEntry.objects.filter(pk=entry.pk).delete()
    assert balance(org, customer) == 10


def test_a_system_actor_records_its_label(org):
    customer = make_customer(org)
    with tenant_scope(org):
        entry = services.points_add(
            org=org,
            actor=Actor.system(org_id=org.pk, label="import"),
            customer=customer,
            points=5,
            reason="Migrated",
        )
    assert entry.created_by_label == "import"
