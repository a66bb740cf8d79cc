"""Turning a request's credentials into an :class:`Actor` — the one place that reads
memberships and tokens across organizations (it runs before any organization is known).

Both paths re-read the membership on every request, so deactivating a staff member,
changing their role or revoking a token takes effect on their very next request.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.contrib.auth import logout
from django.http import HttpRequest
from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import operator_scope
from frontdesk.organizations.models import ApiToken, Membership
from frontdesk.organizations.roles import permissions_for

SESSION_MEMBERSHIP_KEY = "frontdesk_membership_id"
TOKEN_PREFIX = "fd_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def actor_for_membership(membership: Membership, *, token: ApiToken | None = None) -> Actor:
    assistant = bool(token and token.is_assistant)
    return Actor(
        kind="assistant" if assistant else "staff",
        org_id=membership.organization_id,
        user_id=membership.user_id,
        membership_id=membership.pk,
        token_id=token.pk if token else None,
        role=membership.role,
        label=membership.user.email + (f" via token {token.name}" if token else ""),
        permissions=permissions_for(membership.role, assistant=assistant),
        via="token" if token else "session",
    )


def _usable(membership: Membership | None) -> bool:
    return bool(
        membership
        and membership.is_active
        and membership.user.is_active
        and membership.organization.is_active
    )


def actor_from_bearer(raw: str) -> tuple[Actor | None, object]:
    """Return (actor, organization) for a bearer token, or (None, None)."""
    with operator_scope():
        token = (
            ApiToken.objects.select_related("membership__user", "membership__organization")
            .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
            .first()
        )
        if token is None or not _usable(token.membership):
            return None, None
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return actor_for_membership(token.membership, token=token), token.membership.organization


def actor_from_session(request: HttpRequest) -> tuple[Actor | None, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None, None
    membership_id = request.session.get(SESSION_MEMBERSHIP_KEY)
    with operator_scope():
        qs = Membership.objects.select_related("user", "organization").filter(user=user)
        membership = (qs.filter(pk=membership_id).first() if membership_id else None) or qs.filter(
            is_active=True, organization__is_active=True
        ).first()
    if not _usable(membership):
        # deactivated, removed or organization closed: the session ends now
        logout(request)
        return None, None
    if str(membership.pk) != str(membership_id):
        request.session[SESSION_MEMBERSHIP_KEY] = str(membership.pk)
    return actor_for_membership(membership), membership.organization


def memberships_of(user) -> list[Membership]:
    with operator_scope():
        return list(
            Membership.objects.select_related("organization")
            .filter(user=user, is_active=True, organization__is_active=True)
            .order_by("organization__name")
        )
