"""One of each money record in an organization, for the cross-tenant crawler
(``tests/test_tenancy_crawler.py`` calls every route with another organization's ids)."""

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import world_builder
from frontdesk.money import services
from frontdesk.money.models import JournalEntry, JournalLine
from frontdesk.money.tests.factories import (
    make_credit,
    make_invoice,
    make_payment,
    make_service,
    system,
)
from frontdesk.scheduling.tests.factories import customer_with_vehicle


@world_builder
def money_world(org, members):
    customer, vehicle = customer_with_vehicle(
        org, first_name="World", last_name="Payer", emails=[{"address": f"pay@{org.slug}.example"}]
    )
    service = make_service(org, code="WORLD-OIL", name="World oil change", price=4999)
    invoice = make_invoice(
        org,
        customer=customer,
        lines=[{"service_id": service.pk, "quantity": 1}],
        vehicle_id=vehicle.pk,
    )
    draft = make_invoice(org, customer=customer, issue=False)
    payment = make_payment(org, invoice=invoice, amount=1000)
    credit = make_credit(org, customer=customer, amount=500, invoice=invoice, reason="World")
    with tenant_scope(org):
        quote = services.quote_create(
            org=org,
            actor=system(org),
            customer_id=customer.pk,
            lines=[{"description": "World brakes", "quantity": 1, "unit_price": 20000}],
        )
        lines = [quote.lines.get(), invoice.lines.get()]
        entries = list(JournalEntry.objects.all())
        journal = list(JournalLine.objects.all())
    return [service, invoice, draft, payment, credit, quote, *lines, *entries, *journal]
