"""The unfiltered customer list answered by compiled queries
(``selectors.customer_list_page``) equals what the queryset path (``customer_list`` +
``customer_page``) answers, page after page, in every sort order and direction, with
tags, companies, equal sort keys and archived customers; and it stays in its organization."""

import datetime as dt

import pytest
from django.utils import timezone

from frontdesk.core.api import ListParams
from frontdesk.core.errors import ValidationFailed
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import services
from frontdesk.customers.models import Customer
from frontdesk.customers.selectors import customer_list, customer_list_page, customer_page
from frontdesk.customers.tests.factories import make_company, make_customer, system

pytestmark = pytest.mark.django_db

ORDERS = ["name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"]
ORDERS += ["lead_score", "-lead_score"]


@pytest.fixture
def listed(org, other_org):
    acme = make_company(org, name="Acme")
    made = []
    # equal names and scores, so the id breaks the ties across page boundaries
    for i, (first, last) in enumerate(
        [("Ann", "Lee"), ("Ann", "Lee"), ("Bob", "Ray"), ("Cy", "Zed"), ("Di", "Ames")]
        + [("Ed", "Lee"), ("Ann", "Lee"), ("Flo", "Moe")]
    ):
        made.append(
            make_customer(
                org,
                first_name=first,
                last_name=last,
                tags=["vip", "fleet"][: i % 3],
                company_id=acme.pk if i % 2 else None,
            )
        )
    base = timezone.now() - dt.timedelta(days=30)
    with tenant_scope(org):
        for i, c in enumerate(made):
            Customer.objects.filter(pk=c.pk).update(
                lead_score=[10, 50, 10][i % 3],
                created_at=base + dt.timedelta(hours=i // 2),  # pairs share a timestamp
                updated_at=base + dt.timedelta(hours=(7 - i) // 3),
            )
        services.customer_archive(org=org, actor=system(org), customer=made[3])
    make_customer(other_org, first_name="Ann", last_name="Lee", tags=["vip"])
    return made


def _walk(read, order, limit):
    pages, cursor = [], None
    while True:
        page = read(ListParams(limit=limit, order=order, cursor=cursor))
        pages.append(page)
        cursor = page["next_cursor"]
        if not cursor:
            return pages


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("limit", [1, 3, 50])
def test_compiled_pages_equal_the_queryset_pages(org, listed, order, limit):
    with tenant_scope(org):
        compiled = _walk(
            lambda p: customer_list_page(org=org, filters={"status": None}, params=p, q=None),
            order,
            limit,
        )
        expected = _walk(
            lambda p: customer_page(customer_list(org=org), params=p, q=None, rows=True),
            order,
            limit,
        )
    assert compiled == expected
    ids = [item["id"] for page in compiled for item in page["items"]]
    assert len(ids) == len(set(ids)) == len(listed) - 1  # each once, the archived one left out
    assert any(item["tags"] for page in compiled for item in page["items"])
    assert any(item["company"] for page in compiled for item in page["items"])


def test_the_other_organizations_list_is_its_own(org, other_org, listed):
    with tenant_scope(other_org):
        page = customer_list_page(
            org=other_org, filters={}, params=ListParams(limit=50, order="name"), q=None
        )
    assert [i["display_name"] for i in page["items"]] == ["Ann Lee"]
    assert page["items"][0]["tags"] == ["vip"]


def test_a_cursor_of_another_order_or_garbage_is_refused(org, listed):
    with tenant_scope(org):
        first = customer_list_page(
            org=org, filters={}, params=ListParams(limit=2, order="name"), q=None
        )
        for order, cursor in (("-created_at", first["next_cursor"]), ("name", "bm90IGl0")):
            with pytest.raises(ValidationFailed) as error:
                customer_list_page(
                    org=org, filters={}, params=ListParams(limit=2, order=order, cursor=cursor),
                    q=None,
                )  # fmt: skip
            assert error.value.errors[0]["field"] == "cursor"


def test_a_filter_takes_the_queryset_path_and_still_filters(org, listed):
    with tenant_scope(org):
        page = customer_list_page(
            org=org, filters={"status": "archived"}, params=ListParams(limit=50), q=None
        )
    assert [i["id"] for i in page["items"]] == [listed[3].pk]
