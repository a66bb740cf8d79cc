"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

One browser and one context for the whole session (a new page per test, cookies
cleared); every page a test opens is watched, and the test fails on any console error,
uncaught exception or Content-Security-Policy violation. Never ``playwright install``:
the browser is ``/usr/bin/chromium`` (apt package ``chromium``), or ``FRONTDESK_CHROMIUM``.

Helpers: the ``login_as(page, membership)`` fixture puts a logged-in session in the browser without
going through the form (fast); ``visit(page, path)`` opens a path and checks the status.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.test import Client

from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY

# Playwright's sync API keeps an asyncio loop running in this thread; Django's ORM calls
# made by the test itself would otherwise raise SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("FRONTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("FRONTDESK_SCREENSHOTS", "")  # a directory: save screenshots there

# Reported by the page itself, so they cannot be missed in the console noise.
WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: apt-get install chromium (or set FRONTDESK_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(5000)
    context.add_init_script(WATCH_CSP)
    yield context
    context.close()


@pytest.fixture
def page(browser_context, live_server) -> Iterator:
    """A fresh page with no cookies; fails the test on console errors and page errors."""
    browser_context.clear_cookies()
    page = browser_context.new_page()
    problems: list[str] = []
    expected_failures: set[str] = set()  # documents visit() was told answer an error

    def on_console(msg) -> None:
        if msg.type not in ("error", "warning"):
            return
        if msg.text.startswith("Failed to load resource") and (
            msg.location.get("url") in expected_failures
        ):
            return
        if msg.text.startswith("htmx:sendAbort"):
            # hx-sync="…:replace" (search-as-you-type) aborts a request a newer keystroke
            # superseded, by design; htmx logs the abort as two console errors, an
            # afterRequest just before the sendAbort. Only that pair is forgiven: an
            # afterRequest followed by a sendError or a timeout still fails the test.
            if problems and problems[-1].startswith("console error: htmx:afterRequest"):
                problems.pop()
            return
        problems.append(f"console {msg.type}: {msg.text} ({page.url})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc} ({page.url})"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.problems = problems
    page.expected_failures = expected_failures
    page.base_url = live_server.url
    yield page
    page.close()
    assert not problems, "the browser reported:\n" + "\n".join(problems)


@pytest.fixture
def login_as(live_server):
    """``login_as(page, membership)`` gives the browser a session of ``membership`` (the
    login form has tests of its own)."""

    def login(page, membership) -> None:
        client = Client()
        client.force_login(membership.user)
        session = client.session
        session[SESSION_MEMBERSHIP_KEY] = str(membership.pk)
        session.save()
        page.context.add_cookies(
            [{"name": "sessionid", "value": session.session_key, "url": live_server.url}]
        )

    return login


def visit(page, path: str, status: int = 200):
    """Open ``path`` and check the answer's status (an error status is then not reported
    as a console error)."""
    if status >= 400:
        page.expected_failures.add(page.base_url + path)
    response = page.goto(path)
    assert response is not None and response.status == status, (path, response and response.status)
    return response


def screenshot(page, name: str) -> None:
    """Save ``frontdesk-<name>.png`` when FRONTDESK_SCREENSHOTS names a directory (to look
    at the pages, e.g. ``FRONTDESK_SCREENSHOTS=/tmp pytest tests/browser``)."""
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"frontdesk-{name}.png"), full_page=True)
