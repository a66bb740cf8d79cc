"""The role → permission table, cell by cell, and its enforcement on every API operation.

The expected table is written out here on purpose: a change to
``frontdesk/organizations/roles.py`` that is not mirrored below fails, so every change
of who may do what is a reviewed change of this file too.
"""

import uuid
from itertools import product

import pytest

from frontdesk.core.testing import api_operations
from frontdesk.organizations.choices import Role
from frontdesk.organizations.roles import PERMISSIONS, permissions_for

EXPECTED: dict[str, set[str]] = {
    "owner": {
        "dashboard.view", "organization.view", "organization.manage", "settings.manage",
        "staff.view", "staff.manage", "tokens.own", "tokens.manage", "audit.view",
        "customers.view", "customers.create", "customers.edit", "customers.archive",
        "customers.merge", "customers.import", "customers.export", "consent.view",
        "leads.view", "leads.edit", "opportunities.confirm", "interactions.view",
        "interactions.log", "reports.view",
        "appointments.view", "appointments.manage",
        "billing.view", "billing.manage", "catalog.manage", "memberships.assign",
        "loyalty.adjust",
        "messages.view", "messages.draft", "messages.send", "messages.review",
        "messages.approve", "messages.approve_campaign", "messaging.settings",
        "notifications.view",
        "outreach.view", "outreach.manage", "automation.manage",
        "privacy.export", "privacy.erase", "webhooks.manage", "integrations.manage",
        "telephony.calls",
    },
    "manager": {
        "dashboard.view", "organization.view", "settings.manage",
        "staff.view", "tokens.own", "audit.view",
        "customers.view", "customers.create", "customers.edit", "customers.archive",
        "customers.merge", "customers.import", "customers.export", "consent.view",
        "leads.view", "leads.edit", "opportunities.confirm", "interactions.view",
        "interactions.log", "reports.view",
        "appointments.view", "appointments.manage",
        "billing.view", "billing.manage", "catalog.manage", "memberships.assign",
        "loyalty.adjust",
        "messages.view", "messages.draft", "messages.send", "messages.review",
        "messages.approve", "messages.approve_campaign", "messaging.settings",
        "notifications.view",
        "outreach.view", "outreach.manage", "automation.manage",
        "privacy.export", "webhooks.manage", "integrations.manage", "telephony.calls",
    },
    "advisor": {
        "dashboard.view", "organization.view", "tokens.own",
        "customers.view", "customers.create", "customers.edit", "consent.view",
        "leads.view", "leads.edit", "interactions.view", "interactions.log",
        "appointments.view", "appointments.manage",
        "billing.view", "memberships.assign",
        "messages.view", "messages.draft", "messages.send", "notifications.view",
    },
    "cashier": {
        "dashboard.view", "organization.view", "tokens.own",
        "customers.view", "customers.create",
        "interactions.view", "interactions.log",
        "appointments.view",
        "billing.view", "billing.manage", "memberships.assign", "loyalty.adjust",
        "messages.view", "messages.draft", "messages.send", "notifications.view",
    },
    "marketing": {
        "dashboard.view", "organization.view", "tokens.own",
        "customers.view", "consent.view", "reports.view",
        "messages.view", "messages.draft", "messages.review", "messages.approve_campaign",
        "notifications.view",
        "outreach.view", "outreach.manage",
    },
    "sales": {
        "dashboard.view", "organization.view", "tokens.own",
        "customers.view", "customers.create",
        "leads.view", "leads.edit", "interactions.view", "interactions.log", "reports.view",
        "appointments.view",
        "messages.view", "messages.draft", "messages.send", "notifications.view",
    },
}  # fmt: skip

# What an AI-assistant token may ever hold (intersected with its member's role): read,
# log and draft (SPEC section 1).
EXPECTED_ASSISTANT: set[str] = {
    "dashboard.view", "organization.view", "customers.view", "customers.create",
    "consent.view", "leads.view", "leads.edit", "interactions.view", "interactions.log",
    "reports.view", "appointments.view", "billing.view", "messages.view", "messages.draft",
    "notifications.view", "outreach.view",
}  # fmt: skip

# Never for an assistant token, whatever its member's role (SPEC section 1 and rule 6).
NEVER_FOR_ASSISTANT = {
    "messages.send", "messages.review", "messages.approve", "messages.approve_campaign",
    "opportunities.confirm", "privacy.erase", "privacy.export", "customers.export",
    "customers.merge", "customers.archive", "customers.import", "customers.edit",
    "billing.manage", "loyalty.adjust", "memberships.assign", "tokens.own", "staff.view",
    "audit.view", "telephony.calls",
} | {name for name in PERMISSIONS if name.endswith(".manage")}  # fmt: skip

ROLES = [role.value for role in Role]
CELLS = list(product(ROLES, sorted(PERMISSIONS)))


def test_the_expected_table_covers_every_role_and_permission():
    assert set(EXPECTED) == set(ROLES)
    # the owner holds everything, so a permission missing here is a new, unreviewed one
    assert EXPECTED["owner"] == set(PERMISSIONS)
    assert set().union(*EXPECTED.values()) | EXPECTED_ASSISTANT <= set(PERMISSIONS)


@pytest.mark.parametrize(("role", "permission"), CELLS, ids=[f"{r}-{p}" for r, p in CELLS])
def test_each_cell_of_the_role_table_is_as_expected(role, permission):
    assert (permission in permissions_for(role)) == (permission in EXPECTED[role])


@pytest.mark.parametrize(("role", "permission"), CELLS, ids=[f"{r}-{p}" for r, p in CELLS])
def test_each_cell_of_the_assistant_table_is_as_expected(role, permission):
    expected = permission in EXPECTED[role] and permission in EXPECTED_ASSISTANT
    assert (permission in permissions_for(role, assistant=True)) == expected


@pytest.mark.parametrize("role", ROLES)
def test_an_assistant_token_never_sends_approves_confirms_or_manages(role):
    assert not permissions_for(role, assistant=True) & NEVER_FOR_ASSISTANT


def test_an_unknown_role_holds_nothing():
    assert permissions_for("janitor") == frozenset()
    assert permissions_for("janitor", assistant=True) == frozenset()


def test_a_manager_runs_the_business_but_not_its_settings_staff_or_erasure():
    only_owner = EXPECTED["owner"] - EXPECTED["manager"]
    assert only_owner == {"organization.manage", "staff.manage", "tokens.manage", "privacy.erase"}


def test_marketing_reads_consent_but_never_edits_profiles_or_leads():
    assert "consent.view" in permissions_for("marketing")
    assert not permissions_for("marketing") & {"customers.create", "customers.edit", "leads.edit"}


def test_sales_works_leads_but_never_edits_profiles_or_subscribers():
    assert {"leads.edit", "interactions.log"} <= permissions_for("sales")
    assert not permissions_for("sales") & {"customers.edit", "outreach.manage"}


def test_only_owners_and_managers_approve_messages_and_confirm_won_deals():
    for permission in ("messages.approve", "opportunities.confirm"):
        assert {r for r in ROLES if permission in permissions_for(r)} == {"owner", "manager"}


# --- enforcement over HTTP -----------------------------------------------------------------
GUARDED = [op for op in api_operations() if op.permission]
PRINCIPALS = [(role, assistant) for role in ROLES for assistant in (False, True)]


def test_every_operation_outside_public_declares_a_permission():
    unguarded = [str(op) for op in api_operations() if not op.permission]
    assert all(path.split(" ")[1].startswith("/api/public/") for path in unguarded), unguarded


@pytest.mark.parametrize("op", GUARDED, ids=str)
def test_each_role_is_refused_an_operation_exactly_when_it_lacks_the_permission(op, api_as):
    """403 comes before the body is validated (ninja runs auth first), so an empty body
    is enough: a role lacking the permission gets 403 naming it, one holding it never
    gets that 403 (nor a 401)."""
    url = op.url(**{name: uuid.uuid4() for name in op.path_params})
    body = {} if op.has_body else None
    wrong = []
    for role, assistant in PRINCIPALS:
        expected = EXPECTED[role] & EXPECTED_ASSISTANT if assistant else EXPECTED[role]
        response = api_as(role, assistant=assistant).request(op.method, url, body)
        refused = response.status_code == 403 and response.json().get("permission") == op.permission
        if refused == (op.permission in expected) or response.status_code == 401:
            who = f"{role}{' assistant' if assistant else ''}"
            wrong.append(f"{who}: {response.status_code} {response.content[:120]!r}")
    assert not wrong, f"{op} needs {op.permission}: {wrong}"


def test_the_permission_is_checked_before_the_body_is_validated(api_as):
    assert api_as("advisor").post("/staff", {}).status_code == 403
    assert api_as("owner").post("/staff", {}).status_code == 422
