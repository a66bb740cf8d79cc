"""The API docs page in a real browser: Swagger UI loads from our own static files under
the strict Content-Security-Policy, lists the operations and can call the API."""

import re

import pytest

from frontdesk.core.testing import token_for


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_docs_page_lists_the_operations_and_calls_the_api(page, members):
    token = token_for(members["owner"])
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(f"failed {request.url}"))

    page.goto(f"{page.base_url}/api/crm/docs")
    page.wait_for_selector(".opblock", timeout=30_000)  # a loaded CI machine is slow
    assert page.locator(".opblock").count() >= 10
    me = re.compile(r"^\s*/api/crm/me\s*$")  # not /api/crm/messages
    assert page.locator(".opblock-summary-path", has_text=me).count() == 1

    page.click("button.authorize")
    page.fill(".modal-ux input", token)
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.close-modal")
    page.locator(".opblock-summary", has=page.locator(".opblock-summary-path", has_text=me)).click()
    page.click("button.try-out__btn")
    page.click("button.execute")
    status = page.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for(timeout=5_000)
    assert status.inner_text().strip() == "200"
    assert "alpha" in page.locator(".live-responses-table .microlight").first.inner_text()
    assert failed == []
