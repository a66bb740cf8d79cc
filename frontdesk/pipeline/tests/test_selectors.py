"""The pipeline's reads computed the fast way (plain rows, aggregates in the database)
must answer exactly what the plain definition gives, on data with every kind of case."""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from frontdesk.core.actor import Actor
from frontdesk.core.api import ListParams, Page, paginate
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.pipeline import selectors
from frontdesk.pipeline.schemas import InteractionOut
from frontdesk.pipeline.tests.factories import (
    complete_customer,
    log,
    make_lead,
    make_opportunity,
)


def system(org):
    return Actor.system(org_id=org.pk)


def validated_timeline(org, customer, params: ListParams) -> dict:
    """The timeline page as the schema reads it from model instances (the definition)."""
    page = paginate(
        selectors.customer_timeline(customer_id=customer.pk),
        params=params,
        orders={"occurred_at": "occurred_at"},
        default="-occurred_at",
    )
    model = Page[InteractionOut].model_validate(page, context={"request": SimpleNamespace(org=org)})
    return json.loads(json.dumps(model.model_dump(), cls=NinjaJSONEncoder))


@pytest.mark.parametrize("order", [None, "occurred_at"])
def test_the_timeline_rows_answer_exactly_what_the_validated_models_would(api, org, members, order):
    customer = complete_customer(org)
    nameless = members["advisor"]
    nameless.user.full_name = ""
    nameless.user.save(update_fields=["full_name"])
    lead = make_lead(org, customer=customer)
    opportunity = make_opportunity(org, customer=customer)
    now = timezone.now()
    log(org, customer=customer, staff=members["sales"], subject="named", duration_s=60)
    log(org, customer=customer, staff=nameless, subject="email only", sentiment="positive")
    log(org, customer=customer, staff=None, subject="nobody", occurred_at=now - dt.timedelta(1))
    log(org, lead=lead, subject="on the lead", follow_up_date=now.date() + dt.timedelta(3))
    log(org, opportunity=opportunity, subject="on the deal", transcript="hi", summary="ok")
    log(org, customer=customer, subject="later", occurred_at=now + dt.timedelta(days=2))
    same = now - dt.timedelta(hours=5)
    for i in range(3):  # equal times: the id breaks the tie, pages never overlap
        log(org, customer=customer, subject=f"tie {i}", occurred_at=same)
    log(org, customer=make_customer(org), subject="someone else's")

    seen = []
    cursor = None
    for _ in range(4):
        params = ListParams(limit=3, order=order, cursor=cursor)
        with tenant_scope(org):
            expected = validated_timeline(org, customer, params)
        query = {"limit": 3, "order": order, "cursor": cursor}
        response = api.get(
            f"/customers/{customer.pk}/interactions", {k: v for k, v in query.items() if v}
        )
        assert response.status_code == 200
        assert response.json() == expected
        seen += [i["subject"] for i in expected["items"]]
        cursor = expected["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 9 and "someone else's" not in seen
    assert {"named", "email only", "nobody", "on the lead", "on the deal"} <= set(seen)


def test_the_timeline_page_shows_the_staff_name_or_email_and_local_times(api, org, members):
    customer = make_customer(org)
    nameless = members["advisor"]
    nameless.user.full_name = ""
    nameless.user.save(update_fields=["full_name"])
    log(org, customer=customer, staff=nameless)
    item = api.get(f"/customers/{customer.pk}/interactions").json()["items"][0]
    assert item["staff"] == {"id": str(nameless.pk), "name": nameless.user.email}
    assert item["customer"]["number"] == customer.number
    assert item["occurred_at"].endswith(("-06:00", "-05:00"))  # America/Chicago
