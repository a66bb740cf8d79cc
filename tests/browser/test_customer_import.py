"""The customer import wizard in a real browser: upload, check, run, revert."""

import pytest
from playwright.sync_api import expect

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer

from .conftest import screenshot, visit

pytestmark = pytest.mark.browser

CSV = (
    "First Name,Last Name,Mobile,E-mail\n"
    "John,Smith,+1 512 555 0142,john@example.com\n"
    "Bad,Phone,12,bad@example.com\n"
    "Ann,Lee,(512) 555-0143,ann@example.com\n"
)


def test_the_owner_checks_runs_and_reverts_an_import(page, members, login_as, org, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CSV)
    login_as(page, members["owner"])
    visit(page, "/customers/import/")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Completed")
    expect(page.get_by_test_id("created")).to_have_text("2")
    expect(page.get_by_role("table", name="Rows not imported")).to_contain_text("mobile_phone")
    expect(page.get_by_label("Field for Mobile")).to_have_value("mobile_phone")
    with tenant_scope(org):
        assert not Customer.objects.exists()
    screenshot(page, "import-checked")

    page.get_by_role("button", name="Run the import").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Completed")
    expect(page.get_by_text("check only")).to_have_count(0)
    with tenant_scope(org):
        assert Customer.objects.filter(status="active").count() == 2

    page.get_by_role("button", name="Revert this import").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Reverted")
    with tenant_scope(org):
        assert not Customer.objects.filter(status="active").exists()
