"""The pipeline in a real browser: dragging a lead card to another stage (and the
keyboard move form), the lead page's actions, the win confirmation dialog, reports."""

import pytest
from playwright.sync_api import expect

from frontdesk.core.tenancy import tenant_scope
from frontdesk.pipeline.models import Lead, Opportunity
from frontdesk.pipeline.tests.factories import complete_customer, make_lead, make_opportunity

from .conftest import screenshot, visit

pytestmark = pytest.mark.browser


def stage_of(org, lead) -> str:
    with tenant_scope(org):
        return Lead.objects.select_related("stage").get(pk=lead.pk).stage.key


def test_dragging_a_card_to_another_column_moves_the_lead(page, members, login_as, org):
    lead = make_lead(org, title="Brake squeal")
    login_as(page, members["sales"])
    visit(page, "/pipeline/")
    card = page.locator(f"#lead-{lead.pk}")
    target = page.locator(".fd-kanban-column[data-stage='estimate_sent']")
    card.drag_to(target)
    expect(page.locator("#fd-board-message")).to_contain_text(
        f"{lead.number} moved to Estimate sent"
    )
    expect(target.locator(f"#lead-{lead.pk}")).to_be_visible()
    screenshot(page, "pipeline-board-drag")
    assert stage_of(org, lead) == "estimate_sent"
    page.reload()
    expect(target.locator(f"#lead-{lead.pk}")).to_be_visible()


def test_the_keyboard_move_form_moves_the_lead_too(page, members, login_as, org):
    lead = make_lead(org, title="Oil change")
    login_as(page, members["advisor"])
    visit(page, "/pipeline/")
    page.get_by_label(f"Move {lead.number} to").select_option("follow_up")
    page.locator(f"#lead-{lead.pk}").get_by_role("button", name="Move").click()
    expect(page.locator(".fd-kanban-column[data-stage='follow_up']")).to_contain_text("Oil change")
    assert stage_of(org, lead) == "follow_up"


def test_working_a_lead_from_its_page_to_a_won_opportunity(page, members, login_as, org):
    lead = make_lead(org, title="Timing belt", customer=complete_customer(org))
    login_as(page, members["manager"])
    visit(page, f"/pipeline/leads/{lead.pk}/")
    page.get_by_role("button", name="Qualify").click()
    expect(page.locator("#lead-status")).to_have_text("Qualified")
    page.get_by_role("button", name="Convert").click()
    expect(page.locator("#opportunity-stage")).to_have_text("Estimating")
    page.get_by_role("button", name="Mark won…").click()
    dialog = page.locator("#win-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("becomes a customer")
    screenshot(page, "pipeline-win-dialog")
    dialog.get_by_role("button", name="Confirm won").click()
    expect(page.locator("#opportunity-stage")).to_have_text("Won")
    with tenant_scope(org):
        assert Opportunity.objects.get(lead=lead).stage == "won"


def test_the_reports_page_renders_without_csp_violations(page, members, login_as, org):
    make_opportunity(org)
    login_as(page, members["owner"])
    visit(page, "/pipeline/reports/")
    expect(page.locator("#report-pipeline svg")).to_be_visible()
    screenshot(page, "pipeline-reports")


def test_the_stages_page_renames_and_adds_a_stage_by_keyboard(page, members, login_as, org):
    login_as(page, members["owner"])
    visit(page, "/pipeline/stages/")
    name = page.get_by_label("Name of stage inquiry")
    name.fill("First call")
    page.get_by_label("Key of new stage", exact=False).first.fill("towing")
    page.get_by_label("Name of new stage", exact=False).first.fill("Towing")
    screenshot(page, "pipeline-stages")
    page.get_by_role("button", name="Save stages").press("Enter")
    expect(page.get_by_text("Stages saved.")).to_be_visible()
    expect(page.get_by_label("Name of stage inquiry")).to_have_value("First call")
    expect(page.get_by_label("Name of stage towing")).to_have_value("Towing")
    visit(page, "/pipeline/")
    expect(page.locator(".fd-kanban-column[data-stage='towing']")).to_be_visible()
