"""Turning a request's credentials into an :class:`Actor` — the one place that reads
memberships and tokens across organizations (it runs before any organization is known).

Both paths re-read the membership on every request, so deactivating a staff member,
changing their role or revoking a token takes effect on their very next request.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from types import SimpleNamespace

from django.contrib.auth import logout
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import operator_scope
from frontdesk.organizations.models import ApiToken, Membership, Organization
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


class _Columns:
    """The concrete columns of one model in a hand-written join, and how to turn a slice
    of the result row back into an instance (the ORM's own converters, per database)."""

    def __init__(self, model, alias: str, only: tuple[str, ...] | None = None):
        self.model, self.alias, self.only = model, alias, only
        self.fields = [f for f in model._meta.concrete_fields if only is None or f.attname in only]
        self.attnames = [f.attname for f in self.fields]
        if only is not None and len(self.attnames) != len(only):
            raise ValueError(f"unknown columns of {model.__name__}: {only}")

    def select(self, ops) -> str:
        qn = ops.quote_name
        return ", ".join(f"{self.alias}.{qn(f.column)}" for f in self.fields)

    def readers(self, connection) -> list[tuple]:
        readers = []
        for f in self.fields:
            col = f.get_col(self.alias)
            readers.append(
                (col, connection.ops.get_db_converters(col) + f.get_db_converters(connection))
            )
        return readers

    def build(self, values, readers, connection):
        converted = []
        for value, (col, converters) in zip(values, readers, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            converted.append(value)
        if self.only is not None:  # the columns as attributes, ``pk`` too: read, never saved
            row = SimpleNamespace(**dict(zip(self.attnames, converted, strict=True)))
            row.pk = row.id
            return row
        return self.model.from_db(connection.alias, self.attnames, converted)


# Only the columns the actor is made of (and the usability checks read), as plain
# attributes: every column read costs its conversion on every API request (a timestamp
# about 5 µs) and a model instance ~15 µs. The token, membership and user are dropped
# once the actor is made; the organization becomes ``request.org``, a whole instance.
_TOKEN = _Columns(
    ApiToken, "t", only=("id", "membership_id", "name", "is_assistant", "last_used_at")
)
_MEMBERSHIP = _Columns(
    Membership, "m", only=("id", "organization_id", "user_id", "role", "is_active")
)
_USER = _Columns(
    Membership._meta.get_field("user").related_model, "u", only=("id", "email", "is_active")
)
_ORGANIZATION = _Columns(Organization, "o")
_JOINED = (_TOKEN, _MEMBERSHIP, _USER, _ORGANIZATION)
_token_queries: dict[str, tuple[str, list]] = {}


def _token_query(connection) -> tuple[str, list]:
    """The token → membership → user → organization join, written once per database from
    the models' own table and column names (no input in it: the hash is a parameter).
    Compiling the equivalent ``select_related`` queryset cost more than running it, on
    every API request."""
    if connection.alias not in _token_queries:
        qn = connection.ops.quote_name
        tables = {c.alias: qn(c.model._meta.db_table) for c in _JOINED}
        sql = (
            # identifiers from the models' metadata, the one value a parameter
            f"SELECT {', '.join(c.select(connection.ops) for c in _JOINED)} "  # noqa: S608
            f"FROM {tables['t']} t "
            f"JOIN {tables['m']} m ON m.{qn('id')} = t.{qn('membership_id')} "
            f"JOIN {tables['u']} u ON u.{qn('id')} = m.{qn('user_id')} "
            f"JOIN {tables['o']} o ON o.{qn('id')} = m.{qn('organization_id')} "
            f"WHERE t.{qn('token_hash')} = %s AND t.{qn('revoked_at')} IS NULL"
        )
        _token_queries[connection.alias] = (sql, [c.readers(connection) for c in _JOINED])
    return _token_queries[connection.alias]


def _token_with_membership(token_hash: str) -> SimpleNamespace | None:
    """The unrevoked token with that hash, its membership, user (the columns in
    ``_TOKEN``, ``_MEMBERSHIP``, ``_USER``) and organization (an instance)."""
    sql, readers = _token_query(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for columns, reader in zip(_JOINED, readers, strict=True):
        end = start + len(columns.fields)
        objects.append(columns.build(row[start:end], reader, connection))
        start = end
    token, membership, user, organization = objects
    membership.user, membership.organization = user, organization
    token.membership = membership
    return token


def actor_from_bearer(raw: str) -> tuple[Actor | None, object]:
    """Return (actor, organization) for a bearer token, or (None, None)."""
    with operator_scope():
        token = _token_with_membership(hash_token(raw))
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
