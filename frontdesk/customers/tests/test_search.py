"""Every kind of ``?q=``; the suite runs on SQLite (FTS5) and on PostgreSQL (pg_trgm)."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import services
from frontdesk.customers.search import index_customers, parse_query
from frontdesk.customers.tests.factories import (
    link_vehicle,
    make_company,
    make_customer,
    make_vehicle,
    system,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org, other_org):
    acme = make_company(org, name="Acme Plumbing, Inc.")
    john = make_customer(
        org,
        first_name="John",
        last_name="Smith",
        phones=[{"number": "(512) 555-0142"}],
        emails=[{"address": "john.smith@example.com"}],
        addresses=[{"street": "1 Elm St", "city": "Austin", "postal_code": "78701"}],
        tags=["vip"],
    )
    johnny = make_customer(
        org,
        first_name="Johnny",
        last_name="Smithers",
        phones=[{"number": "(737) 201-7788"}],
        addresses=[{"city": "Dallas"}],
    )
    jose = make_customer(
        org,
        first_name="José",
        last_name="O'Brien",
        phones=[{"number": "(214) 867-5309"}],
        emails=[{"address": "jsmith@mail.example"}],
        company_id=acme.pk,
        addresses=[{"city": "Austin"}],
    )
    mary = make_customer(
        org, first_name="Mary", last_name="Johnson", phones=[{"number": "+44 20 7946 0958"}]
    )
    vehicle = make_vehicle(org, vin="1HGCM82633A004352", plate="7ABC 123")
    link_vehicle(org, mary, vehicle)
    # another organization's John Smith with the same phone: never found from org
    make_customer(
        other_org, first_name="John", last_name="Smith", phones=[{"number": "+15125550142"}]
    )
    return {"john": john, "johnny": johnny, "jose": jose, "mary": mary}


def found(api, q, **params):
    response = api.get("/customers", {"q": q, **params})
    assert response.status_code == 200, response.content
    return [c["display_name"] for c in response.json()["items"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("joh", ["John Smith", "Johnny Smithers", "Mary Johnson"]),
        ("JOHN", ["John Smith", "Johnny Smithers", "Mary Johnson"]),
        ("smi", ["John Smith", "Johnny Smithers"]),
        ("jose", ["José O'Brien"]),
        ("obr", ["José O'Brien"]),
        ("o'br", ["José O'Brien"]),
        ("johnson", ["Mary Johnson"]),
        ("zzz", []),
    ],
)
def test_a_word_finds_names_starting_with_it(api, people, q, expected):
    assert found(api, q) == expected


def test_name_matches_come_in_the_order_of_the_name_that_matched(api, people):
    # first names sort by first name, last names by "last first": johnny, john, johnson
    assert found(api, "john") == ["John Smith", "Johnny Smithers", "Mary Johnson"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("joh smi aus", ["John Smith"]),
        ("joh smi", ["John Smith", "Johnny Smithers"]),
        ("smith john", ["John Smith", "Johnny Smithers"]),
        ("jo aus", ["John Smith", "José O'Brien"]),
        ("john dallas", ["Johnny Smithers"]),
        ("mary j", ["Mary Johnson"]),
        ("acme jos", ["José O'Brien"]),
        ("john 78701", ["John Smith"]),
        ("smith-john", ["John Smith", "Johnny Smithers"]),
        ("smith john aus", ["John Smith"]),
        ("joh smi zzz", []),
    ],
)
def test_several_words_must_each_start_some_token(api, people, q, expected):
    assert found(api, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("0142", ["John Smith"]),
        ("5309", ["José O'Brien"]),
        ("512", ["John Smith"]),  # an area code
        ("(737)", ["Johnny Smithers"]),
        ("51", []),  # two digits are not a phone fragment
        ("5125", ["John Smith"]),
        ("(737) 201", ["Johnny Smithers"]),
        ("555-01", ["John Smith"]),
        ("8675", ["José O'Brien"]),
        ("512-555-0142", ["John Smith"]),
        ("+1 512 555 0142", ["John Smith"]),
        ("7946 0958", ["Mary Johnson"]),
        ("9999", []),
    ],
)
def test_digits_find_any_phone_fragment(api, people, q, expected):
    assert found(api, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("john.smith@example.com", ["John Smith"]),
        ("JOHN.SMITH@EXAMPLE.COM", ["John Smith"]),
        ("john.smith@", ["John Smith"]),
        ("jsmith@", ["José O'Brien"]),
        ("nobody@example.com", []),
    ],
)
def test_an_email_finds_its_customer(api, people, q, expected):
    assert found(api, q) == expected


def test_a_number_finds_its_customer(api, people):
    number = people["jose"].number
    assert found(api, number) == ["José O'Brien"]
    assert found(api, number.lower().replace("-", "")) == ["José O'Brien"]
    assert found(api, "C-" + str(int(number[2:]))) == ["José O'Brien"]
    assert found(api, "C-9999") == []


def test_a_company_name_finds_its_contacts(api, people):
    assert found(api, "acme") == ["José O'Brien"]


def test_a_tag_finds_its_customers(api, people):
    assert found(api, "vip") == ["John Smith"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("1HGCM82633A004352", ["Mary Johnson"]),
        ("1hgcm826", ["Mary Johnson"]),
        ("7ABC123", ["Mary Johnson"]),
        ("7abc", ["Mary Johnson"]),
        ("7ABC 123", ["Mary Johnson"]),
        ("9XYZ", []),
    ],
)
def test_a_vin_or_plate_finds_the_owner(api, people, q, expected):
    assert found(api, q) == expected


def test_a_word_no_name_starts_with_searches_every_token(api, people):
    assert found(api, "aus") == ["John Smith", "José O'Brien"]
    assert found(api, "jsmith") == ["José O'Brien"]
    assert found(api, "dallas") == ["Johnny Smithers"]


def test_search_respects_the_filters(api, org, people):
    with tenant_scope(org):
        services.customer_archive(org=org, actor=system(org), customer=people["johnny"])
    assert found(api, "joh") == ["John Smith", "Mary Johnson"]
    assert found(api, "joh", status="archived") == ["Johnny Smithers"]
    assert found(api, "joh", tag="vip") == ["John Smith"]
    assert found(api, "joh smi", status="all") == ["John Smith", "Johnny Smithers"]
    assert found(api, "joh smi", status="all", tag="vip") == ["John Smith"]
    assert found(api, "(214)", has_vehicle="false", created_after="2000-01-01T00:00:00Z") == [
        "José O'Brien"
    ]
    assert found(api, "7946", has_vehicle="true") == ["Mary Johnson"]
    assert found(api, "7946", has_vehicle="false") == []


def test_search_follows_changes(api, org, people):
    with tenant_scope(org):
        services.customer_update(
            org=org,
            actor=system(org),
            customer=people["john"],
            data={"last_name": "Doe", "phones": [{"number": "512-555-7777"}]},
        )
    assert found(api, "smith") == ["Johnny Smithers"]
    assert found(api, "doe") == ["John Doe"]
    assert found(api, "0142") == []
    assert found(api, "7777") == ["John Doe"]
    assert found(api, "john aus") == ["John Doe"]


def test_search_never_crosses_organizations(other_api, people):
    assert found(other_api, "0142") == ["John Smith"]
    assert found(other_api, "joh") == ["John Smith"]
    assert found(other_api, "mary") == []


@pytest.mark.parametrize("q", ["smi", "aus", "smi aus", "5"])
def test_search_pages_by_cursor_without_repeats(api, org, q):
    for i in range(7):
        make_customer(
            org,
            first_name=f"Smith{i % 3}",
            last_name="Smith" if i % 2 else "Smithson",
            phones=[{"number": f"+1512555{i:04d}"}],
            addresses=[{"city": "Austin"}],
        )
    seen, cursor, pages = [], None, 0
    while True:
        params = {"q": q, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/customers", params).json()
        seen += [c["id"] for c in body["items"]]
        cursor, pages = body["next_cursor"], pages + 1
        if not cursor:
            break
    expected = 0 if q == "5" else 7
    assert len(seen) == len(set(seen)) == expected
    if expected:
        assert pages == 4


def test_a_cursor_of_another_search_is_refused(api, people):
    cursor = api.get("/customers", {"q": "joh", "limit": 1}).json()["next_cursor"]
    assert api.get("/customers", {"q": "smi", "cursor": cursor}).status_code == 422


def test_the_index_can_be_rebuilt_in_bulk(org, people):
    with tenant_scope(org):
        assert index_customers([c.pk for c in people.values()]) == 4


def test_parse_query_reads_what_was_meant():
    assert parse_query("C-1042").number == "C-1042"
    assert parse_query("c42").number == "C-0042"
    assert parse_query("(512) 555-01").phone == "51255501"
    assert parse_query("(512)").phone == "512"
    assert parse_query("51").words == ["51"]
    assert parse_query("joh smi aus").words == ["joh", "smi", "aus"]
    assert parse_query("joh").single_word == "joh"
    plan = parse_query("ann@x.example 7abc123 78701 lee")
    assert plan.emails == ["ann@x.example"]
    assert plan.vehicle_words == ["7ABC123"]
    assert plan.digit_words == ["78701"]
    assert plan.words == ["lee"]


@pytest.fixture
def dense(monkeypatch):
    """Make every candidate set count as "many": phone fragments and emails are then
    answered by walking the name index."""
    from frontdesk.customers import search

    monkeypatch.setattr(search, "DENSE", 0)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("joh smi", ["John Smith", "Johnny Smithers"]),
        ("jo aus", ["John Smith", "José O'Brien"]),
        ("0142", ["John Smith"]),
        ("(512)", ["John Smith"]),
        ("john.smith@", ["John Smith"]),
        ("7abc", ["Mary Johnson"]),
        ("aus", ["John Smith", "José O'Brien"]),
    ],
)
def test_many_candidates_give_the_same_answers(api, people, dense, q, expected):
    assert found(api, q) == expected


def test_many_candidates_page_by_cursor_without_repeats(api, org, dense):
    for i in range(5):
        make_customer(
            org, first_name=f"Ann{i}", last_name="Lee", phones=[{"number": f"+1512555010{i}"}]
        )
    first = api.get("/customers", {"q": "(512)", "limit": 3}).json()
    second = api.get("/customers", {"q": "(512)", "limit": 3, "cursor": first["next_cursor"]})
    names = [c["display_name"] for c in first["items"] + second.json()["items"]]
    assert names == [f"Ann{i} Lee" for i in range(5)]


# --- close names when nothing matches (typos) ---------------------------------------------
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("John Smtih", ["John Smith"]),  # transposed letters
        ("Smiht John", ["John Smith"]),  # last name first, with a slip
        ("Mary Jonhson", ["Mary Johnson"]),
        ("Jose OBrein", ["José O'Brien"]),
    ],
)
def test_a_name_search_with_a_typo_offers_close_names(api, people, q, expected):
    body = api.get("/customers", {"q": q}).json()
    assert [c["display_name"] for c in body["items"]][: len(expected)] == expected
    assert body["close_matches"] is True and body["next_cursor"] is None


def test_an_exact_hit_is_never_mixed_with_close_names(api, people):
    body = api.get("/customers", {"q": "smith"}).json()
    assert body["close_matches"] is False
    assert [c["display_name"] for c in body["items"]] == ["John Smith", "Johnny Smithers"]


def test_nothing_close_stays_empty_and_other_organizations_are_never_offered(
    api, other_api, people
):
    body = api.get("/customers", {"q": "Xavier Quintana"}).json()
    assert body == {"items": [], "next_cursor": None, "close_matches": False}
    assert found(other_api, "Jonh Smiht") == ["John Smith"]  # its own John Smith
    assert found(other_api, "Mary Jonhson") == []


def test_close_names_respect_the_filters(api, org, people):
    with tenant_scope(org):
        services.customer_archive(org=org, actor=system(org), customer=people["john"])
    assert found(api, "John Smtih") == []
    assert found(api, "John Smtih", status="archived") == ["John Smith"]


@pytest.mark.parametrize("q", [None, "smi", "smi aus", "5550142", "John Smtih"])
def test_list_rows_answer_exactly_what_the_validated_models_would(api, org, people, q):
    """The API builds its list items from plain rows without validating them again
    (``CustomerPage.data_from_rows``); they must equal the schema's own reading of the models,
    company, tags and all, on every kind of page (list, prefix, tokens, phone, close)."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from frontdesk.core.api import ListParams
    from frontdesk.customers.schemas import CustomerPage
    from frontdesk.customers.selectors import customer_list, customer_page

    with tenant_scope(org):
        services.customer_tags_add(
            org=org, actor=system(org), customer=people["jose"], tags=["fleet", "b2b"]
        )
        params = ListParams(limit=2) if q is None else ListParams(limit=50)
        validated = CustomerPage.model_validate(
            customer_page(customer_list(org=org), params=params, q=q)
        )
        expected = json.loads(json.dumps(validated.model_dump(), cls=NinjaJSONEncoder))
    response = api.get("/customers", {"limit": params.limit, **({"q": q} if q else {})})
    assert response.status_code == 200
    assert response.json() == expected
    assert expected["items"], "the case must show some customers"
    if q is None:  # the next page's cursor works the same way
        page2 = api.get("/customers", {"limit": 2, "cursor": expected["next_cursor"]}).json()
        assert page2["items"] and page2["items"][0]["id"] not in {
            c["id"] for c in expected["items"]
        }
