"""Read queries compiled once and run again with new values: the hot read paths (the
customer detail and its 360) without building and compiling a queryset on every request.

Compiling a queryset (filters, joins, ordering, the tenant filter) costs Django more CPU
than PostgreSQL spends running an indexed lookup, and model instances cost more again.
A :class:`Prepared` query is written as an ordinary ``values()`` queryset with named
placeholders::

    recent_notes = Prepared(
        lambda p: CustomerNote.objects.filter(customer_id=p.customer)
        .values("id", "body", "author_label", "created_at")[:5],
        customer="id",
    )
    rows = recent_notes(customer=customer.pk)  # [{"id": …, "body": …, …}, …]

On first use per database the queryset is built with a unique stand-in value for each
placeholder (and for the organization), compiled, and the positions of the stand-ins in
its parameters are noted; later calls run the same SQL with the real values put in those
positions (converted the way the compiler converted the stand-in) and turn the rows into
dicts with the compiler's own converters (SQLite's booleans, datetimes and UUIDs, JSON).

Tenancy stays by construction: the queryset is built inside a scope of a stand-in
organization, so the scoped manager writes the organization filter into the SQL, and each
call puts the *current* scope's organization there. A call without an organization scope
raises ``ScopeError`` (fail-closed, like the scoped manager); so does a call with the
scopes disabled (the operator's scope), where the ORM query would have read every
organization.

Placeholders are single values of five kinds — ``id`` (a UUID), ``datetime``, ``date``,
``text``, ``int`` — declared with the builder: ``Prepared(build, customer="id",
now="datetime")``. Limits are part of the query (``[:5]``). The tests compare each
prepared query with its queryset on varied data.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django_scopes import ScopeError

from frontdesk.core.tenancy import current_org_id, tenant_scope

__all__ = ["Prepared"]


class _Stand:
    """The stand-in values handed to the builder, one per placeholder name."""

    def __init__(self, kinds: dict[str, str]) -> None:
        self._values: dict[str, Any] = {}
        for name, kind in kinds.items():
            self._values[name] = _stand_in(kind)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"undeclared placeholder {name!r}") from None


def _stand_in(kind: str) -> Any:
    if kind == "id":
        return uuid.uuid4()
    if kind == "datetime":
        # a datetime no query would hold: year 1901, random microseconds
        return dt.datetime(1901, 1, 1, 0, 0, 1, uuid.uuid4().int % 999_999 + 1, tzinfo=dt.UTC)
    if kind == "date":
        return dt.date(1901, 1, 1) + dt.timedelta(days=uuid.uuid4().int % 3000 + 1)
    if kind == "text":
        return f"prepared-stand-in-{uuid.uuid4().hex}"
    if kind == "int":
        # small enough for any integer column (Django drops a comparison that overflows
        # the column's range); _compile_for checks two draws land in the same places
        return 1000 + uuid.uuid4().int % 30_000
    raise ValueError(f"placeholder kind {kind!r}: one of id, datetime, date, text, int")


def _conversions(connection) -> list[Callable[[Any], Any]]:
    """How a compiler may have turned a stand-in into a parameter."""
    ops = connection.ops

    def integer(internal_type: str) -> Callable[[Any], Any]:
        # psycopg 3 gets integers wrapped by size (Int2, Int4, Int8)
        return lambda v: ops.adapt_integerfield_value(v, internal_type) if type(v) is int else v

    return [
        lambda v: v,
        lambda v: v.hex if isinstance(v, uuid.UUID) else v,
        lambda v: ops.adapt_datetimefield_value(v) if isinstance(v, dt.datetime) else v,
        lambda v: ops.adapt_datefield_value(v) if isinstance(v, dt.date) else v,
        *(integer(t) for t in ("SmallIntegerField", "IntegerField", "BigIntegerField")),
    ]


class _Compiled:
    def __init__(self, sql, params, slots, names, compiler, converters, conversions) -> None:
        self.sql, self.params, self.slots = sql, params, slots
        self.conversions = conversions
        self.names, self.compiler, self.converters = names, compiler, converters


class Prepared:
    """One ``values()`` query, compiled once per database (the default one: the project
    has one); call it with the placeholders' values (keyword arguments) for a list of
    dicts."""

    ORG = "__organization__"

    def __init__(self, build: Callable[[Any], QuerySet], **kinds: str) -> None:
        self.build = build
        self.kinds = dict(kinds)
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def __call__(self, **values: Any) -> list[dict[str, Any]]:
        if set(values) != set(self.kinds):
            raise TypeError(f"expected values for {sorted(self.kinds)}, got {sorted(values)}")
        org_id = current_org_id()
        if not org_id:
            raise ScopeError("A prepared query needs an organization scope.")
        compiled = self._compile()
        params = list(compiled.params)
        conversions = compiled.conversions
        for position, name, how in compiled.slots:
            params[position] = conversions[how](org_id if name == self.ORG else values[name])
        connection = connections[compiled.compiler.using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        names = compiled.names
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _compile(self) -> _Compiled:
        using = DEFAULT_DB_ALIAS
        compiled = self._compiled.get(using)
        if compiled is not None:
            return compiled
        with self._lock:
            if using not in self._compiled:
                self._compiled[using] = self._compile_for(using)
            return self._compiled[using]

    def _compile_for(self, using: str) -> _Compiled:
        """Compile with two independent draws of stand-ins: the SQL and the positions of
        the placeholders must agree (a stand-in that happened to equal a constant of the
        query would not)."""
        first, second = self._compile_once(), self._compile_once()
        if first.sql != second.sql or first.slots != second.slots:
            raise ValueError("the placeholders' positions in the compiled query are ambiguous")
        return first

    def _compile_once(self) -> _Compiled:
        stand = _Stand(self.kinds)
        org_stand = uuid.uuid4()
        with tenant_scope(org_stand):
            qs = self.build(stand)
            query = qs.query
            compiler = query.get_compiler(using=qs.db)
            sql, params = compiler.as_sql()
        if qs._iterable_class.__name__ != "ValuesIterable":
            raise TypeError("a Prepared query is a values() queryset")
        connection = connections[qs.db]
        conversions = _conversions(connection)
        stands = [(self.ORG, org_stand)] + [(n, getattr(stand, n)) for n in self.kinds]
        slots, found = [], set()
        for position, param in enumerate(params):
            for name, value in stands:
                convert = next((c for c in conversions if _same(c(value), param)), None)
                if convert is not None:
                    slots.append((position, name, conversions.index(convert)))
                    found.add(name)
                    break
        missing = set(self.kinds) - found
        if missing or self.ORG not in found:
            raise ValueError(
                f"placeholders not found in the compiled query: {sorted(missing) or 'organization'}"
            )
        if getattr(query, "selected", None):  # as ValuesIterable names the columns
            names = list(query.selected)
        else:
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        return _Compiled(sql, tuple(params), slots, names, compiler, converters, conversions)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b
