"""The one role → permission table. Roles appear nowhere else in the code.

Endpoints and pages name the permission they need (``api_permission("audit.view")``,
``PagePermissionMixin.permission``); ``tests/test_role_matrix.py`` checks every cell.
An assistant token (SPEC section 1) gets its membership's permissions limited to
``ASSISTANT_PERMISSIONS``: it may read, log and draft, never send, approve or confirm.
"""

from frontdesk.organizations.choices import Role

OW, M, A, C, MK, S = (
    Role.OWNER,
    Role.MANAGER,
    Role.ADVISOR,
    Role.CASHIER,
    Role.MARKETING,
    Role.SALES,
)
ALL = (OW, M, A, C, MK, S)

# permission -> (description, roles that hold it)
PERMISSIONS: dict[str, tuple[str, tuple[Role, ...]]] = {
    # platform
    "dashboard.view": ("See the dashboard", ALL),
    "organization.view": ("See the organization's profile", ALL),
    "organization.manage": ("Change organization settings", (OW,)),
    "settings.manage": ("Change pipeline stages, rates and day-to-day settings", (OW, M)),
    "staff.view": ("See staff and roles", (OW, M)),
    "staff.manage": ("Add staff, change roles, deactivate", (OW,)),
    "tokens.own": ("Create and revoke one's own API tokens", ALL),
    "tokens.manage": ("See and revoke every API token", (OW,)),
    "audit.view": ("Read the audit trail", (OW, M)),
    # customers, companies, vehicles
    "customers.view": ("See customers, companies and vehicles", ALL),
    "customers.create": ("Create customers", (OW, M, A, C, S)),
    "customers.edit": ("Edit customer profiles, companies, vehicles", (OW, M, A)),
    "customers.archive": ("Archive and restore customers", (OW, M)),
    "customers.merge": ("Merge duplicate customers", (OW, M)),
    "customers.import": ("Import customers", (OW, M)),
    "customers.export": ("Export personal data", (OW, M)),
    "consent.view": ("Read customers' consent", (OW, M, A, MK)),
    # pipeline
    "leads.view": ("See leads, opportunities and inquiries", (OW, M, A, S)),
    "leads.edit": ("Create and work leads", (OW, M, A, S)),
    "opportunities.confirm": ("Confirm won opportunities", (OW, M)),
    "interactions.view": ("See interactions and follow-ups", (OW, M, A, C, S)),
    "interactions.log": ("Log interactions and follow-ups", (OW, M, A, C, S)),
    "reports.view": ("See reports", (OW, M, S, MK)),
    # scheduling
    "appointments.view": ("See the calendar and jobs", (OW, M, A, C, S)),
    "appointments.manage": ("Book, move and cancel appointments; manage jobs", (OW, M, A)),
    # money
    "billing.view": ("See quotes, invoices, payments and ledgers", (OW, M, A, C)),
    "billing.manage": ("Issue quotes and invoices, take payments", (OW, M, C)),
    "catalog.manage": ("Change the service catalog, plans and rates", (OW, M)),
    "memberships.assign": ("Assign and cancel memberships", (OW, M, A, C)),
    "loyalty.adjust": ("Add and redeem loyalty points", (OW, M, C)),
    # messaging
    "messages.view": ("See messages and the outbox", (OW, M, A, C, MK, S)),
    "messages.draft": ("Draft messages", ALL),
    "messages.send": ("Send one's own messages", (OW, M, A, C, S)),
    "messages.review": (
        "Open the approval queue (approving needs one of the next two)",
        (OW, M, MK),
    ),
    "messages.approve": ("Approve or reject queued messages", (OW, M)),
    "messages.approve_campaign": ("Approve campaign messages", (OW, M, MK)),
    "messaging.settings": ("Change messaging settings and templates", (OW, M)),
    "notifications.view": ("Receive staff notifications", ALL),
    # outreach
    "outreach.view": ("See newsletter, segments, campaigns, surveys", (OW, M, MK)),
    "outreach.manage": ("Run newsletter, segments, campaigns, surveys", (OW, M, MK)),
    "automation.manage": ("Change automation rules", (OW, M)),
    # privacy and integrations
    "privacy.export": ("Export a person's data", (OW, M)),
    "privacy.erase": ("Erase a person", (OW,)),
    "webhooks.manage": ("Manage webhooks", (OW, M)),
    "integrations.manage": ("Accounting sync and integrations", (OW, M)),
    "telephony.calls": ("Report calls as the telephony provider (integration token)", (OW, M)),
}

ASSISTANT_PERMISSIONS = frozenset(
    {name for name in PERMISSIONS if name.endswith(".view")}
    | {"interactions.log", "leads.edit", "customers.create", "messages.draft"}
) - {"staff.view", "audit.view"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    role.value: frozenset(name for name, (_, roles) in PERMISSIONS.items() if role in roles)
    for role in Role
}


def permissions_for(role: str, *, assistant: bool = False) -> frozenset[str]:
    perms = ROLE_PERMISSIONS.get(role, frozenset())
    return perms & ASSISTANT_PERMISSIONS if assistant else perms


def is_known_permission(name: str) -> bool:
    return name in PERMISSIONS


def permission_matrix_markdown() -> str:
    """The matrix as a Markdown table (for docs/platform.md):
    ``python -m frontdesk.organizations.roles``."""
    roles = list(Role)
    header = (
        "| permission | what it allows | " + " | ".join(r.value for r in roles) + " | assistant |"
    )
    lines = [header, "|" + "---|" * (len(roles) + 3)]
    for name, (description, holders) in PERMISSIONS.items():
        cells = ["✓" if role in holders else "" for role in roles]
        assistant = "✓" if name in ASSISTANT_PERMISSIONS else ""
        lines.append(f"| `{name}` | {description} | " + " | ".join(cells) + f" | {assistant} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(permission_matrix_markdown())
