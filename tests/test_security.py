"""Security headers, cookie flags, templates the CSP can serve, and a clean
``manage.py check --deploy`` with production settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from ninja.conf import settings as ninja_settings

from frontdesk.core.middleware import client_ip
from frontdesk.organizations.tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def assert_security_headers(response):
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
    )
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_send_the_security_headers(members):
    client = Client()
    assert_security_headers(client.get(reverse("accounts:login")))
    client.post(
        reverse("accounts:login"), {"username": "owner@alpha.example", "password": PASSWORD}
    )
    assert_security_headers(client.get(reverse("core:dashboard")))
    assert_security_headers(client.get("/no/such/page"))


def test_the_api_sends_the_security_headers(api, anon_api):
    assert_security_headers(api.get("/me"))
    assert_security_headers(anon_api.get("/me"))
    assert_security_headers(anon_api.get("/no-such-endpoint"))


def test_the_session_cookie_is_httponly_and_samesite(members):
    response = Client().post(
        reverse("accounts:login"), {"username": "owner@alpha.example", "password": PASSWORD}
    )
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    csrf = Client().get(reverse("accounts:login")).cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"


TEMPLATES = sorted(ROOT.glob("frontdesk/**/templates/**/*.html"))
INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style", re.I), "a <style> element"),
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"\shx-on", re.I), "an hx-on handler (evaluated code)"),
]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_nothing_the_csp_would_block(template):
    text = template.read_text()
    for pattern, what in INLINE:
        assert not pattern.search(text), f"{template.name} has {what}"


def test_templates_link_no_outside_resources():
    for template in TEMPLATES:
        assert not re.search(r"""(src|href)=["']https?://""", template.read_text()), template


# --- client address behind proxies ------------------------------------------------------------
@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy: the header is the client's claim
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # our proxy appended the real one
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "", "10.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(proxies, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(PROXY_COUNT=proxies):
        assert client_ip(request) == expected


def test_login_throttling_and_api_limits_use_the_same_client_address():
    assert settings.AXES_CLIENT_IP_CALLABLE == "frontdesk.core.middleware.client_ip"
    assert ninja_settings.NUM_PROXIES == settings.PROXY_COUNT


# --- production settings --------------------------------------------------------------------
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FRONTDESK_", "DJANGO_", "DATABASE_URL", "STATICFILES"))
        and not k.endswith("_RATE_LIMIT")
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        DEBUG="0",
        ALLOWED_HOSTS="crm.example.com",
        FRONTDESK_SECURE="1",
        FRONTDESK_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="frontdesk.settings",
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_the_csp_built_once_is_what_django_csp_builds_and_follows_the_settings(api):
    """``core.middleware.CSPMiddleware`` caches the header; it must equal the library's
    own build, on API answers and pages, and change with the settings."""
    from csp.decorators import csp_update
    from csp.utils import build_policy

    assert api.get("/me")["Content-Security-Policy"] == build_policy()
    assert Client().get(reverse("accounts:login"))["Content-Security-Policy"] == build_policy()
    changed = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https://img.example"]}}
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=changed):
        response = api.get("/me")
        assert response["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
        assert "img.example" in response["Content-Security-Policy-Report-Only"]
    assert "Content-Security-Policy-Report-Only" not in api.get("/me")
    # a view that customises its policy gets the library's own header
    from frontdesk.core.middleware import CSPMiddleware

    view = csp_update({"img-src": ["https://cdn.example"]})(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/x")
    response = CSPMiddleware(view)(request)
    assert "https://cdn.example" in response["Content-Security-Policy"]
