"""Issue 3, "Bad input to handle": one test each (the CSV ones belong to import/export)."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer, CustomerVehicle
from frontdesk.customers.tests.factories import make_company, make_customer, make_vehicle

pytestmark = pytest.mark.django_db


def count(org) -> int:
    with tenant_scope(org):
        return Customer.objects.count()


def fields(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_it_rejects_an_invalid_phone_naming_the_field(api, org):
    response = api.post(
        "/customers",
        {"first_name": "Ann", "phones": [{"number": "512-555-0142"}, {"number": "555-01"}]},
    )
    assert response.status_code == 422
    assert fields(response) == ["phones[1].number"]
    assert count(org) == 0


def test_it_rejects_an_invalid_email_naming_the_field(api, org):
    response = api.post("/customers", {"first_name": "Ann", "emails": [{"address": "ann@@x"}]})
    assert response.status_code == 422
    assert fields(response) == ["emails[0].address"]
    assert count(org) == 0


def test_it_answers_409_for_a_phone_that_matches_in_another_format(api, org):
    first = make_customer(
        org, first_name="Ann", last_name="Lee", phones=[{"number": "+1 (512) 555-0142"}]
    )
    response = api.post(
        "/customers",
        {"first_name": "Anne", "last_name": "Lee", "phones": [{"number": "512.555.0142"}]},
    )
    assert response.status_code == 409
    body = response.json()
    assert [m["id"] for m in body["matches"]] == [str(first.pk)]
    assert body["matches"][0]["matched_on"] == ["phone:+15125550142"]
    assert body["likely"] and body["likely"][0]["score"] >= 80
    assert count(org) == 1


def test_it_creates_the_same_phone_in_another_organization_revealing_nothing(api, other_org):
    make_customer(other_org, first_name="Secret", phones=[{"number": "+1 512 555 0142"}])
    response = api.post("/customers", {"first_name": "Ann", "phones": [{"number": "512-555-0142"}]})
    assert response.status_code == 201
    assert "Secret" not in response.content.decode()
    assert "matches" not in response.json()


def test_it_rejects_an_oversized_name(api, org):
    response = api.post("/customers", {"first_name": "A" * 101, "last_name": "B" * 5000})
    assert response.status_code == 422
    assert sorted(fields(response)) == ["first_name", "last_name"]
    assert count(org) == 0


@pytest.mark.parametrize(
    "name", ["Ann\x00", "An\nn", "Ann\x1b[31m", "Ann\u202egninrael", "\x7fAnn"]
)
def test_it_rejects_control_characters_in_a_name(api, org, name):
    response = api.post("/customers", {"first_name": name})
    assert response.status_code == 422
    assert fields(response) == ["first_name"]
    assert count(org) == 0


def test_it_rejects_control_characters_in_nested_fields(api, org):
    response = api.post(
        "/customers",
        {"first_name": "Ann", "addresses": [{"street": "1 Main\x07", "city": "Austin"}]},
    )
    assert response.status_code == 422
    assert fields(response) == ["addresses[0].street"]


def test_it_strips_surrounding_whitespace(api):
    response = api.post("/customers", {"first_name": "  Ann  ", "last_name": "\tLee "})
    assert response.status_code == 201
    assert response.json()["display_name"] == "Ann Lee"


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "Ann", "favourite_color": "blue"},
        {"first_name": "Ann", "phones": [{"number": "512-555-0142", "extension": "12"}]},
        {"first_name": "Ann", "communication": {"opt_in_fax": True}},
    ],
    ids=["top level", "in a phone", "in communication"],
)
def test_it_rejects_unknown_fields(api, org, body):
    response = api.post("/customers", body)
    assert response.status_code == 422
    assert count(org) == 0


def test_it_rejects_unknown_fields_on_patch(api, org):
    customer = make_customer(org)
    response = api.patch(f"/customers/{customer.pk}", {"id": "x", "number": "C-9999"})
    assert response.status_code == 422
    assert sorted(fields(response)) == ["id", "number"]


def test_it_answers_404_for_a_company_of_another_organization(api, org, other_org):
    foreign = make_company(other_org)
    response = api.post("/customers", {"first_name": "Ann", "company_id": str(foreign.pk)})
    assert response.status_code == 404
    assert response.json()["field"] == "company_id"
    assert count(org) == 0


def test_it_answers_404_for_a_vehicle_of_another_organization(api, org, other_org):
    customer = make_customer(org)
    foreign = make_vehicle(other_org)
    response = api.post(f"/customers/{customer.pk}/vehicles", {"vehicle_id": str(foreign.pk)})
    assert response.status_code == 404
    assert response.json()["field"] == "vehicle_id"
    with tenant_scope(org):
        assert CustomerVehicle.objects.count() == 0


def test_it_answers_404_for_a_duplicate_of_another_organization(api, org, other_org):
    customer = make_customer(org)
    foreign = make_customer(other_org)
    response = api.post(f"/customers/{customer.pk}/merge", {"duplicate_id": str(foreign.pk)})
    assert response.status_code == 404


def test_it_rejects_a_vin_with_the_reason(api, org):
    customer = make_customer(org)
    url = f"/customers/{customer.pk}/vehicles"
    for vin, reason in [
        ("1HGCM82633A00435", "17 characters"),
        ("1HGCM82633A0O4352", "never contains I, O or Q"),
        ("1HGCM82633A004353", "check digit"),
        ("1HGCM82633A00435$", "only letters and digits"),
    ]:
        response = api.post(url, {"vehicle": {"vin": vin}})
        assert response.status_code == 422
        assert fields(response) == ["vehicle.vin"]
        assert reason in response.json()["errors"][0]["message"]


def test_it_rejects_malformed_json(api, org):
    response = api.post("/customers", '{"first_name": ')
    assert response.status_code in (400, 422)
    assert count(org) == 0


def test_it_rejects_wrong_types(api, org):
    response = api.post("/customers", {"first_name": ["Ann"], "lead_score": 101, "tags": "vip"})
    assert response.status_code == 422
    assert sorted(fields(response)) == ["first_name", "lead_score", "tags"]


def test_it_rejects_an_unknown_time_zone_and_a_future_birth_date(api, org):
    response = api.post(
        "/customers",
        {
            "first_name": "Ann",
            "time_zone": "Mars/Olympus",
            "demographics": {"birth_date": "2999-01-01"},
        },
    )
    assert response.status_code == 422
    assert sorted(fields(response)) == ["demographics.birth_date", "time_zone"]


def test_it_rejects_two_primary_phones_and_a_repeated_number(api, org):
    response = api.post(
        "/customers",
        {
            "first_name": "Ann",
            "phones": [
                {"number": "512-555-0142", "primary": True},
                {"number": "+1 512 555 0142", "primary": True},
            ],
        },
    )
    assert response.status_code == 422
    assert sorted(fields(response)) == ["phones[1].number", "phones[1].primary"]


def test_it_rejects_an_oversized_search(api):
    assert api.get("/customers", {"q": "x" * 201}).status_code == 422
    assert api.get("/customers", {"q": "ann\x00"}).status_code == 422
