"""One of each customers-domain record in an organization, for the cross-tenant crawler
(``tests/test_tenancy_crawler.py`` calls every route with another organization's ids)."""

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import world_builder
from frontdesk.customers import services
from frontdesk.customers.imports import customer_import_create, customer_import_run
from frontdesk.customers.tests.factories import (
    link_vehicle,
    make_company,
    make_customer,
    make_vehicle,
    system,
)


@world_builder
def customers_world(org, members):
    company = make_company(org, name=f"{org.name} Fleet LLC", main_phone="+1 512 555 0188")
    customer = make_customer(
        org,
        first_name="World",
        last_name="Customer",
        company_id=company.pk,
        phones=[{"number": "+1 512 555 0101", "consent_to_call": True}],
        emails=[{"address": f"world@{org.slug}.example"}],
        addresses=[{"street": "1 World Way", "city": "Austin", "postal_code": "78701"}],
        tags=["world"],
    )
    vehicle = make_vehicle(org, plate="WRLD 1")
    link = link_vehicle(org, customer, vehicle)
    with tenant_scope(org):
        note = services.customer_note_add(
            org=org, actor=system(org), customer=customer, body="World note."
        )
        phone, email, address = (
            customer.phones.get(),
            customer.emails.get(),
            customer.addresses.get(),
        )
        tag = customer.tags.get()
        twin = make_customer(org, first_name="World", last_name="Twin")
        not_duplicate, _ = services.duplicate_dismiss(
            org=org, actor=system(org), customer=customer, other=twin, note="World pair"
        )
    return [company, customer, vehicle, link, note, phone, email, address, tag, not_duplicate]


@world_builder
def customer_imports_world(org, members):
    """An import that updated one customer (a change row) and rejected one row."""
    make_customer(org, first_name="Imported", phones=[{"number": "+1 512 555 0177"}])
    text = "First Name,Phone\nImporta,+1 512 555 0177\nBad,12\n"
    actor = system(org)
    with tenant_scope(org):
        imp = customer_import_create(
            org=org,
            actor=actor,
            content=text.encode(),
            file_name="world.csv",
            on_duplicate="update",
            run=False,
        )
        imp = customer_import_run(org=org, actor=actor, customer_import=imp)
        return [imp, imp.row_errors.get(), imp.changes.get()]
