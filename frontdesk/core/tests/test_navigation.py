"""The navigation: every page of SPEC section 6 declared once, shown when it exists and
the role may open it."""

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from frontdesk.core import navigation
from frontdesk.core.actor import Actor
from frontdesk.core.navigation import GROUPS, NAVIGATION, NavEntry, navigation_for, register_nav
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY
from frontdesk.organizations.roles import is_known_permission, permissions_for


def customer_list(request):
    return HttpResponse("customers")


# a URLconf in which the customers domain has landed
urlpatterns = [
    path("", include("frontdesk.urls")),
    path("customers/", include(([path("", customer_list, name="list")], "customers"))),
]


def actor(role: str) -> Actor:
    return Actor(kind="staff", role=role, permissions=permissions_for(role))


def labels(groups) -> list[str]:
    return [item["label"] for group in groups for item in group["items"]]


@pytest.fixture
def restore_navigation():
    saved = list(NAVIGATION)
    yield
    NAVIGATION[:] = saved
    navigation._url_of.cache_clear()


def test_every_entry_names_a_known_permission_and_group():
    for entry in NAVIGATION:
        assert is_known_permission(entry.permission), entry
        assert entry.group in GROUPS, entry
    assert len({e.label for e in NAVIGATION}) == len(NAVIGATION)


def test_pages_that_have_not_landed_are_not_shown():
    shown = labels(navigation_for(actor("owner"), "/"))
    assert "Campaigns" not in shown  # outreach has not landed
    assert "Invoices" in shown


def test_a_page_appears_when_its_url_exists(settings):
    settings.ROOT_URLCONF = __name__
    groups = navigation_for(actor("cashier"), "/customers/")
    assert "Customers" in labels(groups)
    customers = next(g for g in groups if g["label"] == "Customers")
    assert customers["items"][0] == {"label": "Customers", "url": "/customers/", "active": True}


def test_a_role_sees_only_entries_it_holds_the_permission_for():
    owner = labels(navigation_for(actor("owner"), "/"))
    sales = labels(navigation_for(actor("sales"), "/"))
    assert {"Staff and roles", "Audit trail", "API tokens"} <= set(owner)
    assert "Staff and roles" not in sales and "Audit trail" not in sales
    assert "API tokens" in sales


def test_groups_come_in_their_order_with_the_dashboard_first():
    groups = navigation_for(actor("owner"), "/")
    assert groups[0]["label"] == "" and groups[0]["items"][0]["label"] == "Dashboard"
    assert [g["label"] for g in groups] == [g for g in GROUPS if g in {x["label"] for x in groups}]


def test_only_the_closest_entry_is_current():
    items = {
        i["label"]: i["active"]
        for g in navigation_for(actor("owner"), "/settings/staff/")
        for i in g["items"]
    }
    assert items["Staff and roles"] is True
    assert items["Organization"] is False and items["Dashboard"] is False


def test_a_domain_replaces_a_declared_entry_by_its_label(restore_navigation):
    register_nav(NavEntry("Audit trail", "organizations:tokens", "tokens.own", "Insights"))
    groups = navigation_for(actor("sales"), "/")
    assert "Audit trail" in labels(groups)
    assert sum(1 for e in NAVIGATION if e.label == "Audit trail") == 1


def test_a_domain_adds_an_entry_to_the_end_of_its_group(restore_navigation):
    register_nav(NavEntry("Bays", "organizations:staff", "staff.view", "Settings"))
    settings_group = next(
        g for g in navigation_for(actor("owner"), "/") if g["label"] == "Settings"
    )
    assert settings_group["items"][-1]["label"] == "Bays"


def test_the_layout_renders_the_navigation_as_links(members, settings):
    settings.ROOT_URLCONF = __name__
    client = Client()
    client.force_login(members["advisor"].user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = str(members["advisor"].pk)
    session.save()
    page = client.get(reverse("core:dashboard")).content.decode()
    assert '<nav id="fd-nav" class="fd-nav" aria-label="Main">' in page
    assert '<a href="/customers/">Customers</a>' in page
    assert '<a href="/" aria-current="page">Dashboard</a>' in page
