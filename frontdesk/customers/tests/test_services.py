import pytest

from frontdesk.audit.models import AuditEntry
from frontdesk.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import services
from frontdesk.customers.models import (
    Customer,
    CustomerEmail,
    CustomerPhone,
    CustomerTag,
)
from frontdesk.customers.tests.factories import (
    make_company,
    make_customer,
    make_vehicle,
    make_vin,
    system,
)
from frontdesk.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


def fields_of(exc: ValidationFailed) -> list[str]:
    return [e["field"] for e in exc.errors]


def test_it_creates_a_customer_with_normalized_contacts(org, in_org):
    customer = make_customer(
        org,
        first_name="  José ",
        last_name="O'Brien",
        phones=[{"number": "(512) 555-0142"}, {"number": "+44 20 7946 0958", "kind": "work"}],
        emails=[{"address": "Jose.OBrien@Example.COM"}],
        tags=["VIP", "fleet  account"],
    )
    with in_org():
        assert customer.number == "C-0001"
        assert customer.display_name == "José O'Brien"
        assert customer.name_key == "jose obrien"
        assert customer.last_first_key == "obrien jose"
        phones = list(CustomerPhone.objects.filter(customer=customer).order_by("position"))
        assert [p.number for p in phones] == ["+15125550142", "+442079460958"]
        assert phones[0].primary and not phones[1].primary
        email = CustomerEmail.objects.get(customer=customer)
        assert email.address == "Jose.OBrien@example.com"
        assert email.key == "jose.obrien@example.com"
        assert sorted(
            CustomerTag.objects.filter(customer=customer).values_list("tag", flat=True)
        ) == [
            "fleet account",
            "vip",
        ]
        assert customer.primary_phone == "+15125550142"
        assert " jose " in customer.search_text and " example " in customer.search_text


def test_it_numbers_customers_sequentially_per_organization(org, other_org):
    assert make_customer(org).number == "C-0001"
    assert make_customer(org).number == "C-0002"
    assert make_customer(other_org).number == "C-0001"


def test_it_audits_and_emits_the_creation(org, in_org):
    customer = make_customer(org, first_name="Ann", phones=[{"number": "512-555-0100"}])
    with in_org():
        entry = AuditEntry.objects.get(object_id=str(customer.pk), action="create")
        assert entry.changes["phones"] == [None, ["+15125550100"]]
        event = OutboxEvent.objects.get(type="customer.created")
        assert event.payload["id"] == str(customer.pk)


def test_it_names_the_field_of_an_invalid_phone(org, in_org):
    with in_org(), pytest.raises(ValidationFailed) as exc:
        services.customer_create(
            org=org,
            actor=system(org),
            data={"first_name": "A", "phones": [{"number": "512-555-0100"}, {"number": "12"}]},
        )
    assert fields_of(exc.value) == ["phones[1].number"]


def test_it_reads_phones_with_the_organizations_country(other_org, in_org):
    customer = make_customer(other_org, phones=[{"number": "030 1234567"}])
    with in_org(other_org):
        assert customer.phones.get().number == "+49301234567"


def test_it_refuses_a_customer_without_name_phone_or_email(org, in_org):
    with in_org(), pytest.raises(ValidationFailed):
        services.customer_create(org=org, actor=system(org), data={"first_name": " "})


def test_it_answers_409_with_matches_and_likely_for_a_phone_in_another_format(org, in_org):
    first = make_customer(
        org, first_name="John", last_name="Smith", phones=[{"number": "+1 512 555 0142"}]
    )
    make_customer(org, first_name="Jon", last_name="Smyth")
    with in_org(), pytest.raises(Conflict) as exc:
        services.customer_create(
            org=org,
            actor=system(org),
            data={
                "first_name": "Johnny",
                "last_name": "Smith",
                "phones": [{"number": "5125550142"}],
            },
        )
    body = exc.value.extra
    assert [m["id"] for m in body["matches"]] == [first.pk]
    assert body["matches"][0]["matched_on"] == ["phone:+15125550142"]
    assert body["likely"][0]["id"] == first.pk
    with in_org():
        assert Customer.objects.count() == 2


def test_it_matches_emails_case_insensitively(org, in_org):
    make_customer(org, emails=[{"address": "ann@shop.example"}])
    with in_org(), pytest.raises(Conflict):
        services.customer_create(
            org=org, actor=system(org), data={"emails": [{"address": "ANN@Shop.Example"}]}
        )


def test_it_creates_a_duplicate_when_allowed_and_audits_it(org, in_org):
    first = make_customer(org, phones=[{"number": "512-555-0142"}])
    second = make_customer(org, phones=[{"number": "512-555-0142"}], allow_duplicate=True)
    with in_org():
        entry = AuditEntry.objects.get(object_id=str(second.pk), action="create")
        assert entry.metadata == {"allow_duplicate": True, "duplicate_of": [str(first.pk)]}


def test_the_same_phone_in_another_organization_is_no_duplicate(org, other_org):
    make_customer(org, phones=[{"number": "+1 512 555 0142"}])
    make_customer(other_org, phones=[{"number": "+1 512 555 0142"}])


def test_it_updates_and_rechecks_only_new_phones(org, in_org):
    a = make_customer(org, first_name="A", phones=[{"number": "512-555-0101"}])
    make_customer(org, first_name="B", phones=[{"number": "512-555-0102"}])
    with in_org():
        services.customer_update(
            org=org,
            actor=system(org),
            customer=a,
            data={"phones": [{"number": "512-555-0101", "kind": "home"}]},
        )
        with pytest.raises(Conflict):
            services.customer_update(
                org=org,
                actor=system(org),
                customer=a,
                data={"phones": [{"number": "512-555-0101"}, {"number": "512 555 0102"}]},
            )
        assert [p.kind for p in a.phones.all()] == ["home"]


def test_a_display_name_nobody_typed_follows_the_names(org, in_org):
    customer = make_customer(org, first_name="Ann", last_name="Lee")
    with in_org():
        services.customer_update(
            org=org, actor=system(org), customer=customer, data={"last_name": "Park"}
        )
        customer.refresh_from_db()
        assert customer.display_name == "Ann Park"
        services.customer_update(
            org=org, actor=system(org), customer=customer, data={"display_name": "Annie"}
        )
        services.customer_update(
            org=org, actor=system(org), customer=customer, data={"first_name": "Anne"}
        )
        customer.refresh_from_db()
        assert customer.display_name == "Annie"


def test_an_update_that_changes_nothing_writes_nothing(org, in_org):
    customer = make_customer(org, first_name="Ann", tags=["vip"])
    with in_org():
        before = AuditEntry.objects.count()
        services.customer_update(
            org=org,
            actor=system(org),
            customer=customer,
            data={"first_name": "Ann", "tags": ["VIP"]},
        )
        assert AuditEntry.objects.count() == before


def test_archive_and_restore_are_idempotent_and_audited(org, in_org):
    customer = make_customer(org)
    with in_org():
        services.customer_archive(org=org, actor=system(org), customer=customer)
        services.customer_archive(org=org, actor=system(org), customer=customer)
        customer.refresh_from_db()
        assert customer.status == "archived" and customer.archived_at
        assert AuditEntry.objects.filter(action="archive").count() == 1
        with pytest.raises(InvalidState):
            services.customer_update(
                org=org, actor=system(org), customer=customer, data={"first_name": "X"}
            )
        services.customer_restore(org=org, actor=system(org), customer=customer)
        customer.refresh_from_db()
        assert customer.status == "active"
        assert Customer.objects.filter(pk=customer.pk).exists()


def test_tags_are_added_idempotently_and_removed(org, in_org):
    customer = make_customer(org, tags=["vip"])
    with in_org():
        actor = system(org)
        assert services.customer_tags_add(
            org=org, actor=actor, customer=customer, tags=["Fleet", "vip"]
        ) == ["fleet", "vip"]
        assert services.customer_tags_add(
            org=org, actor=actor, customer=customer, tags=["fleet"]
        ) == ["fleet", "vip"]
        assert services.customer_tag_remove(org=org, actor=actor, customer=customer, tag="VIP") == [
            "fleet"
        ]
        assert services.customer_tag_remove(org=org, actor=actor, customer=customer, tag="vip") == [
            "fleet"
        ]


def test_it_adds_notes_with_their_author(org, members, in_org):
    customer = make_customer(org)
    with in_org():
        note = services.customer_note_add(
            org=org, actor=system(org), customer=customer, body="Prefers mornings.\nCall first."
        )
        assert note.author_label == "tests"
        with pytest.raises(ValidationFailed):
            services.customer_note_add(org=org, actor=system(org), customer=customer, body="  ")


def test_a_company_of_another_organization_is_not_found(org, other_org, in_org):
    company = make_company(other_org)
    with in_org(), pytest.raises(NotFound) as exc:
        services.customer_create(
            org=org, actor=system(org), data={"first_name": "A", "company_id": str(company.pk)}
        )
    assert exc.value.extra["field"] == "company_id"


def test_renaming_a_company_reaches_its_contacts_search_keys(org, in_org):
    company = make_company(org, name="Acme Plumbing")
    customer = make_customer(org, company_id=company.pk)
    with in_org():
        customer.refresh_from_db()
        assert customer.company_key == "acme plumbing"
        services.company_update(org=org, actor=system(org), company=company, data={"name": "Zeta"})
        customer.refresh_from_db()
        assert customer.company_key == "zeta"


def test_it_validates_vins(org, in_org):
    with in_org():
        for vin, reason in [
            ("1HGCM82633A00435", "17 characters"),
            ("1HGCM82633A0O4352", "I, O or Q"),
            ("1HGCM82633A004353", "check digit"),
        ]:
            with pytest.raises(ValidationFailed) as exc:
                services.vehicle_create(org=org, actor=system(org), data={"vin": vin})
            assert exc.value.errors[0]["field"] == "vin"
            assert reason in exc.value.errors[0]["message"]
        # not North-American: no check digit rule
        services.vehicle_create(org=org, actor=system(org), data={"vin": "WVWZZZ1JZXW000001"})


def test_a_duplicate_vin_points_at_the_existing_vehicle(org, in_org):
    vehicle = make_vehicle(org, vin="1HGCM82633A004352")
    with in_org(), pytest.raises(Conflict) as exc:
        services.vehicle_create(org=org, actor=system(org), data={"vin": "1hgcm82633a004352"})
    assert exc.value.extra["existing_vehicle_id"] == vehicle.pk


def test_it_links_new_and_existing_vehicles(org, other_org, in_org):
    customer = make_customer(org)
    vehicle = make_vehicle(org)
    foreign = make_vehicle(other_org)
    with in_org():
        actor = system(org)
        link = services.customer_vehicle_add(
            org=org,
            actor=actor,
            customer=customer,
            vehicle_id=vehicle.pk,
            link={"relationship": "driver"},
        )
        assert link.relationship == "driver"
        with pytest.raises(Conflict):
            services.customer_vehicle_add(
                org=org, actor=actor, customer=customer, vehicle_id=vehicle.pk, link={}
            )
        with pytest.raises(NotFound):
            services.customer_vehicle_add(
                org=org, actor=actor, customer=customer, vehicle_id=foreign.pk, link={}
            )
        new = services.customer_vehicle_add(
            org=org,
            actor=actor,
            customer=customer,
            vehicle={"vin": make_vin(), "plate": "7abc 123"},
            link={},
        )
        assert new.vehicle.plate_key == "7ABC123"


def test_services_need_an_organization_scope(org):
    from django_scopes import ScopeError

    with pytest.raises(ScopeError):
        services.customer_create(org=org, actor=system(org), data={"first_name": "A"})


def test_it_keeps_phone_consent_when_the_number_stays(org, in_org):
    customer = make_customer(org, phones=[{"number": "512-555-0142", "consent_to_call": True}])
    with in_org():
        consent_at = customer.phones.get().consent_at
        assert consent_at
        services.customer_update(
            org=org,
            actor=system(org),
            customer=customer,
            data={
                "phones": [
                    {"number": "512-555-0199"},
                    {"number": "+15125550142", "consent_to_call": True, "consent_at": consent_at},
                ]
            },
        )
        kept = customer.phones.get(number="+15125550142")
        assert kept.consent_at == consent_at and not kept.primary
        with tenant_scope(org):
            assert Customer.objects.get(pk=customer.pk).primary_phone == "+15125550199"
