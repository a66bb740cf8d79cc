"""The demo business: "Demo Auto Care". Each domain adds its data with ``@demo_step``;
steps run in order, inside the organization scope, as the system actor."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.choices import Role
from frontdesk.organizations.models import Membership, Organization
from frontdesk.organizations.services import organization_create, staff_add, token_create

DEMO_SLUG = "demo-auto-care"
DEMO_DOMAIN = "demo-auto.example"
CREDENTIALS_FILE = "demo-credentials.json"


@dataclass
class DemoContext:
    org: Organization
    actor: Actor
    staff: dict[str, Membership] = field(default_factory=dict)
    data: dict = field(default_factory=dict)


class DemoExists(ValueError):
    def __init__(self, slug: str):
        super().__init__(f"The demo business exists already (organization {slug!r}).")
        self.slug = slug


DemoStep = Callable[[DemoContext], None]
DEMO_STEPS: list[DemoStep] = []


def demo_step(func: DemoStep) -> DemoStep:
    DEMO_STEPS.append(func)
    return func


STAFF = [
    (Role.OWNER, "Olivia Owens"),
    (Role.MANAGER, "Marcus Reed"),
    (Role.ADVISOR, "Ava Patel"),
    (Role.CASHIER, "Carlos Diaz"),
    (Role.MARKETING, "Mia Chen"),
    (Role.SALES, "Sam Brooks"),
]


def demo_create(*, slug: str = DEMO_SLUG) -> dict:
    """Create the demo organization, its staff (one per role), a token and every
    domain's demo data. Returns the credentials, also kept in the data directory."""
    if Organization.objects.filter(slug=slug).exists():
        raise DemoExists(slug)
    domain = DEMO_DOMAIN if slug == DEMO_SLUG else f"{slug}.example"
    credentials: dict = {"organization": slug, "users": [], "token": None}
    with transaction.atomic():
        org = organization_create(
            name="Demo Auto Care",
            slug=slug,
            time_zone="America/Chicago",
            currency="USD",
            country="US",
        )
        actor = Actor.system(org_id=org.pk, label="demo")
        with tenant_scope(org):
            ctx = DemoContext(org=org, actor=actor)
            for role, name in STAFF:
                email = f"{role.value}@{domain}"
                password = f"{role.value}-{secrets.token_hex(4)}"
                ctx.staff[role.value] = staff_add(
                    org=org,
                    actor=actor,
                    email=email,
                    role=role,
                    full_name=name,
                    password=password,
                    is_advisor=role == Role.ADVISOR,
                )
                credentials["users"].append(
                    {"role": role.value, "email": email, "password": password}
                )
            _, raw = token_create(
                org=org, actor=actor, membership=ctx.staff["owner"], name="Demo integration"
            )
            credentials["token"] = raw
            for step in DEMO_STEPS:
                step(ctx)
    path = settings.DATA_DIR / CREDENTIALS_FILE
    path.write_text(json.dumps(credentials, indent=2))
    path.chmod(0o600)
    return credentials


def demo_credentials() -> dict | None:
    path = settings.DATA_DIR / CREDENTIALS_FILE
    return json.loads(path.read_text()) if path.exists() else None


def credentials_text(credentials: dict, base_url: str = "http://127.0.0.1:8000") -> str:
    lines = [f"Demo Auto Care is ready at {base_url}/", "", "Log in as:"]
    for user in credentials["users"]:
        lines.append(f"  {user['role']:<10} {user['email']:<32} password: {user['password']}")
    lines += [
        "",
        "API token (owner):",
        f"  {credentials['token']}",
        "",
        f"  curl -H 'Authorization: Bearer {credentials['token']}' {base_url}/api/crm/me",
    ]
    return "\n".join(lines)
