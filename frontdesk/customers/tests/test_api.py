"""Every customers-domain endpoint: 401 anonymous, 404 for another organization's ids,
403 for a role without the permission (nothing written), the allowed path, 422 with
nothing written, 409 conflicts and idempotent repeats."""

import json

import pytest

from frontdesk.audit.models import AuditEntry
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Company, Customer, CustomerVehicle, Vehicle
from frontdesk.customers.tests.factories import make_customer, make_vin
from frontdesk.customers.tests.world import customers_world
from frontdesk.organizations.roles import PERMISSIONS, permissions_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, members):
    company, customer, vehicle, link, note, *_ = customers_world(org, members)
    other = make_customer(org, first_name="Second", last_name="Person")
    return {"company": company, "customer": customer, "vehicle": vehicle, "other": other}


PUT_CUSTOMER = {"first_name": "World", "last_name": "Customer", "tags": ["world"]}
PUT_VEHICLE = {"make": "Honda", "model": "Civic", "plate": "WRLD 1"}
PUT_COMPANY = {"name": "Renamed Fleet LLC"}

# (method, path, permission, body); {customer}, {other}, {vehicle}, {company} are ids
ROUTES = [
    ("get", "/customers", "customers.view", None),
    ("post", "/customers", "customers.create", {"first_name": "New", "last_name": "Person"}),
    ("get", "/customers/duplicates", "customers.view", None),
    ("get", "/customers/{customer}", "customers.view", None),
    ("put", "/customers/{customer}", "customers.edit", PUT_CUSTOMER),
    ("patch", "/customers/{customer}", "customers.edit", {"notes": "Calls after 5."}),
    ("delete", "/customers/{customer}", "customers.archive", None),
    ("post", "/customers/{customer}/restore", "customers.archive", None),
    ("get", "/customers/{customer}/notes", "customers.view", None),
    ("post", "/customers/{customer}/notes", "customers.edit", {"body": "Called."}),
    ("post", "/customers/{customer}/tags", "customers.edit", {"tags": ["vip"]}),
    ("delete", "/customers/{customer}/tags/world", "customers.edit", None),
    ("post", "/customers/{customer}/merge", "customers.merge", {"duplicate_id": "{other}"}),
    ("get", "/customers/{customer}/overview", "customers.view", None),
    ("get", "/customers/{customer}/vehicles", "customers.view", None),
    ("post", "/customers/{customer}/vehicles", "customers.edit", {"vehicle": {"plate": "NEW 1"}}),
    ("patch", "/customers/{customer}/vehicles/{vehicle}", "customers.edit", {"status": "sold"}),
    ("get", "/vehicles", "customers.view", None),
    ("get", "/vehicles/{vehicle}", "customers.view", None),
    ("put", "/vehicles/{vehicle}", "customers.edit", PUT_VEHICLE),
    ("patch", "/vehicles/{vehicle}", "customers.edit", {"mileage": 120000}),
    ("get", "/vehicles/{vehicle}/history", "customers.view", None),
    ("get", "/companies", "customers.view", None),
    ("post", "/companies", "customers.edit", {"name": "Acme Plumbing Inc"}),
    ("get", "/companies/{company}", "customers.view", None),
    ("put", "/companies/{company}", "customers.edit", PUT_COMPANY),
    ("patch", "/companies/{company}", "customers.edit", {"status": "inactive"}),
    ("delete", "/companies/{company}", "customers.archive", None),
    ("post", "/companies/{company}/restore", "customers.archive", None),
]
ROUTE_IDS = [f"{m.upper()} {p}" for m, p, _, _ in ROUTES]


def fill(value, world):
    text = json.dumps(value) if not isinstance(value, str) else value
    for name, obj in world.items():
        text = text.replace("{" + name + "}", str(obj.pk))
    return json.loads(text) if not isinstance(value, str) else text


def call(client, method, path, body, world):
    path = fill(path, world)
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, fill(body, world) if body is not None else None)


def audit_count(org) -> int:
    with tenant_scope(org):
        return AuditEntry.objects.count()


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route_needs_authentication(anon_api, world, method, path, permission, body):
    response = call(anon_api, method, path, body, world)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "permission", "body"), ROUTES, ids=ROUTE_IDS)
def test_every_route_is_open_to_a_role_with_its_permission(
    api, org, world, method, path, permission, body
):
    response = call(api, method, path, body, world)
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize(
    ("method", "path", "permission", "body"),
    [r for r in ROUTES if "{" in r[1]],
    ids=[i for i, r in zip(ROUTE_IDS, ROUTES, strict=True) if "{" in r[1]],
)
def test_every_route_answers_404_for_another_organizations_ids(
    other_api, org, world, method, path, permission, body
):
    before = audit_count(org)
    response = call(other_api, method, path, body, world)
    assert response.status_code == 404, response.content
    assert "World" not in response.content.decode()  # nothing of the record leaks
    assert audit_count(org) == before


def _lacking(permission: str) -> list[str]:
    return [r for r in ("cashier", "marketing", "sales") if permission not in permissions_for(r)]


FORBIDDEN = [
    (*route, role) for route in ROUTES for role in _lacking(route[2])[:1] if _lacking(route[2])
]


@pytest.mark.parametrize(
    ("method", "path", "permission", "body", "role"),
    FORBIDDEN,
    ids=[f"{r[0].upper()} {r[1]} as {r[4]}" for r in FORBIDDEN],
)
def test_every_route_answers_403_to_a_role_without_its_permission(
    api_as, org, world, method, path, permission, body, role
):
    client = api_as(role)
    before = audit_count(org)
    response = call(client, method, path, body, world)
    assert response.status_code == 403
    assert response.json()["permission"] == permission
    assert audit_count(org) == before


def test_the_permission_table_names_every_customers_permission():
    for name in ("view", "create", "edit", "archive", "merge"):
        assert f"customers.{name}" in PERMISSIONS


def test_an_assistant_token_may_create_but_not_edit(api_as, world):
    assistant = api_as("owner", assistant=True)
    assert (
        assistant.post("/customers", {"first_name": "Via", "last_name": "Bot"}).status_code == 201
    )
    customer = world["customer"].pk
    assert assistant.patch(f"/customers/{customer}", {"notes": "x"}).status_code == 403


# --- 422: nothing written ----------------------------------------------------------------
def test_an_invalid_create_writes_nothing(api, org, world):
    before = audit_count(org)
    with tenant_scope(org):
        customers = Customer.objects.count()
    response = api.post(
        "/customers",
        {
            "first_name": "Ok",
            "emails": [{"address": "ok@example.com"}],
            "phones": [{"number": "1"}],
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["phones[0].number"]
    with tenant_scope(org):
        assert Customer.objects.count() == customers
    assert audit_count(org) == before


def test_an_invalid_patch_changes_no_field(api, org, world):
    customer = world["customer"]
    response = api.patch(
        f"/customers/{customer.pk}", {"first_name": "Changed", "emails": [{"address": "nope"}]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "emails[0].address"
    with tenant_scope(org):
        customer.refresh_from_db()
    assert customer.first_name == "World"


def test_a_failing_write_rolls_back_what_it_did_before_failing(api, org, world):
    """The phone is valid and new, the company is foreign: nothing at all stays."""
    customer = world["customer"]
    response = api.patch(
        f"/customers/{customer.pk}",
        {
            "phones": [{"number": "+1 512 555 0177"}],
            "company_id": "00000000-0000-0000-0000-000000000000",
        },
    )
    assert response.status_code == 404
    with tenant_scope(org):
        assert list(customer.phones.values_list("number", flat=True)) == ["+15125550101"]


@pytest.mark.parametrize(
    "body",
    [
        {"tags": []},
        {"tags": ["x" * 41]},
        {"tags": ["ok"], "extra": 1},
    ],
)
def test_bad_tags_are_422(api, world, body):
    response = api.post(f"/customers/{world['customer'].pk}/tags", body)
    assert response.status_code == 422


def test_a_bad_cursor_or_order_is_422(api, world):
    assert api.get("/customers", {"cursor": "garbage"}).status_code == 422
    assert api.get("/customers", {"order": "password"}).status_code == 422
    assert api.get("/customers", {"q": "smith", "cursor": "garbage"}).status_code == 422


# --- 409 and idempotency -----------------------------------------------------------------
def test_a_duplicate_phone_on_update_is_409_unless_allowed(api, org, world):
    other = world["other"]
    body = {"phones": [{"number": "512-555-0101"}]}
    response = api.patch(f"/customers/{other.pk}", body)
    assert response.status_code == 409
    assert response.json()["matches"][0]["id"] == str(world["customer"].pk)
    response = api.patch(f"/customers/{other.pk}", {**body, "allow_duplicate": True})
    assert response.status_code == 200


def test_a_duplicate_vin_is_409_with_the_existing_vehicle(api, world):
    vin = world["vehicle"].vin
    response = api.post(f"/customers/{world['other'].pk}/vehicles", {"vehicle": {"vin": vin}})
    assert response.status_code == 409
    assert response.json()["existing_vehicle_id"] == str(world["vehicle"].pk)


def test_linking_an_existing_vehicle_and_linking_it_again(api, org, world):
    url = f"/customers/{world['other'].pk}/vehicles"
    body = {"vehicle_id": str(world["vehicle"].pk), "relationship": "driver"}
    assert api.post(url, body).status_code == 201
    again = api.post(url, body)
    assert again.status_code == 409
    with tenant_scope(org):
        assert CustomerVehicle.objects.filter(vehicle=world["vehicle"]).count() == 2


def test_a_link_needs_exactly_one_of_vehicle_and_vehicle_id(api, world):
    url = f"/customers/{world['other'].pk}/vehicles"
    assert api.post(url, {}).status_code == 422
    both = {"vehicle": {"plate": "X1"}, "vehicle_id": str(world["vehicle"].pk)}
    assert api.post(url, both).status_code == 422


def test_put_twice_changes_once(api, org, world):
    url = f"/customers/{world['customer'].pk}"
    body = {**PUT_CUSTOMER, "notes": "Same."}
    assert api.put(url, body).status_code == 200
    before = audit_count(org)
    assert api.put(url, body).status_code == 200
    assert audit_count(org) == before


def test_delete_twice_archives_once(api, org, world):
    url = f"/customers/{world['customer'].pk}"
    first = api.delete(url)
    assert first.status_code == 200 and first.json()["status"] == "archived"
    assert api.delete(url).status_code == 200
    with tenant_scope(org):
        assert AuditEntry.objects.filter(action="archive").count() == 1
        assert Customer.objects.filter(pk=world["customer"].pk).exists()


def test_an_archived_customer_is_read_only_until_restored(api, world):
    url = f"/customers/{world['customer'].pk}"
    api.delete(url)
    assert api.patch(url, {"notes": "x"}).status_code == 409
    assert api.post(f"{url}/notes", {"body": "x"}).status_code == 409
    assert api.post(f"{url}/restore").json()["status"] == "active"
    assert api.patch(url, {"notes": "x"}).status_code == 200


def test_archived_customers_leave_the_list_unless_asked_for(api, world):
    api.delete(f"/customers/{world['customer'].pk}")
    default = [c["id"] for c in api.get("/customers").json()["items"]]
    archived = [c["id"] for c in api.get("/customers", {"status": "archived"}).json()["items"]]
    assert str(world["customer"].pk) not in default
    assert archived == [str(world["customer"].pk)]


def test_an_idempotency_key_replays_a_create(api, org):
    headers = {"Idempotency-Key": "create-maria-1"}
    body = {"first_name": "Maria", "phones": [{"number": "512-555-0142"}]}
    first = api.post("/customers", body, headers=headers)
    second = api.post("/customers", body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotency-Replayed"] == "true"
    with tenant_scope(org):
        assert Customer.objects.count() == 1


def test_tags_add_twice_and_remove_twice(api, world):
    url = f"/customers/{world['customer'].pk}/tags"
    assert api.post(url, {"tags": ["VIP"]}).json() == {"tags": ["vip", "world"]}
    assert api.post(url, {"tags": ["vip"]}).json() == {"tags": ["vip", "world"]}
    assert api.delete(f"{url}/VIP").json() == {"tags": ["world"]}
    assert api.delete(f"{url}/vip").json() == {"tags": ["world"]}


def test_notes_are_listed_newest_first(api, world):
    url = f"/customers/{world['customer'].pk}/notes"
    assert api.post(url, {"body": "First."}).status_code == 201
    assert api.post(url, {"body": "Second.\nWith a line break."}).status_code == 201
    bodies = [n["body"] for n in api.get(url).json()["items"]]
    assert bodies[:2] == ["Second.\nWith a line break.", "First."]


def test_an_empty_note_is_422(api, world):
    url = f"/customers/{world['customer'].pk}/notes"
    assert api.post(url, {"body": "   "}).status_code == 422


def test_a_company_is_archived_never_deleted(api, org, world):
    url = f"/companies/{world['company'].pk}"
    assert api.delete(url).json()["status"] == "archived"
    assert api.patch(url, {"name": "X"}).status_code == 409
    with tenant_scope(org):
        assert Company.objects.filter(pk=world["company"].pk).exists()
    ids = [c["id"] for c in api.get("/companies").json()["items"]]
    assert str(world["company"].pk) not in ids
    assert api.post(f"{url}/restore").json()["status"] == "inactive"


def test_a_company_cannot_be_archived_through_patch(api, world):
    response = api.patch(f"/companies/{world['company'].pk}", {"status": "archived"})
    assert response.status_code == 422


def test_a_company_primary_contact_of_another_organization_is_404(api, other_org):
    foreign = make_customer(other_org)
    response = api.post("/companies", {"name": "Acme", "primary_contact_id": str(foreign.pk)})
    assert response.status_code == 404
    assert response.json()["field"] == "primary_contact_id"


def test_companies_are_found_by_name_prefix(api, world):
    api.post("/companies", {"name": "Zeta Roofing"})
    names = [c["name"] for c in api.get("/companies", {"q": "zet"}).json()["items"]]
    assert names == ["Zeta Roofing"]


def test_vehicles_are_found_by_vin_and_plate(api, world):
    vin = world["vehicle"].vin
    assert [v["id"] for v in api.get("/vehicles", {"vin": vin.lower()}).json()["items"]] == [
        str(world["vehicle"].pk)
    ]
    assert len(api.get("/vehicles", {"vin": vin[:8]}).json()["items"]) == 1
    assert len(api.get("/vehicles", {"plate": "wrld-1"}).json()["items"]) == 1
    assert api.get("/vehicles", {"plate": "ZZZ"}).json()["items"] == []


def test_a_vehicle_update_checks_the_vin(api, org, world):
    other_vehicle = api.post(
        f"/customers/{world['other'].pk}/vehicles", {"vehicle": {"vin": make_vin()}}
    ).json()["vehicle"]
    url = f"/vehicles/{other_vehicle['id']}"
    assert api.patch(url, {"vin": world["vehicle"].vin}).status_code == 409
    bad = api.patch(url, {"vin": "1HGCM82633A004353"})
    assert bad.status_code == 422 and "check digit" in bad.json()["errors"][0]["message"]
    assert api.patch(url, {"mileage": 10}).json()["mileage"] == 10


def test_vehicle_history_lists_owners_and_registered_sections(api, world, monkeypatch):
    from frontdesk.customers import history

    # only this test's section (the real domains' ones are restored afterwards)
    monkeypatch.setattr(history, "SECTIONS", {})
    history.register_section("jobs", lambda vehicle: [{"number": "J-0001"}])
    body = api.get(f"/vehicles/{world['vehicle'].pk}/history").json()
    assert body["owners"][0]["customer"]["id"] == str(world["customer"].pk)
    assert body["sections"] == {"jobs": [{"number": "J-0001"}]}


def test_a_link_status_change_keeps_the_link(api, org, world):
    url = f"/customers/{world['customer'].pk}/vehicles/{world['vehicle'].pk}"
    assert api.patch(url, {"status": "sold", "is_current": False}).json()["status"] == "sold"
    overview = api.get(f"/customers/{world['customer'].pk}/overview").json()
    assert overview["vehicles"] == []
    with tenant_scope(org):
        assert CustomerVehicle.objects.count() == 1 and Vehicle.objects.count() == 1


# --- the 360 ------------------------------------------------------------------------------
def test_the_overview_has_every_section(api, world, monkeypatch):
    from frontdesk.customers import overview

    # only this test's sections (the real domains' ones are restored afterwards)
    monkeypatch.setattr(overview, "SECTIONS", {})
    overview.register_section("loyalty", lambda c: {"points": 120, "tier": "silver"})
    overview.register_section("billing", lambda c: {"balance_due": 0}, permission="billing.view")
    body = api.get(f"/customers/{world['customer'].pk}/overview").json()
    assert body["customer"]["display_name"] == "World Customer"
    assert body["customer"]["company"]["name"].endswith("Fleet LLC")
    assert body["customer"]["tags"] == ["world"]
    assert body["consent"]["phones"][0]["consent_to_call"] is True
    assert body["vehicles"][0]["vehicle"]["plate"] == "WRLD 1"
    assert body["recent_notes"][0]["body"] == "World note."
    # (other domains' sections, such as messages, are there too)
    assert {name: body["sections"][name] for name in ("loyalty", "billing")} == {
        "loyalty": {"points": 120, "tier": "silver"},
        "billing": {"balance_due": 0},
    }


def test_the_overview_leaves_out_sections_the_role_may_not_see(api_as, world):
    from frontdesk.customers.overview import register_section, unregister_section

    register_section("billing", lambda c: {"balance_due": 0}, permission="billing.view")
    try:
        body = api_as("marketing").get(f"/customers/{world['customer'].pk}/overview").json()
    finally:
        unregister_section("billing")
    assert "billing" not in body["sections"]


# --- the list ------------------------------------------------------------------------------
def test_the_list_filters(api, org, world):
    company = world["company"]
    make_customer(org, first_name="Tagged", last_name="Fleet", tags=["fleet"], source="referral")

    def names(**params):
        return sorted(c["display_name"] for c in api.get("/customers", params).json()["items"])

    assert names(tag="FLEET") == ["Tagged Fleet"]
    assert names(company_id=str(company.pk)) == ["World Customer"]
    assert names(has_vehicle="true") == ["World Customer"]
    assert "World Customer" not in names(has_vehicle="false")
    assert names(source="referral") == ["Tagged Fleet"]
    assert names(segment="lead") == names()
    assert names(segment="vip") == []
    assert names(created_after="2000-01-01T00:00:00Z") == names()
    assert names(created_before="2000-01-01T00:00:00Z") == []


def test_the_list_pages_by_cursor_without_overlap(api, org):
    for i in range(7):
        make_customer(org, first_name=f"Page{i}", last_name="Same")
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/customers", params).json()
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7


def test_the_list_costs_the_same_queries_for_5_or_50_customers(
    api, org, django_assert_max_num_queries
):
    for i in range(5):
        make_customer(org, first_name=f"A{i}", tags=["t"], phones=[{"number": f"+1512555{i:04d}"}])
    api.get("/customers")  # warm the token's last_used_at
    # 7 are the platform's (token, rate limit); then one for the page, one for the tags
    with django_assert_max_num_queries(9):
        assert len(api.get("/customers").json()["items"]) == 5
    for i in range(5, 50):
        make_customer(org, first_name=f"A{i}", tags=["t"], phones=[{"number": f"+1512555{i:04d}"}])
    with django_assert_max_num_queries(9):
        assert len(api.get("/customers").json()["items"]) == 50
    # a one-word search: four index range scans (name, last name, company, tag) merged
    with django_assert_max_num_queries(13):
        assert len(api.get("/customers", {"q": "a1"}).json()["items"]) == 11


def test_the_duplicates_list_pairs_customers(api, org):
    a = make_customer(org, first_name="Ann", last_name="Lee", phones=[{"number": "512-555-0142"}])
    b = make_customer(
        org,
        first_name="Anne",
        last_name="Lee",
        phones=[{"number": "512-555-0142"}],
        allow_duplicate=True,
    )
    c = make_customer(
        org,
        first_name="Bob",
        last_name="Stone",
        addresses=[{"street": "1 Elm St", "postal_code": "78701"}],
    )
    d = make_customer(
        org,
        first_name="Bobby",
        last_name="Stone",
        addresses=[{"street": "1 ELM ST.", "postal_code": "78701"}],
    )
    make_customer(
        org,
        first_name="Zed",
        last_name="Quill",
        addresses=[{"street": "1 Elm St", "postal_code": "78701"}],
    )
    body = api.get("/customers/duplicates").json()
    pairs = {(p["reason"], p["a"]["id"], p["b"]["id"]) for p in body["items"]}
    assert ("phone", str(a.pk), str(b.pk)) in pairs
    assert ("name_address", str(c.pk), str(d.pk)) in pairs
    assert len(pairs) == 2  # Zed shares the address but not the name
    only_phone = api.get("/customers/duplicates", {"kind": "phone"}).json()["items"]
    assert [p["reason"] for p in only_phone] == ["phone"]
