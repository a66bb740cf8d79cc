"""``core.prepared.Prepared``: a values() query compiled once answers what the queryset
answers, in the current organization only, and refuses to run without one."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import ScopeError

from frontdesk.core.prepared import Prepared
from frontdesk.core.tenancy import operator_scope, tenant_scope
from frontdesk.customers import services
from frontdesk.customers.models import Customer, CustomerNote
from frontdesk.customers.tests.factories import make_customer, system

pytestmark = pytest.mark.django_db


def notes_since(customer, since):
    return (
        CustomerNote.objects.filter(customer_id=customer, created_at__gte=since)
        .order_by("created_at", "id")
        .values("id", "body", "created_at", "customer_id")
    )


NOTES = Prepared(lambda p: notes_since(p.customer, p.since), customer="id", since="datetime")
CUSTOMERS = Prepared(
    lambda p: Customer.objects.filter(pk=p.customer).values(
        "id", "opt_in_sms", "demographics", "company__name", "archived_at"
    ),
    customer="id",
)


@pytest.fixture
def noted(org, other_org):
    """Two customers with notes in ``org``, one in ``other_org``."""
    made = {}
    for key, o in (("a", org), ("b", org), ("other", other_org)):
        customer = make_customer(o, communication={"opt_in_sms": key == "a"})
        with tenant_scope(o):
            for n in range(3):
                services.customer_note_add(
                    org=o, actor=system(o), customer=customer, body=f"{key} {n}"
                )
        made[key] = customer
    return made


def test_it_answers_what_the_queryset_answers(org, noted):
    with tenant_scope(org):
        for key in ("a", "b"):
            c = noted[key]
            for since in (timezone.now() - dt.timedelta(days=1), timezone.now()):
                expected = list(notes_since(c.pk, since))
                assert NOTES(customer=c.pk, since=since) == expected
            assert CUSTOMERS(customer=c.pk) == list(
                Customer.objects.filter(pk=c.pk).values(
                    "id", "opt_in_sms", "demographics", "company__name", "archived_at"
                )
            )
        assert CUSTOMERS(customer=noted["a"].pk)[0]["opt_in_sms"] is True


def test_it_reads_the_current_organization_only(org, other_org, noted):
    since = timezone.now() - dt.timedelta(days=1)
    other = noted["other"]
    with tenant_scope(org):
        assert NOTES(customer=other.pk, since=since) == []
        assert CUSTOMERS(customer=other.pk) == []
    with tenant_scope(other_org):
        assert len(NOTES(customer=other.pk, since=since)) == 3
        assert NOTES(customer=noted["a"].pk, since=since) == []


def test_it_refuses_to_run_without_an_organization(noted):
    with pytest.raises(ScopeError):
        CUSTOMERS(customer=noted["a"].pk)
    with operator_scope(), pytest.raises(ScopeError):
        CUSTOMERS(customer=noted["a"].pk)


def test_it_checks_its_placeholders(org):
    with tenant_scope(org):
        with pytest.raises(TypeError):
            CUSTOMERS(customer=None, since=None)
        unused = Prepared(lambda p: Customer.objects.values("id"), customer="id")
        with pytest.raises(ValueError):
            unused(customer=None)
        models = Prepared(lambda p: Customer.objects.filter(pk=p.customer), customer="id")
        with pytest.raises(TypeError):
            models(customer=None)


def test_it_names_the_columns_in_the_order_values_lists_them(org, noted):
    """An expression listed before a field (Django 5.2 selects in the values() order)."""
    from django.db.models import Value

    def build(customer):
        return (
            Customer.objects.filter(pk=customer)
            .annotate(marker=Value("m"))
            .values("marker", "number", "id")
        )

    prepared = Prepared(lambda p: build(p.customer), customer="id")
    with tenant_scope(org):
        c = noted["a"]
        assert prepared(customer=c.pk) == list(build(c.pk))
        assert prepared(customer=c.pk)[0]["marker"] == "m"
