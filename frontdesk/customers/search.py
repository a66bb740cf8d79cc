"""Customer search (``?q=``): one service, two backends chosen by ``connection.vendor``.

What a query means (``parse_query``):

* ``C-1042`` → the customer with that number.
* only phone characters with 3+ digits (``1234``, ``(512)``, ``512 555``,
  ``+1 512-555-0142``) → customers with a phone containing those digits: last four, area
  code, the middle.
* one word (``joh``) → customers whose name, last-name-first name or company starts with
  it, or tagged exactly with it. Served by three b-tree range scans (``name_key``,
  ``last_first_key``, ``company_key``: one index both filters and orders, so LIMIT stops
  early) and a tag lookup, merged; never ``LIKE 'x%' ORDER BY`` or OFFSET.
* anything else (``joh smi aus``, ``john@``, ``7ABC123``, ``smith 0142``) → every part
  must match: a word is a prefix of some token of the customer's names, company, emails,
  cities, postal codes or tags; an ``@`` part is a prefix of one of their email
  addresses; a 4+ digit part a phone fragment (or a token); a letters-and-digits part a
  VIN or plate prefix (or a token). PostgreSQL answers token prefixes from a pg_trgm GIN
  index on ``search_text`` (``LIKE '% joh%'``), SQLite from an FTS5 table (``"joh"*``);
  phone fragments from a trigram index on the digits (pg_trgm, FTS5 ``trigram``). The
  matching set is collected first, then ordered by name; only when a phone fragment or
  email matches thousands (an area code) is the name index walked instead (see
  ``_candidate_search``).

Results are ordered by the key that matched, then id, and paginated by keyset (cursor).

Derived columns and the SQLite FTS rows are refreshed by :func:`index_customers`, which
every customer service calls in its transaction; imports call it once per batch.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from frontdesk.core.api import decode_cursor, encode_cursor, keyset_q
from frontdesk.core.errors import ValidationFailed
from frontdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerPhone,
    CustomerTag,
    CustomerVehicle,
    Vehicle,
)
from frontdesk.customers.normalize import clean_text, fold, phone_display, tokens

HIGH = "\U0010ffff"  # sorts after every character: [w, w + HIGH) is "starts with w"
SEARCH_TEXT_MAX = 2000
CUSTOMER_FTS = "customers_customer_fts"
PHONE_FTS = "customers_phone_fts"
_NUMBER_RE = re.compile(r"^c-?(\d{1,9})$", re.IGNORECASE)
_PHONE_QUERY_RE = re.compile(r"^[\d\s().+-]+$")


# --- derived columns ---------------------------------------------------------------------
def derived_display_name(
    *, first_name: str, last_name: str, company_name: str = "", email: str = "", phone: str = ""
) -> str:
    """What a customer is called when nobody typed a display name."""
    name = f"{first_name} {last_name}".strip()
    return name or company_name or email or (phone_display(phone) if phone else "")


def name_keys(*, display_name: str, first_name: str, last_name: str) -> tuple[str, str]:
    """``(name_key, last_first_key)``: "john smith" and "smith john"."""
    name_key = fold(display_name)
    last_first = fold(f"{last_name} {first_name}") if last_name else fold(first_name) or name_key
    return name_key, last_first


def search_document(
    *,
    names: Iterable[str],
    emails: Iterable[str] = (),
    places: Iterable[str] = (),
    tags: Iterable[str] = (),
) -> str:
    """Every token a multi-word query may start with, space-delimited on both sides."""
    seen: dict[str, None] = {}
    for part in (*names, *emails, *places, *tags):
        for token in tokens(part):
            seen.setdefault(token, None)
    text = " ".join(seen)
    if len(text) > SEARCH_TEXT_MAX:
        text = text[:SEARCH_TEXT_MAX].rsplit(" ", 1)[0]
    return f" {text} " if text else ""


def fts_rowid(customer_id) -> int:
    """A stable positive 63-bit FTS rowid for a customer (deletes go by rowid)."""
    value = customer_id if isinstance(customer_id, uuid.UUID) else uuid.UUID(str(customer_id))
    return value.int >> 65


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


DERIVED_FIELDS = [
    "name_key",
    "last_first_key",
    "company_key",
    "primary_phone",
    "primary_email",
    "search_text",
]


def index_customers(ids: Iterable, *, batch_size: int = 500) -> int:
    """Recompute the derived columns of these customers and refresh their FTS rows.

    Few queries per batch whatever its size (one per related table), so an import can
    call it once per thousand rows. Returns how many customers were indexed."""
    ids = list(dict.fromkeys(ids))
    for chunk in _chunks(ids, batch_size):
        customers = list(
            Customer.objects.filter(pk__in=chunk)
            .select_related("company")
            .only(
                "id",
                "first_name",
                "last_name",
                "display_name",
                "company__name",
                *DERIVED_FIELDS,
            )
        )
        phones: dict = defaultdict(list)
        for row in CustomerPhone.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "number", "digits", "primary", "position"
        ):
            phones[row[0]].append(row[1:])
        emails: dict = defaultdict(list)
        for row in CustomerEmail.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "address", "primary", "position"
        ):
            emails[row[0]].append(row[1:])
        places: dict = defaultdict(list)
        for cid, city, postal in CustomerAddress.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "city", "postal_code"
        ):
            places[cid] += [city, postal]
        tags: dict = defaultdict(list)
        for cid, tag in CustomerTag.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "tag"
        ):
            tags[cid].append(tag)

        changed, fts_rows, phone_rows = [], [], []
        for customer in customers:
            cid = customer.pk
            own_phones = sorted(phones[cid], key=lambda p: (not p[2], p[3]))
            own_emails = sorted(emails[cid], key=lambda e: (not e[1], e[2]))
            company_name = customer.company.name if customer.company_id else ""
            name_key, last_first_key = name_keys(
                display_name=customer.display_name,
                first_name=customer.first_name,
                last_name=customer.last_name,
            )
            values = {
                "name_key": name_key[:200],
                "last_first_key": last_first_key[:200],
                "company_key": fold(company_name)[:200],
                "primary_phone": own_phones[0][0] if own_phones else "",
                "primary_email": own_emails[0][0] if own_emails else "",
                "search_text": search_document(
                    names=[
                        customer.display_name,
                        customer.first_name,
                        customer.last_name,
                        company_name,
                    ],
                    emails=[e[0] for e in own_emails],
                    places=places[cid],
                    tags=tags[cid],
                ),
            }
            if any(getattr(customer, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(customer, k, v)
                changed.append(customer)
            fts_rows.append((fts_rowid(cid), cid.hex, values["search_text"]))
            phone_rows.append((fts_rowid(cid), cid.hex, " ".join(p[1] for p in own_phones)))
        if changed:
            _update_derived(changed)
        if connection.vendor == "sqlite":
            _fts_replace(CUSTOMER_FTS, fts_rows)
            _fts_replace(PHONE_FTS, phone_rows)
    return len(ids)


def _update_derived(customers: list[Customer]) -> None:
    """One UPDATE per row by primary key (``bulk_update``'s CASE expressions grow with
    the batch and made a 1,000-row batch quadratic)."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in DERIVED_FIELDS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
            [(*(getattr(c, f) for f in DERIVED_FIELDS), _db_id(c.pk)) for c in customers],
        )


def _fts_replace(table: str, rows: list[tuple[int, str, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(r[0],) for r in rows])  # noqa: S608
        cursor.executemany(
            f"INSERT INTO {table} (rowid, customer_id, body) VALUES (%s, %s, %s)",  # noqa: S608
            [r for r in rows if r[2]],
        )


# --- queries -----------------------------------------------------------------------------
@dataclass
class SearchPlan:
    """What a query asks for; every listed part must match (AND)."""

    number: str | None = None
    phone: str | None = None
    words: list[str] = field(default_factory=list)  # prefix of some token
    emails: list[str] = field(default_factory=list)  # prefix of an email address
    digit_words: list[str] = field(default_factory=list)  # phone fragment or token prefix
    vehicle_words: list[str] = field(default_factory=list)  # VIN/plate prefix or token prefix
    plate: str | None = None  # "7ABC 123": the whole query may also be a plate, spaces removed

    @property
    def is_empty(self) -> bool:
        return not (
            self.number
            or self.phone
            or self.words
            or self.emails
            or self.digit_words
            or self.vehicle_words
        )

    @property
    def single_word(self) -> str | None:
        only_words = not (
            self.number or self.phone or self.emails or self.digit_words or self.vehicle_words
        )
        return self.words[0] if only_words and len(self.words) == 1 else None


def parse_query(q: str) -> SearchPlan:
    try:
        q = clean_text(q, max_length=200)
    except ValueError as exc:
        raise ValidationFailed({"q": str(exc)})
    plan = SearchPlan()
    compact = q.replace(" ", "")
    number = _NUMBER_RE.match(compact)
    if number:
        plan.number = f"C-{int(number.group(1)):04d}"
        return plan
    digits = re.sub(r"\D", "", q)
    if _PHONE_QUERY_RE.match(q) and len(digits) >= 3:
        plan.phone = digits
        return plan
    plate_like = compact.isalnum() and compact.isascii() and 4 <= len(compact) <= 10
    mixed = any(c.isdigit() for c in compact) and any(c.isalpha() for c in compact)
    if " " in q and plate_like and mixed:
        plan.plate = compact.upper()
    for raw in q.split():
        if "@" in raw:
            address = raw.strip("<>,;()\"'").casefold()
            if address.strip("@"):
                plan.emails.append(address)
            continue
        for token in tokens(raw):
            has_digit = any(c.isdigit() for c in token)
            if token.isdigit() and len(token) >= 4:
                plan.digit_words.append(token)
            elif has_digit and not token.isdigit() and token.isascii() and len(token) >= 3:
                plan.vehicle_words.append(token.upper())
            else:
                plan.words.append(token)
    return plan


def _range(field_name: str, prefix: str) -> Q:
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": prefix + HIGH})


def _fts_match(words: list[str]) -> str:
    return " AND ".join(f'"{w}"*' for w in words)


def row_q(plan: SearchPlan) -> Q:
    """The plan as checks on one customer row (its search text, correlated EXISTS on its
    phones, emails and vehicles): cheap per row, for walking the name index."""

    def words(ws: list[str]) -> Q:
        condition = Q()
        for word in ws:
            condition &= Q(search_text__contains=f" {word}")
        return condition

    def phone(digits: str) -> Q:
        return Q(
            Exists(CustomerPhone.objects.filter(customer=OuterRef("pk"), digits__contains=digits))
        )

    def vehicle(token: str) -> Q:
        links = CustomerVehicle.objects.filter(customer=OuterRef("pk")).filter(
            _range("vehicle__vin", token) | _range("vehicle__plate_key", token)
        )
        return Q(Exists(links))

    condition = words(plan.words)
    if plan.number:
        condition &= Q(number=plan.number)
    if plan.phone:
        condition &= phone(plan.phone)
    for prefix in plan.emails:
        emails = CustomerEmail.objects.filter(customer=OuterRef("pk")).filter(_range("key", prefix))
        condition &= Q(Exists(emails))
    for token in plan.digit_words:
        condition &= phone(token) | words([token])
    for token in plan.vehicle_words:
        condition &= vehicle(token) | words([token.lower()])
    if plan.plate:
        condition = condition | vehicle(plan.plate)
    return condition


PREFIX_FIELDS = ("name_key", "last_first_key", "company_key")


def _db_id(value) -> object:
    return Customer._meta.pk.get_db_prep_value(uuid.UUID(str(value)), connection)


def _prefix_search(qs: QuerySet, word: str, limit: int, after) -> list[tuple[str, uuid.UUID]]:
    """Take ``limit + 1`` from each ordered branch and merge. A customer belongs to the
    first branch it matches, so pages never repeat anyone.

    One SQL statement (the branches joined by ``UNION ALL``, each its own ordered,
    limited index range): building the four branches as ORM querysets cost more Python
    time than the database spent answering them."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    where, where_params = _where_of(qs)
    tagged_sql, tagged_params = (
        CustomerTag.objects.filter(tag=word).values("customer_id").query.sql_with_params()
    )
    n = int(limit) + 1
    branches, params = [], []
    earlier: list[str] = []
    for name in PREFIX_FIELDS:
        column = f"{table}.{connection.ops.quote_name(name)}"
        keyset, keyset_params = _keyset_sql(after, f"{table}.", column=name)
        exclude = "".join(f" AND NOT ({e})" for e in earlier)
        branches.append(
            f"SELECT k, id FROM (SELECT {column} AS k, {table}.id AS id FROM {table}"  # noqa: S608
            f" WHERE {where} AND {column} >= %s AND {column} < %s{exclude}{keyset}"
            f" ORDER BY {column}, {table}.id LIMIT {n}) AS b_{name}"
        )
        params += [*where_params, word, word + HIGH]
        params += [x for _ in earlier for x in (word, word + HIGH)]
        params += keyset_params
        earlier.append(f"{column} >= %s AND {column} < %s")
    tag_keyset, tag_keyset_params = "", []
    skip_tags = False
    if after:
        key, last_id = after
        if key > word:
            skip_tags = True
        elif key == word:
            tag_keyset, tag_keyset_params = f" AND {table}.id > %s", [_db_id(last_id)]
    if not skip_tags:
        exclude = " AND ".join(f"NOT ({e})" for e in earlier)
        branches.append(
            f"SELECT k, id FROM (SELECT %s AS k, {table}.id AS id FROM {table}"  # noqa: S608
            f" WHERE {where} AND {exclude} AND {table}.id IN ({tagged_sql}){tag_keyset}"
            f" ORDER BY {table}.id LIMIT {n}) AS b_tag"
        )
        params += [word, *where_params]
        params += [x for _ in earlier for x in (word, word + HIGH)]
        params += [*tagged_params, *tag_keyset_params]
    rows = _fetch(" UNION ALL ".join(branches), params)
    rows.sort()
    return rows[:n]


DENSE = 2000  # more candidates than this: walk the name index instead of sorting them


def _candidate_search(
    qs: QuerySet, plan: SearchPlan, limit: int, after
) -> list[tuple[str, uuid.UUID]]:
    """Customers matching every part of ``plan``, in name order.

    Usually the candidates are few ("joh smi aus", the last four digits): collect their
    ids through the search indexes, join them to the (filtered) customers, sort. When a
    phone fragment, email or plate matches thousands (an area code), walk the name index
    and check each row instead: such matches are spread evenly over the alphabet, so a
    page fills after a few hundred rows. Words are never walked: their matches bunch up
    by name ("ma j" finds nothing before the J's), where sorting is the safer cost."""
    ids_sql, ids_params = _ids(plan)
    uncorrelated = not (plan.words or plan.digit_words or plan.vehicle_words)
    if uncorrelated and _count_capped(ids_sql, ids_params) > DENSE:
        return _walk_names(qs, plan, limit, after)
    table = connection.ops.quote_name(Customer._meta.db_table)
    where, where_params = _where_of(qs)
    keyset, keyset_params = _keyset_sql(after, f"{table}.")
    # CROSS JOIN makes SQLite drive the join from the ids; PostgreSQL plans it itself
    join = "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"
    statement = (
        f"WITH m AS MATERIALIZED (SELECT DISTINCT {table}.name_key, {table}.id"  # noqa: S608
        f" FROM ({ids_sql}) AS driver {join} {table} ON {table}.id = driver.id"
        f" WHERE {where}{keyset})"
        f" SELECT name_key, id FROM m ORDER BY name_key, id LIMIT {int(limit) + 1}"
    )
    return _fetch(statement, ids_params + where_params + keyset_params)


def _keyset_sql(after, column_prefix: str = "", column: str = "name_key") -> tuple[str, list]:
    if not after:
        return "", []
    key, last_id = after
    n, i = f"{column_prefix}{connection.ops.quote_name(column)}", f"{column_prefix}id"
    return (
        f" AND {n} >= %s AND ({n} > %s OR ({n} = %s AND {i} > %s))",
        [key, key, key, _db_id(last_id)],
    )


def _fetch(statement: str, params: list) -> list[tuple[str, uuid.UUID]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [(key, uuid.UUID(str(pk))) for key, pk in cursor.fetchall()]


def _count_capped(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT {DENSE + 1}) AS capped", params)  # noqa: S608
        return cursor.fetchone()[0]


# Candidate ids as set algebra: each part of the plan is a SELECT of customer ids served
# by one index (FTS5 on SQLite, pg_trgm GIN on PostgreSQL, b-trees for the rest).
def _select_ids(queryset: QuerySet, column: str) -> tuple[str, list]:
    sql, params = queryset.order_by().values(column).query.sql_with_params()
    return f"SELECT {column} AS id FROM ({sql}) AS part", list(params)  # noqa: S608


def _fts_ids(table: str, match: str) -> tuple[str, list]:
    return f"SELECT customer_id AS id FROM {table} WHERE {table} MATCH %s", [match]  # noqa: S608


def _compound(op: str, parts: list[tuple[str, list]]) -> tuple[str, list]:
    if len(parts) == 1:
        return parts[0]
    sql = f" {op} ".join(p[0] for p in parts)
    return f"SELECT id FROM ({sql}) AS {op.lower()}ed", [x for p in parts for x in p[1]]  # noqa: S608


def _word_ids(words: list[str]) -> tuple[str, list]:
    """Each word is a prefix of some token of the customer's search document."""
    if connection.vendor == "sqlite":
        return _fts_ids(CUSTOMER_FTS, _fts_match(words))
    matching = Customer.objects.all()
    for word in words:
        matching = matching.filter(search_text__contains=f" {word}")
    return _select_ids(matching, "id")


def _phone_ids(digits: str) -> tuple[str, list]:
    if connection.vendor == "sqlite":
        return _fts_ids(PHONE_FTS, f'"{digits}"')
    return _select_ids(CustomerPhone.objects.filter(digits__contains=digits), "customer_id")


def _vehicle_ids(token: str) -> tuple[str, list]:
    vehicles = Vehicle.objects.filter(_range("vin", token) | _range("plate_key", token))
    links = CustomerVehicle.objects.filter(vehicle__in=vehicles.values("pk"))
    return _select_ids(links, "customer_id")


def _ids(plan: SearchPlan) -> tuple[str, list]:
    parts = []
    if plan.number:
        parts.append(_select_ids(Customer.objects.filter(number=plan.number), "id"))
    if plan.phone:
        parts.append(_phone_ids(plan.phone))
    if plan.words:
        parts.append(_word_ids(plan.words))
    for prefix in plan.emails:
        emails = CustomerEmail.objects.filter(_range("key", prefix))
        parts.append(_select_ids(emails, "customer_id"))
    for token in plan.digit_words:
        parts.append(_compound("UNION", [_phone_ids(token), _word_ids([token])]))
    for token in plan.vehicle_words:
        parts.append(_compound("UNION", [_vehicle_ids(token), _word_ids([token.lower()])]))
    ids = _compound("INTERSECT", parts)
    if plan.plate:
        ids = _compound("UNION", [ids, _vehicle_ids(plan.plate)])
    return ids


def _where_of(qs: QuerySet) -> tuple[str, list]:
    """The WHERE clause of ``qs`` (organization scope and list filters) as SQL."""
    compiler = qs.query.get_compiler(connection=connection)
    sql, params = compiler.compile(qs.query.where)
    return (sql or "1 = 1"), list(params)


def _walk_names(qs, plan, limit, after) -> list[tuple[str, uuid.UUID]]:
    """Page through the (organization, name_key, id) index checking each row."""
    matching = qs.filter(row_q(plan))
    if after:
        matching = matching.filter(keyset_q("name_key", after[0], after[1]))
    walk = matching.order_by("name_key", "pk").values_list("name_key", "pk")[: limit + 1]
    if connection.vendor == "sqlite":
        table = connection.ops.quote_name(Customer._meta.db_table)
        sql, params = walk.query.sql_with_params()
        sql = sql.replace(f" FROM {table} ", f" FROM {table} INDEXED BY customer_org_name_idx ", 1)
        return _fetch(sql, list(params))
    with transaction.atomic(), connection.cursor() as cursor:
        # make PostgreSQL walk the name index; undone before the block ends
        cursor.execute(
            "SELECT set_config('enable_bitmapscan', 'off', true),"
            " set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)"
        )
        try:
            return [(key, uuid.UUID(str(pk))) for key, pk in walk]
        finally:
            cursor.execute(
                "SELECT set_config('enable_bitmapscan', 'on', true),"
                " set_config('enable_seqscan', 'on', true), set_config('enable_sort', 'on', true)"
            )


def _fingerprint(q: str) -> str:
    return hashlib.blake2s(q.strip().casefold().encode(), digest_size=4).hexdigest()


def _encode(q: str, mode: str, key: str, pk) -> str:
    return encode_cursor("q", _fingerprint(q), mode, key, pk)


def _decode(cursor: str, q: str) -> tuple[str, tuple[str, uuid.UUID]]:
    tag, fingerprint, mode, key, pk = decode_cursor(cursor, size=5)
    try:
        if tag != "q" or mode not in ("prefix", "tokens") or not isinstance(key, str):
            raise ValueError
        pk = uuid.UUID(str(pk))
    except ValueError as exc:
        raise ValidationFailed({"cursor": "Not a cursor this search gave out."}) from exc
    if fingerprint != _fingerprint(q):
        raise ValidationFailed({"cursor": "The cursor belongs to another search."})
    return mode, (key, pk)


def search_customer_ids(
    qs: QuerySet, *, q: str, limit: int, cursor: str | None = None
) -> tuple[list[uuid.UUID], str | None]:
    """One page of ``qs`` (already filtered) matching ``q``: ``(ids in order, next_cursor)``.

    A single word no name, company or tag starts with falls back to the token search,
    so ``aus`` still finds the customers in Austin and ``jsmith`` the one with that email.
    """
    plan = parse_query(q)
    if plan.is_empty:
        return [], None
    mode, after = _decode(cursor, q) if cursor else (None, None)
    word = plan.single_word
    rows: list[tuple[str, uuid.UUID]] = []
    if word and mode in (None, "prefix"):
        rows = _prefix_search(qs, word, limit, after)
        if rows or after:
            mode = "prefix"
    if not rows and mode != "prefix":
        mode = "tokens"
        rows = _candidate_search(qs, plan, limit, after)
    next_cursor = _encode(q, mode, *rows[limit - 1]) if len(rows) > limit else None
    return [pk for _, pk in rows[:limit]], next_cursor
