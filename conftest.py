"""Fixtures for every test: two organizations, a member of every role in the first,
an owner in the second, and API clients holding their tokens."""

import pytest
from django.core.cache import caches

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import ApiClient, token_for
from frontdesk.customers import history, overview
from frontdesk.organizations.choices import Role
from frontdesk.organizations.tests.factories import OrganizationFactory, make_member

# the ledger's triggers refuse SQLite's flush: empty the ledger before it (money)
pytest_plugins = ["frontdesk.money.tests.flush"]

ROLES = [r.value for r in Role]


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Alpha Auto", slug="alpha")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(
        name="Bravo Body Shop",
        slug="bravo",
        time_zone="Europe/Berlin",
        currency="EUR",
        country="DE",
    )


@pytest.fixture
def members(org):
    """role -> Membership in ``org``."""
    return {role: make_member(org, role) for role in ROLES}


@pytest.fixture
def other_owner(other_org):
    return make_member(other_org, Role.OWNER)


@pytest.fixture
def api_as(members):
    """``api_as("cashier")`` → an ApiClient with a token of that role in ``org``."""
    cache = {}

    def make(role: str, *, assistant: bool = False) -> ApiClient:
        key = (role, assistant)
        if key not in cache:
            cache[key] = ApiClient(token_for(members[role], assistant=assistant))
        return cache[key]

    return make


@pytest.fixture
def api(api_as):
    """The owner's API client."""
    return api_as("owner")


@pytest.fixture
def other_api(other_owner):
    return ApiClient(token_for(other_owner))


@pytest.fixture
def anon_api():
    return ApiClient()


@pytest.fixture
def in_org(org):
    """Run ORM code inside ``org``'s scope: ``with in_org(): ...``."""
    return lambda o=None: tenant_scope(o or org)


@pytest.fixture(autouse=True)
def _isolated_process_state():
    """Each test starts from the registries the apps set up and with empty rate-limit
    counters (they live in process memory): a test that registers or unregisters an
    overview/history section, or spends a rate limit, cannot leak into the next one."""
    saved = dict(overview.SECTIONS), dict(history.SECTIONS)
    caches["throttle"].clear()
    yield
    overview.SECTIONS.clear()
    overview.SECTIONS.update(saved[0])
    history.SECTIONS.clear()
    history.SECTIONS.update(saved[1])
