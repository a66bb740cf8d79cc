"""The dashboard: the sections of SPEC section 6, filled by domains through a registry."""

import pytest
from django.test import Client
from django.urls import reverse

from frontdesk.core import dashboard
from frontdesk.core.dashboard import dashboard_section
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY
from frontdesk.organizations.models import Membership

DASHBOARD = reverse("core:dashboard")


@pytest.fixture(autouse=True)
def registry():
    """Each test registers what it needs; the registry is restored afterwards."""
    sections, providers = dict(dashboard.SECTIONS), dict(dashboard.PROVIDERS)
    yield
    dashboard.SECTIONS.clear()
    dashboard.SECTIONS.update(sections)
    dashboard.PROVIDERS.clear()
    dashboard.PROVIDERS.update(providers)


def page_of(membership) -> str:
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = str(membership.pk)
    session.save()
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_sees_a_placeholder_for_every_section_of_the_spec(members):
    dashboard.PROVIDERS.clear()  # as before any domain fills one (restored afterwards)
    page = page_of(members["owner"])
    for title in (
        "Today&#x27;s appointments",
        "Today&#x27;s follow-ups",
        "Stale leads",
        "Approval queue",
        "New inquiries",
    ):
        assert title in page
    assert "Appointments show here once the calendar is in use." in page


def test_each_role_sees_only_the_sections_it_may_read(members):
    cashier = page_of(members["cashier"])
    assert "Today&#x27;s appointments" in cashier
    assert "Stale leads" not in cashier and "Approval queue" not in cashier
    marketing = page_of(members["marketing"])
    assert 'class="fd-section-title"' in marketing
    assert "Today&#x27;s appointments" not in marketing
    assert "no dashboard sections yet" in marketing


def test_a_domain_fills_a_section_inside_the_organizations_scope(members):
    @dashboard_section("stale_leads")
    def stale(request):
        # a scoped query: raises without the organization's scope
        count = Membership.objects.count()
        return "partials/_dashboard_list.html", {
            "rows": [{"label": f"{count} members checked", "url": "/leads/1", "meta": "5 days"}],
            "more_url": "/leads/",
        }

    page = page_of(members["manager"])
    assert '<a href="/leads/1">6 members checked</a>' in page
    assert "Leads without a touch" not in page  # the placeholder is gone


def test_a_domain_adds_a_section_the_spec_does_not_name(members):
    @dashboard_section("till", title="Cash in the till", permission="billing.manage", order=5)
    def till(request):
        return "partials/_dashboard_list.html", {"rows": [], "empty": "The till is empty."}

    assert "The till is empty." in page_of(members["cashier"])
    assert "Cash in the till" not in page_of(members["advisor"])
    # it comes first: order 5
    page = page_of(members["owner"])
    assert page.index("Cash in the till") < page.index("Today&#x27;s appointments")


def test_a_new_section_needs_a_title_and_a_known_permission():
    with pytest.raises(ValueError, match="title"):
        dashboard_section("mystery")
    with pytest.raises(ValueError, match="permission"):
        dashboard_section("mystery", title="Mystery", permission="mystery.view")
