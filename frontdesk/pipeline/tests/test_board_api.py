"""The Kanban board as JSON: columns in stage order with counts, value and the first cards,
and a column's further pages — bad input, unknown and other organizations' stages,
roles without the permission."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.pipeline.models import Lead
from frontdesk.pipeline.services import stages_ensure
from frontdesk.pipeline.tests.factories import make_lead

pytestmark = pytest.mark.django_db


def test_the_board_has_every_stage_in_order_with_its_open_leads(api, org):
    with tenant_scope(org):
        first, second = stages_ensure(org=org)[:2]
    a = make_lead(org, stage=first.key, estimated_value=10000)
    b = make_lead(org, stage=first.key, estimated_value=2500)
    c = make_lead(org, stage=second.key)
    closed = make_lead(org, stage=first.key, estimated_value=99900)
    with tenant_scope(org):
        Lead.objects.filter(pk=closed.pk).update(
            status="disqualified", disqualification_reason="budget"
        )
    response = api.get("/pipeline/board")
    assert response.status_code == 200, response.content
    columns = response.json()["columns"]
    with tenant_scope(org):
        assert [col["stage"]["key"] for col in columns] == [s.key for s in stages_ensure(org=org)]
    one, two = columns[0], columns[1]
    assert (one["count"], one["value"], one["next_cursor"]) == (2, 12500, None)
    assert [lead["number"] for lead in one["leads"]] == [b.number, a.number]  # newest first
    assert one["leads"][0]["stage"]["key"] == first.key
    assert (two["count"], [lead["id"] for lead in two["leads"]]) == (1, [str(c.pk)])
    assert all(col["count"] == 0 and col["leads"] == [] for col in columns[2:])


def test_a_column_pages_on_from_its_cursor_without_overlap(api, org):
    with tenant_scope(org):
        stage = stages_ensure(org=org)[0]
    made = [make_lead(org, stage=stage.key) for _ in range(7)]
    board = api.get("/pipeline/board?per_stage=3").json()["columns"][0]
    seen = [lead["id"] for lead in board["leads"]]
    cursor = board["next_cursor"]
    while cursor:
        page = api.get(f"/pipeline/board/{stage.key}", {"limit": 3, "cursor": cursor}).json()
        seen += [lead["id"] for lead in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [str(lead.pk) for lead in reversed(made)]
    by_id = api.get(f"/pipeline/board/{stage.pk}", {"limit": 100}).json()
    assert [lead["id"] for lead in by_id["items"]] == seen


@pytest.mark.parametrize(
    "query, field",
    [
        ({"per_stage": 0}, "per_stage"),
        ({"per_stage": 101}, "per_stage"),
        ({"per_stage": "many"}, "per_stage"),
    ],
)
def test_bad_board_sizes_are_422_naming_the_field(api, query, field):
    response = api.get("/pipeline/board", query)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("cursor", ["garbage", "WyJ4Il0", "WyJub3QgYSBkYXRlIiwgIngiXQ"])
def test_a_cursor_the_board_did_not_give_out_is_422(api, org, cursor):
    with tenant_scope(org):
        stage = stages_ensure(org=org)[0]
    response = api.get(f"/pipeline/board/{stage.key}", {"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_an_unknown_or_another_organizations_stage_is_404(api, org, other_org):
    with tenant_scope(other_org):
        foreign = stages_ensure(org=other_org)[0]
    make_lead(other_org, stage=foreign.key)
    assert api.get("/pipeline/board/no_such_stage").status_code == 404
    assert api.get(f"/pipeline/board/{foreign.pk}").status_code == 404
    # the same key in this organization answers this organization's (empty) column
    assert api.get(f"/pipeline/board/{foreign.key}").json()["items"] == []


@pytest.mark.parametrize("role", ["cashier", "marketing"])
def test_roles_without_leads_view_may_not_see_the_board(api_as, role):
    assert api_as(role).get("/pipeline/board").status_code == 403
    assert api_as(role).get("/pipeline/board/inquiry").status_code == 403
