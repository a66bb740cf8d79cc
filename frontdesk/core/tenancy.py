"""Tenant isolation by construction.

Every tenant table inherits :class:`TenantModel`. Its default manager is a django-scopes
``ScopedManager``: a query without an active organization scope raises ``ScopeError``
(fail-closed), and inside a scope every query is filtered to that organization. The
request's organization is activated once, by ``TenancyMiddleware``; jobs and commands
activate it with :func:`tenant_scope`.

``django_scopes.scope(organization=None)`` would mean "all organizations": never call it
directly, use :func:`tenant_scope`, which refuses ``None``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models
from django_scopes import ScopedManager, get_scope, scope, scopes_disabled

__all__ = ["TenantModel", "tenant_scope", "current_org_id", "operator_scope"]


@contextmanager
def tenant_scope(org) -> Iterator[None]:
    """Activate one organization for every tenant query inside the block."""
    if org is None:
        raise ValueError("tenant_scope needs an organization")
    with scope(organization=org.pk if hasattr(org, "pk") else org):
        yield


def current_org_id():
    value = get_scope().get("organization")
    return value if get_scope().get("_enabled", True) else None


@contextmanager
def operator_scope() -> Iterator[None]:
    """Every organization at once. Only for migrations, admin, authentication and operator
    commands; ``tests/test_tenancy_lint.py`` fails if it appears anywhere else."""
    with scopes_disabled():
        yield


class TenantModel(models.Model):
    """Base of every record that belongs to one organization (SPEC rule 1)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True


# For busy tables whose composite indexes already lead with ``organization`` (and whose
# lists are served by an ``(organization, -created_at, …)`` index): the single-column
# indexes TenantModel gives every table cost each insert and each non-HOT update, and
# no query needs them. Declare ``organization = unindexed_organization()`` and
# ``created_at = unindexed_created_at()`` on such a model.
def unindexed_organization() -> models.ForeignKey:
    """TenantModel's ``organization`` without its own index."""
    return models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
    )


def unindexed_created_at() -> models.DateTimeField:
    """TenantModel's ``created_at`` without an index."""
    return models.DateTimeField(auto_now_add=True)
