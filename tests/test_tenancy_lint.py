"""Unscoped access to tenant data appears only where it is allowed (CONVENTIONS habit 4):
migrations, the admin, authentication, operator commands and job sweeps.

Like Polar's ``org_scope`` linter: a new ``operator_scope()`` in a service or a view fails
here, so the only way to reach across organizations is a reviewed change of the list below.
"""

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "frontdesk"

# glob (relative to the repository) -> why unscoped access is allowed there
ALLOWED = {
    "frontdesk/core/tenancy.py": "defines operator_scope",
    "frontdesk/organizations/auth.py": "finds the credential's organization, before one is known",
    "frontdesk/events/tasks.py": "job sweep over every organization's outbox",
    "frontdesk/integrations/webhooks/tasks.py": "job sweep over every organization's due webhook deliveries",
    "frontdesk/scheduling/tasks.py": "reminder tick over every organization's appointments",
    "frontdesk/*/migrations/*.py": "migrations",
    "frontdesk/*/admin.py": "the operator's admin",
    "frontdesk/*/management/commands/*.py": "operator commands",
    "frontdesk/*/tests/*.py": "tests asserting isolation from outside",
}

UNSCOPED = re.compile(
    r"\b(?:operator_scope|scopes_disabled|with_scopes_disabled)\("
    r"|\bfrom\s+django_scopes\s+import\s+[^\n]*\b(?:scope|scopes_disabled)\b"
    r"|\._base_manager\b"
)


def unscoped_uses(source: str) -> list[tuple[int, str]]:
    """(line number, line) of every unscoped access in ``source``."""
    return [
        (number, line.strip())
        for number, line in enumerate(source.splitlines(), start=1)
        if UNSCOPED.search(line) and not line.lstrip().startswith("#")
    ]


def is_allowed(relative: str) -> bool:
    return any(fnmatch(relative, pattern) for pattern in ALLOWED)


def test_unscoped_access_appears_only_in_allowed_files():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if is_allowed(relative):
            continue
        for number, line in unscoped_uses(path.read_text()):
            offenders.append(f"{relative}:{number}: {line}")
    assert not offenders, "unscoped tenant access outside the allow-list:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "line",
    [
        "    with operator_scope():",
        "with scopes_disabled():",
        "@with_scopes_disabled()",
        "from django_scopes import scope, scopes_disabled",
        "from django_scopes import scope",
        "Customer._base_manager.filter(pk=pk)",
    ],
)
def test_the_lint_catches_each_way_around_the_scope(line):
    assert unscoped_uses(f"x = 1\n{line}\n") == [(2, line.strip())]


@pytest.mark.parametrize(
    "line",
    [
        "with tenant_scope(org):",
        "from django_scopes import ScopedManager",
        "# operator_scope() is allowed in commands",
        "current_org_id()",
    ],
)
def test_the_lint_lets_scoped_code_through(line):
    assert unscoped_uses(line) == []


@pytest.mark.parametrize(
    ("relative", "allowed"),
    [
        ("frontdesk/customers/services.py", False),
        ("frontdesk/customers/api.py", False),
        ("frontdesk/core/testing.py", False),
        ("frontdesk/organizations/auth.py", True),
        ("frontdesk/customers/migrations/0002_backfill.py", True),
        ("frontdesk/core/management/commands/createorg.py", True),
    ],
)
def test_the_allow_list_is_narrow(relative, allowed):
    assert is_allowed(relative) == allowed
