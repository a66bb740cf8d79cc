import datetime as dt

import pytest
from django.utils import timezone

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import merge, services
from frontdesk.customers.duplicates import identity_matches
from frontdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerNote,
    CustomerPhone,
    CustomerTag,
    CustomerVehicle,
)
from frontdesk.customers.tests.factories import (
    link_vehicle,
    make_company,
    make_customer,
    make_vehicle,
    system,
)
from frontdesk.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org):
    """Two records of one person, each with something of its own and something shared."""
    shared_vehicle = make_vehicle(org)
    survivor = make_customer(
        org,
        first_name="Maria",
        last_name="Garcia",
        phones=[{"number": "512-555-0142"}],
        emails=[{"address": "maria@example.com"}],
        addresses=[{"street": "1 Elm St", "city": "Austin", "postal_code": "78701"}],
        tags=["vip"],
        communication={"opt_in_email": True},
    )
    duplicate = make_customer(
        org,
        first_name="Maria",
        last_name="Garcia",
        phones=[{"number": "+1 512 555 0142"}, {"number": "512-555-0199", "kind": "work"}],
        emails=[{"address": "MARIA@example.com"}, {"address": "mg@work.example"}],
        addresses=[
            {"street": "1 ELM ST.", "city": "Austin", "postal_code": "78701"},
            {"kind": "work", "street": "9 Oak Ave", "city": "Austin"},
        ],
        tags=["vip", "fleet"],
        time_zone="America/Chicago",
        communication={"do_not_contact": True},
        notes="Old record notes.",
        allow_duplicate=True,
    )
    own_vehicle = make_vehicle(org)
    link_vehicle(org, survivor, shared_vehicle)
    link_vehicle(org, duplicate, shared_vehicle)
    link_vehicle(org, duplicate, own_vehicle)
    with tenant_scope(org):
        for body in ("Called about brakes.", "Booked for Friday."):
            services.customer_note_add(org=org, actor=system(org), customer=duplicate, body=body)
    return survivor, duplicate


def do_merge(org, survivor, duplicate, **kw):
    with tenant_scope(org):
        return merge.customer_merge(
            org=org, actor=system(org), survivor=survivor, duplicate=duplicate, **kw
        )


def test_merge_moves_everything_and_keeps_a_tombstone(org, pair):
    survivor, duplicate = pair
    result = do_merge(org, survivor, duplicate)
    assert result["moves"] == {
        "phones": 1,
        "emails": 1,
        "addresses": 1,
        "tags": 1,
        "notes": 2,
        "vehicles": 1,
    }
    with tenant_scope(org):
        assert sorted(
            CustomerPhone.objects.filter(customer=survivor).values_list("number", flat=True)
        ) == ["+15125550142", "+15125550199"]
        assert sorted(
            CustomerEmail.objects.filter(customer=survivor).values_list("key", flat=True)
        ) == [
            "maria@example.com",
            "mg@work.example",
        ]
        assert CustomerAddress.objects.filter(customer=survivor).count() == 2
        assert sorted(
            CustomerTag.objects.filter(customer=survivor).values_list("tag", flat=True)
        ) == [
            "fleet",
            "vip",
        ]
        assert CustomerNote.objects.filter(customer=survivor).count() == 2
        assert CustomerVehicle.objects.filter(customer=survivor).count() == 2
        for model in (CustomerPhone, CustomerEmail, CustomerAddress, CustomerTag, CustomerNote):
            assert not model.objects.filter(customer=duplicate).exists()
        assert CustomerPhone.objects.filter(customer=survivor, primary=True).count() == 1
        survivor.refresh_from_db()
        duplicate.refresh_from_db()
        assert duplicate.status == "archived" and duplicate.merged_into_id == survivor.pk
        assert duplicate.merged_at and duplicate.first_name == "Maria"
        assert survivor.time_zone == "America/Chicago"
        assert survivor.do_not_contact and survivor.opt_in_email
        assert "Old record notes." in survivor.notes
        assert " fleet " in survivor.search_text
        assert AuditEntry.objects.filter(action="merge").count() == 2
        event = OutboxEvent.objects.get(type="customer.merged")
        assert event.payload["duplicate_id"] == str(duplicate.pk)


def test_the_dry_run_lists_what_would_move_and_moves_nothing(org, pair):
    survivor, duplicate = pair
    preview = do_merge(org, survivor, duplicate, dry_run=True)
    assert preview["dry_run"] is True
    assert preview["moves"] == {
        "phones": 1,
        "emails": 1,
        "addresses": 1,
        "tags": 1,
        "notes": 2,
        "vehicles": 1,
    }
    assert preview["fields"]["time_zone"] == "America/Chicago"
    with tenant_scope(org):
        duplicate.refresh_from_db()
        assert duplicate.status == "active"
        assert CustomerNote.objects.filter(customer=duplicate).count() == 2
        assert not AuditEntry.objects.filter(action="merge").exists()


def test_a_failure_mid_merge_moves_nothing(org, pair):
    survivor, duplicate = pair

    def explode(survivor, duplicate):
        raise RuntimeError("the disk is full")

    merge.register_relation(Customer, "company", name="test.explode", mover=explode)
    try:
        with pytest.raises(RuntimeError):
            do_merge(org, survivor, duplicate)
    finally:
        merge.unregister_relation("test.explode")
    with tenant_scope(org):
        duplicate.refresh_from_db()
        assert duplicate.status == "active" and duplicate.merged_into_id is None
        assert CustomerPhone.objects.filter(customer=duplicate).count() == 2
        assert CustomerNote.objects.filter(customer=duplicate).count() == 2
        assert CustomerVehicle.objects.filter(customer=duplicate).count() == 2
        assert not AuditEntry.objects.filter(action="merge").exists()
        assert not OutboxEvent.objects.filter(type="customer.merged").exists()


def test_relations_registered_by_later_domains_move_too(org, pair):
    """A later domain's foreign key (here: companies' primary contact, registered the way
    leads or invoices will be) follows the merge and shows in the preview."""
    survivor, duplicate = pair
    company = make_company(org, primary_contact_id=duplicate.pk)
    merge.register_relation(type(company), "primary_contact", name="companies.contact")
    try:
        assert do_merge(org, survivor, duplicate, dry_run=True)["moves"]["companies.contact"] == 1
        assert do_merge(org, survivor, duplicate)["moves"]["companies.contact"] == 1
    finally:
        merge.unregister_relation("companies.contact")
    with tenant_scope(org):
        company.refresh_from_db()
        assert company.primary_contact_id == survivor.pk


def test_earlier_tombstones_follow_to_the_new_survivor(org):
    a, b, c = (make_customer(org) for _ in range(3))
    do_merge(org, b, c)
    do_merge(org, a, b)
    with tenant_scope(org):
        c.refresh_from_db()
        assert c.merged_into_id == a.pk


def test_merging_into_itself_is_refused(org):
    customer = make_customer(org)
    with pytest.raises(ValidationFailed):
        do_merge(org, customer, customer)


def test_merging_a_tombstone_or_into_a_tombstone_is_refused(org):
    a, b, c = (make_customer(org) for _ in range(3))
    do_merge(org, a, b)
    with pytest.raises(InvalidState):
        do_merge(org, c, b)
    with pytest.raises(InvalidState):
        do_merge(org, b, c)


def test_a_tombstone_cannot_be_restored_or_edited(org):
    a, b = make_customer(org), make_customer(org)
    do_merge(org, a, b)
    with tenant_scope(org), pytest.raises(InvalidState):
        services.customer_restore(org=org, actor=system(org), customer=b)
    with tenant_scope(org), pytest.raises(InvalidState):
        services.customer_update(org=org, actor=system(org), customer=b, data={"notes": "x"})


def test_a_merged_phone_is_no_longer_a_duplicate_of_the_tombstone(org):
    a = make_customer(org, phones=[{"number": "512-555-0142"}])
    b = make_customer(org, phones=[{"number": "512-555-0142"}], allow_duplicate=True)
    do_merge(org, a, b)
    with tenant_scope(org):
        assert [m.customer.pk for m in identity_matches(phones=["+15125550142"])] == [a.pk]


def test_a_later_consent_on_the_duplicate_is_kept(org):
    earlier = timezone.now() - dt.timedelta(days=30)
    a = make_customer(org, phones=[{"number": "512-555-0142"}])
    b = make_customer(
        org,
        phones=[{"number": "512-555-0142", "consent_to_call": True, "consent_at": earlier}],
        allow_duplicate=True,
    )
    do_merge(org, a, b)
    with tenant_scope(org):
        phone = CustomerPhone.objects.get(customer=a)
        assert phone.consent_to_call and phone.consent_at == earlier


def test_the_merge_endpoint_answers_the_survivor(api, org, pair):
    survivor, duplicate = pair
    url = f"/customers/{survivor.pk}/merge"
    preview = api.post(url, {"duplicate_id": str(duplicate.pk), "dry_run": True})
    assert preview.status_code == 200 and preview.json()["survivor"] is None
    response = api.post(url, {"duplicate_id": str(duplicate.pk)})
    assert response.status_code == 200
    assert sorted(response.json()["survivor"]["tags"]) == ["fleet", "vip"]
    assert api.post(url, {"duplicate_id": str(duplicate.pk)}).status_code == 409
    assert api.post(url, {"duplicate_id": str(survivor.pk)}).status_code == 422
    tombstone = api.get(f"/customers/{duplicate.pk}").json()
    assert tombstone["merged_into_id"] == str(survivor.pk) and tombstone["status"] == "archived"


def test_merge_needs_the_merge_permission(api_as, pair):
    survivor, duplicate = pair
    response = api_as("advisor").post(
        f"/customers/{survivor.pk}/merge", {"duplicate_id": str(duplicate.pk)}
    )
    assert response.status_code == 403
