"""Cursor pagination (``core.api.paginate``) through a real list, ``GET /staff``."""

import base64
import json

import pytest
from django.utils import timezone

from frontdesk.organizations.models import Membership
from frontdesk.organizations.tests.factories import make_member


@pytest.fixture
def crowd(org, members, in_org):
    """Twelve more sales staff (equal roles), all created at the very same instant."""
    for n in range(12):
        make_member(org, "sales", email=f"sales{n:02d}@alpha.example")
    with in_org():
        Membership.objects.update(created_at=timezone.now())
        return list(Membership.objects.values_list("pk", flat=True))


def walk(api, **params):
    """Every page of /staff; returns the ids in order and the number of pages."""
    ids, pages, cursor = [], 0, None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = api.get("/staff", query)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages


@pytest.mark.parametrize("order", ["role", "-role", "created_at", "-created_at"])
def test_pages_neither_overlap_nor_skip_when_sort_values_are_equal(api, crowd, order):
    ids, pages = walk(api, limit=5, order=order)
    assert len(ids) == len(set(ids)) == len(crowd) == 18
    assert set(ids) == {str(pk) for pk in crowd}
    assert pages == 4


def test_the_pages_follow_the_order_asked_for(api, crowd):
    ids, _ = walk(api, limit=4, order="role")
    everything = api.get("/staff", {"limit": 200, "order": "role"}).json()["items"]
    assert ids == [item["id"] for item in everything]
    roles = [item["role"] for item in everything]
    assert roles == sorted(roles)
    descending = [
        item["id"] for item in api.get("/staff", {"limit": 200, "order": "-role"}).json()["items"]
    ]
    assert descending == ids[::-1]


def test_the_last_page_has_no_next_cursor(api, members):
    body = api.get("/staff", {"limit": 6}).json()
    assert len(body["items"]) == 6
    assert body["next_cursor"] is None


def test_a_page_of_exactly_the_limit_with_more_to_come_has_a_cursor(api, members):
    body = api.get("/staff", {"limit": 5}).json()
    assert len(body["items"]) == 5
    assert body["next_cursor"]


def cursor_of(*parts):
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


SOME_ID = "8d6f54c6-4f3e-4a39-9a3c-2f0b7d7f3c11"


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "e30",  # {} in base64
        cursor_of("created_at"),
        cursor_of("created_at", "not a time", SOME_ID),
        cursor_of("created_at", "2030-01-01T00:00:00+00:00", "not-a-uuid"),
        cursor_of("created_at", None, SOME_ID),
    ],
    ids=["not-base64", "not-a-list", "too-short", "bad-value", "bad-id", "null-value"],
)
def test_a_cursor_this_list_did_not_give_out_is_a_422_naming_it(api, members, cursor):
    response = api.get("/staff", {"cursor": cursor})
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


def test_a_cursor_of_another_order_is_a_422(api, crowd):
    cursor = api.get("/staff", {"limit": 2, "order": "role"}).json()["next_cursor"]
    response = api.get("/staff", {"limit": 2, "order": "-role", "cursor": cursor})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("order", ["email", "-password", "user__email", ""])
def test_an_order_outside_the_whitelist_is_a_422_naming_the_choices(api, members, order):
    response = api.get("/staff", {"order": order})
    if order == "":
        assert response.status_code == 200  # empty means the default order
        return
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "order"
    assert "created_at" in error["message"] and "role" in error["message"]


@pytest.mark.parametrize("limit", [0, -1, 201, "ten"])
def test_a_limit_outside_1_to_200_is_a_422(api, members, limit):
    response = api.get("/staff", {"limit": limit})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("limit", [1, 200])
def test_the_limit_bounds_themselves_are_accepted(api, members, limit):
    assert api.get("/staff", {"limit": limit}).status_code == 200
