"""The pipeline pages: board, lead page and its actions, opportunity page with the win
confirmation dialog, follow-ups, stale leads, reports, stages, the 360's "log a call"
and the dashboard sections."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.merge import customer_merge
from frontdesk.customers.models import Customer
from frontdesk.customers.tests.factories import make_customer
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY
from frontdesk.pipeline.models import Interaction, Lead, Opportunity, PipelineStage
from frontdesk.pipeline.selectors import local_today
from frontdesk.pipeline.services import stages_ensure
from frontdesk.pipeline.tests.factories import (
    complete_customer,
    log,
    make_lead,
    make_opportunity,
    system,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(members):
    def login(role: str = "owner") -> Client:
        client = Client()
        client.force_login(members[role].user)
        session = client.session
        session[SESSION_MEMBERSHIP_KEY] = str(members[role].pk)
        session.save()
        return client

    return login


def test_the_board_shows_a_column_per_stage_with_its_cards(web, org):
    make_lead(org, title="Timing belt <script>alert(1)</script>", stage="estimate_sent")
    page = web("sales").get(reverse("pipeline:leads"))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("Inquiry", "Needs analysis", "Estimate sent", "Follow-up", "Scheduled visit"):
        assert name in html
    assert "Timing belt &lt;script&gt;" in html and "<script>alert" not in html
    assert 'draggable="true"' in html


def test_the_board_needs_leads_view(web):
    assert web("cashier").get(reverse("pipeline:leads")).status_code == 403


def test_the_move_form_and_the_drag_call_the_same_service(web, org):
    lead = make_lead(org)
    client = web("sales")
    url = reverse("pipeline:lead_move", args=[lead.pk])
    assert client.post(url, {"stage": "follow_up"}).status_code == 302
    moved = client.post(url, {"stage": "estimate_sent"}, headers={"Accept": "application/json"})
    assert moved.json() == {
        "ok": True,
        "detail": f"{lead.number} moved to Estimate sent.",
        "stage": "estimate_sent",
    }
    bad = client.post(url, {"stage": "nowhere"}, headers={"Accept": "application/json"})
    assert bad.status_code == 422 and bad.json()["ok"] is False
    with tenant_scope(org):
        assert Lead.objects.get(pk=lead.pk).stage.key == "estimate_sent"


def test_creating_a_lead_from_the_form(web, org):
    response = web("advisor").post(
        reverse("pipeline:lead_new"),
        {"title": "Brake check", "source": "walk_in", "name": "Ana Ruiz", "phone": "512-555-0199",
         "estimated_value": "120.50"},
    )  # fmt: skip
    assert response.status_code == 302
    with tenant_scope(org):
        lead = Lead.objects.get()
    assert lead.estimated_value == 12050 and lead.customer.first_name == "Ana"


def test_the_lead_page_shows_timeline_score_and_actions(web, org):
    lead = make_lead(org, customer=complete_customer(org))
    log(org, lead=lead, subject="Called about <b>brakes</b>")
    html = web().get(reverse("pipeline:lead", args=[lead.pk])).content.decode()
    assert "Called about &lt;b&gt;brakes&lt;/b&gt;" in html
    assert "Score" in html and "Disqualify" in html and "Convert" in html


def test_disqualifying_without_a_reason_shows_the_error_and_keeps_the_lead_open(web, org):
    lead = make_lead(org)
    client = web("sales")
    url = reverse("pipeline:lead_action", args=[lead.pk, "disqualify"])
    page = client.post(url, {"reason": ""}, follow=True)
    assert "A reason is required." in page.content.decode()
    client.post(url, {"reason": "timing", "note": "Next year"})
    with tenant_scope(org):
        lead.refresh_from_db()
    assert lead.status == "disqualified" and lead.disqualification_note == "Next year"


def test_converting_an_incomplete_lead_names_what_is_missing(web, org):
    lead = make_lead(org, customer=make_customer(org))
    page = web().post(reverse("pipeline:lead_action", args=[lead.pk, "convert"]), follow=True)
    assert "Missing: phone, address." in page.content.decode()


def test_drafting_a_follow_up_from_the_lead_page(web, org):
    lead = make_lead(org, customer=complete_customer(org))
    page = web("sales").post(reverse("pipeline:lead_action", args=[lead.pk, "draft"]), follow=True)
    assert "waits in the approval queue" in page.content.decode()


def test_winning_opens_the_confirmation_dialog_then_confirms(web, org):
    opportunity = make_opportunity(org)
    client = web("sales")
    url = reverse("pipeline:opportunity_win", args=[opportunity.pk])
    dialog = client.post(url)
    html = dialog.content.decode()
    assert dialog.status_code == 200 and "<dialog open" in html and "Confirm won" in html
    with tenant_scope(org):
        assert Opportunity.objects.get(pk=opportunity.pk).stage == "estimating"
    token = html.split('name="confirmation_token" value="')[1].split('"')[0]
    client.post(url, {"confirmation_token": token})
    with tenant_scope(org):
        assert Opportunity.objects.get(pk=opportunity.pk).stage == "won"


def test_losing_with_a_reengagement_reminder(web, org):
    opportunity = make_opportunity(org)
    url = reverse("pipeline:opportunity_lose", args=[opportunity.pk])
    web().post(url, {"reason": "price", "reengage_in_days": "30"})
    with tenant_scope(org):
        assert Opportunity.objects.get(pk=opportunity.pk).stage == "lost"
        assert Interaction.objects.filter(follow_up_status="pending").count() == 1


def test_the_opportunity_list(web, org):
    opportunity = make_opportunity(org)
    html = web().get(reverse("pipeline:opportunities")).content.decode()
    assert opportunity.number in html


def test_logging_a_call_on_the_customer_360_with_a_follow_up(web, org):
    customer = make_customer(org)
    detail = reverse("customers:detail", args=[customer.pk])
    html = web("advisor").get(detail).content.decode()
    assert "Log a call" in html and "Latest interactions" in html
    response = web("advisor").post(
        reverse("pipeline:interaction_log"),
        {"customer_id": str(customer.pk), "type": "phone_call", "direction": "outbound",
         "outcome": "spoke", "subject": "Quote follow-up", "follow_up_date": "2030-01-05",
         "next": detail},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == detail
    with tenant_scope(org):
        item = Interaction.objects.get()
    assert item.follow_up_status == "pending" and item.customer_id == customer.pk
    assert "Quote follow-up" in web("advisor").get(detail).content.decode()


def test_logging_for_another_organizations_customer_is_404(web, other_org):
    foreign = make_customer(other_org)
    response = web().post(
        reverse("pipeline:interaction_log"), {"customer_id": str(foreign.pk), "type": "note"}
    )
    assert response.status_code == 404


def test_the_360_lists_open_leads_and_opportunities(web, org):
    customer = complete_customer(org)
    lead = make_lead(org, customer=customer, title="Winter tyres")
    html = web().get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Open leads and opportunities" in html and lead.number in html


def test_followups_and_stale_pages_and_the_dashboard(web, org):
    customer = make_customer(org)
    log(org, customer=customer, subject="Call back", follow_up_date=local_today(org))
    stale = make_lead(org, title="Forgotten lead")
    with tenant_scope(org):
        Lead.objects.filter(pk=stale.pk).update(
            last_touch_at=timezone.now() - dt.timedelta(days=9),
            open_touch_at=timezone.now() - dt.timedelta(days=9),
        )
    client = web()
    assert "Call back" in client.get(reverse("pipeline:followups")).content.decode()
    assert "Forgotten lead" in client.get(reverse("pipeline:stale")).content.decode()
    dashboard = client.get(reverse("core:dashboard")).content.decode()
    assert "Forgotten lead" in dashboard and customer.display_name in dashboard


def test_completing_a_follow_up_from_the_list(web, org):
    customer = make_customer(org)
    item = log(org, customer=customer, follow_up_date=local_today(org))
    web().post(reverse("pipeline:follow_up_set", args=[item.pk]), {"follow_up_status": "completed"})
    with tenant_scope(org):
        item.refresh_from_db()
    assert item.follow_up_status == "completed"


def test_the_reports_page_draws_its_charts_as_svg(web, org):
    make_lead(org)
    page = web("marketing").get(reverse("pipeline:reports"))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "Open leads by stage" in html
    assert "style=" not in html.split("<main")[1]
    assert web("advisor").get(reverse("pipeline:reports")).status_code == 403


def stages_post(org, rows, *, extra=()):
    """The stages page's form data: ``rows`` as (key, name, position, retire) of existing
    stages and ``extra`` as (key, name, position) of blank rows filled in."""
    data = {}
    all_rows = [(k, n, p, r, True) for k, n, p, r in rows] + [
        (k, n, p, False, False) for k, n, p in extra
    ]
    for i, (key, name, position, retire, existing) in enumerate(all_rows):
        data |= {
            f"stages-{i}-existing": "True" if existing else "",
            f"stages-{i}-key": key,
            f"stages-{i}-name": name,
            f"stages-{i}-position": str(position),
            f"stages-{i}-draft_kind": "inquiry",
        }
        if retire:
            data[f"stages-{i}-retire"] = "on"
    return data | {
        "stages-TOTAL_FORMS": str(len(all_rows)),
        "stages-INITIAL_FORMS": str(len(rows)),
    }


def active_stages(org):
    with tenant_scope(org):
        stages_ensure(org=org)  # the preset, made on first use
        return list(
            PipelineStage.objects.filter(is_active=True)
            .order_by("position")
            .values_list("key", "name")
        )


def test_the_stages_page_renames_reorders_adds_and_retires_stages(web, org):
    client = web("manager")
    html = client.get(reverse("pipeline:stages")).content.decode()
    before = active_stages(org)
    assert before and 'value="Inquiry"' in html and "<code>inquiry</code>" in html
    lead = make_lead(org, stage=before[1][0])
    rows = [(key, name, i, False) for i, (key, name) in enumerate(before, start=1)]
    rows[0] = (before[0][0], "First call", 3, False)  # renamed, moved after the second
    rows[2] = (before[2][0], before[2][1], 2, True)  # retired
    response = client.post(
        reverse("pipeline:stages"), stages_post(org, rows, extra=[("towing", "Towing", 1)])
    )
    assert response.status_code == 302
    after = active_stages(org)
    assert after[:3] == [("towing", "Towing"), before[1], (before[0][0], "First call")]
    assert before[2] not in after and len(after) == len(before)
    with tenant_scope(org):
        assert Lead.objects.get(pk=lead.pk).stage.key == before[1][0]  # the lead stayed


@pytest.mark.parametrize(
    "change, message",
    [
        ({"stages-0-name": ""}, "Give the stage a name."),
        ({"stages-5-key": "Bad Key", "stages-5-name": "X"}, "Lower-case letters"),
        ({"stages-5-key": "inquiry", "stages-5-name": "Again"}, "appears twice"),
        ({"stages-5-name": "No key"}, "Give the new stage a key."),
        ({"stages-0-position": "0"}, "greater than or equal to 1"),
    ],
)
def test_the_stages_page_shows_what_is_wrong_and_changes_nothing(web, org, change, message):
    client = web("owner")
    before = active_stages(org)
    rows = [(key, name, i, False) for i, (key, name) in enumerate(before, start=1)]
    data = stages_post(org, rows, extra=[("", "", 6)]) | change
    response = client.post(reverse("pipeline:stages"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert active_stages(org) == before


def test_a_stage_with_open_leads_cannot_be_retired_from_the_page(web, org):
    client = web("owner")
    before = active_stages(org)
    make_lead(org, stage=before[0][0])
    rows = [(key, name, i, i == 1) for i, (key, name) in enumerate(before, start=1)]
    response = client.post(reverse("pipeline:stages"), stages_post(org, rows), follow=True)
    assert "open lead" in response.content.decode()
    assert active_stages(org) == before


def test_only_roles_that_manage_stages_open_the_page(web):
    assert web("sales").get(reverse("pipeline:stages")).status_code == 403
    assert web("advisor").post(reverse("pipeline:stages"), {}).status_code == 403


def test_merging_customers_moves_their_pipeline(org):
    survivor, duplicate = make_customer(org), make_customer(org)
    lead = make_lead(org, customer=duplicate)
    item = log(org, customer=duplicate)
    with tenant_scope(org):
        customer_merge(org=org, actor=system(org), survivor=survivor, duplicate=duplicate)
        assert Lead.objects.get(pk=lead.pk).customer_id == survivor.pk
        assert Interaction.objects.get(pk=item.pk).customer_id == survivor.pk
        assert Customer.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk


def test_the_board_links_a_full_column_to_its_open_leads(web, org):
    for i in range(26):
        make_lead(org, title=f"Lead {i}")
    client = web()
    html = client.get(reverse("pipeline:leads")).content.decode()
    assert "?stage=inquiry&amp;status=open" in html
    make_lead(org, title="Closed one")
    with tenant_scope(org):
        Lead.objects.filter(title="Closed one").update(
            status="disqualified", disqualification_reason="budget"
        )
    listed = client.get(reverse("pipeline:lead_list"), {"stage": "inquiry", "status": "open"})
    assert (
        "Closed one" not in listed.content.decode() and "Next page" not in listed.content.decode()
    )
