"""The loyalty pages: the rewards catalog and program settings, the 360 section, and a
customer's points page adding and redeeming (CSRF-protected forms, permissions, 404 for
another organization's customer)."""

import pytest
from django.test import Client

from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.tests.factories import make_customer
from frontdesk.loyalty.models import Reward
from frontdesk.loyalty.program import LoyaltySettings
from frontdesk.loyalty.tests.factories import add_points, balance, make_reward
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY

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


def test_the_rewards_page_lists_rewards_and_the_program(web, org):
    make_reward(org, name="Free car wash", points_cost=300)
    page = web("sales").get("/loyalty/rewards/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Free car wash" in text
    assert "Add a reward" not in text  # sales may look, not change


def test_a_manager_adds_a_reward_and_changes_the_program(web, org):
    client = web("manager")
    added = client.post(
        "/loyalty/rewards/",
        {"form": "reward", "reward-name": "Interior detail", "reward-points_cost": "1200"},
    )
    assert added.status_code == 302
    changed = client.post(
        "/loyalty/rewards/",
        {
            "form": "settings",
            "settings-earn_rate": "2",
            "settings-point_value": "1",
            "settings-silver": "400",
            "settings-gold": "1500",
            "settings-platinum": "4000",
            "settings-expiry_days": "",
        },
    )
    assert changed.status_code == 302
    org.refresh_from_db()
    assert LoyaltySettings.of(org).earn_rate == 2
    assert LoyaltySettings.of(org).expiry_days is None
    with tenant_scope(org):
        assert Reward.objects.filter(name="Interior detail", points_cost=1200).exists()


def test_thresholds_that_do_not_rise_are_shown_as_an_error(web, org):
    response = web("owner").post(
        "/loyalty/rewards/",
        {"form": "settings", "settings-earn_rate": "1", "settings-point_value": "1",
         "settings-silver": "5000", "settings-gold": "1500", "settings-platinum": "4000"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "silver &lt; gold" in response.content.decode() or "silver < gold" in (
        response.content.decode()
    )


def test_a_cashier_cannot_change_the_program(web, org):
    response = web("cashier").post("/loyalty/rewards/", {"form": "settings"})
    assert response.status_code == 403


def test_the_360_shows_balance_and_tier(web, org):
    customer = make_customer(org, first_name="Ava")
    add_points(org, customer, 650)
    text = web("advisor").get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="section-loyalty"' in text
    assert ">650</strong>" in text
    assert "Silver" in text


def test_a_cashier_adds_and_redeems_points(web, org):
    customer = make_customer(org)
    reward = make_reward(org, name="Wash", points_cost=100)
    client = web("cashier")
    added = client.post(
        f"/loyalty/customers/{customer.pk}/add/", {"add-points": "150", "add-reason": "Goodwill"}
    )
    assert added.status_code == 302
    redeemed = client.post(
        f"/loyalty/customers/{customer.pk}/redeem/", {"redeem-reward": str(reward.pk)}
    )
    assert redeemed.status_code == 302
    assert balance(org, customer) == 50
    short = client.post(
        f"/loyalty/customers/{customer.pk}/redeem/", {"redeem-reward": str(reward.pk)}
    )
    assert short.status_code == 409
    assert "has 50 points" in short.content.decode()
    assert balance(org, customer) == 50


def test_adding_without_a_reason_is_422_and_adds_nothing(web, org):
    customer = make_customer(org)
    response = web("cashier").post(
        f"/loyalty/customers/{customer.pk}/add/", {"add-points": "150", "add-reason": ""}
    )
    assert response.status_code == 422
    assert balance(org, customer) == 0


def test_an_advisor_sees_points_but_cannot_add_them(web, org):
    customer = make_customer(org)
    client = web("advisor")
    page = client.get(f"/loyalty/customers/{customer.pk}/")
    assert page.status_code == 200
    assert 'id="points-add"' not in page.content.decode()
    response = client.post(
        f"/loyalty/customers/{customer.pk}/add/", {"add-points": "5", "add-reason": "x"}
    )
    assert response.status_code == 403
    assert balance(org, customer) == 0


def test_another_organizations_customer_is_404(web, other_org):
    stranger = make_customer(other_org)
    assert web("owner").get(f"/loyalty/customers/{stranger.pk}/").status_code == 404
    response = web("owner").post(
        f"/loyalty/customers/{stranger.pk}/add/", {"add-points": "5", "add-reason": "x"}
    )
    assert response.status_code == 404
    assert balance(other_org, stranger) == 0


def test_forms_need_csrf(members, org):
    customer = make_customer(org)
    client = Client(enforce_csrf_checks=True)
    client.force_login(members["owner"].user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = str(members["owner"].pk)
    session.save()
    response = client.post(
        f"/loyalty/customers/{customer.pk}/add/", {"add-points": "5", "add-reason": "x"}
    )
    assert response.status_code == 403
    assert balance(org, customer) == 0
