"""Finding the same person twice (SPEC rule 2).

* :func:`identity_matches` — customers sharing a phone (E.164) or an email (casefolded):
  what makes a create answer 409.
* :func:`likely_matches` — customers whose name is close (rapidfuzz), ranked: offered
  next to the 409 and by the create form before saving. Candidates come from the two
  name indexes around where the name would sort, so it costs four small index range
  scans whatever the size of the organization.
* :func:`duplicate_pairs` — candidate pairs among existing customers for review, less
  the pairs a reviewer marked "not a duplicate".

Merged tombstones never match: they point at their survivor.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from rapidfuzz import fuzz

from frontdesk.core.api import decode_cursor, encode_cursor
from frontdesk.core.errors import ValidationFailed
from frontdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerPhone,
    NotDuplicate,
)
from frontdesk.customers.normalize import fold

LIKELY_THRESHOLD = 80
NEIGHBOURS = 40
_LEGAL_SUFFIXES = re.compile(
    r"\b(inc|incorporated|llc|l l c|ltd|limited|corp|corporation|co|company|gmbh|plc|llp)\b"
)


def comparable_name(name: str) -> str:
    """Folded, without legal suffixes (``Acme Plumbing, Inc.`` → ``acme plumbing``)."""
    return " ".join(_LEGAL_SUFFIXES.sub(" ", fold(name)).split())


def name_score(a: str, b: str) -> int:
    a, b = comparable_name(a), comparable_name(b)
    if not a or not b:
        return 0
    return round(fuzz.token_sort_ratio(a, b))


def live_customers() -> QuerySet[Customer]:
    return Customer.objects.filter(merged_into__isnull=True)


@dataclass
class Match:
    customer: Customer
    matched_on: set[str] = field(default_factory=set)
    score: int = 0

    def as_dict(self) -> dict[str, Any]:
        c = self.customer
        return {
            "id": c.pk,
            "number": c.number,
            "display_name": c.display_name,
            "status": c.status,
            "primary_phone": c.primary_phone,
            "primary_email": c.primary_email,
            "matched_on": sorted(self.matched_on),
            "score": self.score,
        }


def identity_matches(
    *, phones: Iterable[str] = (), email_keys: Iterable[str] = (), exclude_id=None
) -> list[Match]:
    """Customers holding any of these E.164 numbers or email keys, oldest first."""
    phones, email_keys = list(phones), list(email_keys)
    found: dict = defaultdict(set)
    # by the phone/email indexes alone, then the customers by primary key: joining on
    # ``merged_into IS NULL`` made SQLite walk the merged_into index (seconds at 100k rows)
    if phones:
        rows = CustomerPhone.objects.filter(number__in=phones)
        for cid, number in rows.values_list("customer_id", "number"):
            found[cid].add(f"phone:{number}")
    if email_keys:
        rows = CustomerEmail.objects.filter(key__in=email_keys)
        for cid, key in rows.values_list("customer_id", "key"):
            found[cid].add(f"email:{key}")
    found.pop(exclude_id, None)
    if not found:
        return []
    customers = live_customers().filter(pk__in=list(found)).order_by("created_at", "pk")
    return [Match(customer=c, matched_on=found[c.pk]) for c in customers]


def likely_matches(
    *,
    name: str,
    first_name: str = "",
    last_name: str = "",
    also: Iterable[Match] = (),
    exclude_id=None,
    limit: int = 5,
) -> list[Match]:
    """Customers named like ``name``, best first (score 0–100, at least LIKELY_THRESHOLD).
    ``also`` (e.g. the identity matches) are scored too and kept whatever their score."""
    target = fold(name)
    candidates: dict = {m.customer.pk: m for m in also}
    if len(target) >= 3:
        last_first = fold(f"{last_name} {first_name}") if last_name else target
        ids: set = set()
        for field_name, key in (("name_key", target), ("last_first_key", last_first)):
            base = live_customers().exclude(pk=exclude_id) if exclude_id else live_customers()
            above = base.filter(**{f"{field_name}__gte": key}).order_by(field_name, "pk")
            below = base.filter(**{f"{field_name}__lt": key}).order_by(f"-{field_name}", "-pk")
            for qs in (above, below):
                ids.update(qs.values_list("pk", flat=True)[:NEIGHBOURS])
        ids -= set(candidates)
        for customer in Customer.objects.filter(pk__in=ids).only(
            "id", "number", "display_name", "status", "primary_phone", "primary_email"
        ):
            candidates[customer.pk] = Match(customer=customer)
    ranked = []
    for match in candidates.values():
        match.score = name_score(target, match.customer.display_name) if target else 0
        if match.score >= LIKELY_THRESHOLD or match.matched_on:
            ranked.append(match)
    ranked.sort(key=lambda m: (-m.score, -len(m.matched_on), m.customer.number))
    return ranked[:limit]


# --- pairs among existing customers ------------------------------------------------------
KINDS = ("phone", "email", "name_address")
NAME_ADDRESS_THRESHOLD = 85


def _groups(kind: str, after: str | None) -> Iterator[tuple[str, list]]:
    """(value, customer ids) for each value held by 2+ live customers, in value order."""
    model, column = {
        "phone": (CustomerPhone, "number"),
        "email": (CustomerEmail, "key"),
        "name_address": (CustomerAddress, "key"),
    }[kind]
    qs = model.objects.filter(customer__merged_into__isnull=True)
    if kind == "name_address":
        qs = qs.exclude(key="")
    if after is not None:
        qs = qs.filter(**{f"{column}__gt": after})
    values = (
        qs.values(column)
        .annotate(n=Count("customer", distinct=True))
        .filter(n__gt=1)
        .order_by(column)
    )
    batch = 100
    while True:
        chunk = [row[column] for row in values[:batch]]
        if not chunk:
            return
        members: dict = defaultdict(list)
        for value, cid in (
            model.objects.filter(**{f"{column}__in": chunk}, customer__merged_into__isnull=True)
            .order_by("customer__created_at", "customer_id")
            .values_list(column, "customer_id")
        ):
            if cid not in members[value]:
                members[value].append(cid)
        for value in chunk:
            yield value, members[value]
        if len(chunk) < batch:
            return
        values = values.filter(**{f"{column}__gt": chunk[-1]})


def duplicate_pairs(*, kind: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of candidate pairs ``{reason, value, score, a, b}``. Pages end on a whole
    group (every pair sharing one phone, email or address), so a page may run over
    ``limit`` by the size of its last group."""
    kinds = [kind] if kind else list(KINDS)
    if kind and kind not in KINDS:
        raise ValidationFailed({"kind": f"One of: {', '.join(KINDS)}."})
    start_kind, after = kinds[0], None
    if cursor:
        start_kind, after = decode_cursor(cursor, size=2)
        if start_kind not in kinds or not isinstance(after, str):
            raise ValidationFailed({"cursor": "Not a cursor this list gave out."})
    pairs: list[dict[str, Any]] = []
    customers: dict = {}
    any_dismissed = NotDuplicate.objects.exists()
    for current in kinds[kinds.index(start_kind) :]:
        for value, ids in _groups(current, after if current == start_kind else None):
            group_pairs = _pairs_of(current, value, ids, customers)
            if any_dismissed and group_pairs:
                group_pairs = _without_dismissed(group_pairs, ids)
            pairs += group_pairs
            if len(pairs) >= limit:
                return {"items": pairs, "next_cursor": encode_cursor(current, value)}
    return {"items": pairs, "next_cursor": None}


def _without_dismissed(pairs: list[dict[str, Any]], ids: list) -> list[dict[str, Any]]:
    """The pairs no reviewer has marked as different people."""
    dismissed = set(
        NotDuplicate.objects.filter(customer_a__in=ids, customer_b__in=ids).values_list(
            "customer_a_id", "customer_b_id"
        )
    )
    return [p for p in pairs if tuple(sorted((p["a"].pk, p["b"].pk))) not in dismissed]


def _pairs_of(kind: str, value: str, ids: list, cache: dict) -> list[dict[str, Any]]:
    missing = [i for i in ids if i not in cache]
    if missing:
        for customer in Customer.objects.filter(pk__in=missing):
            cache[customer.pk] = customer
    members = [cache[i] for i in ids if i in cache]
    pairs = []
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            score = name_score(a.display_name, b.display_name)
            if kind == "name_address" and score < NAME_ADDRESS_THRESHOLD:
                continue
            pairs.append({"reason": kind, "value": value, "score": score, "a": a, "b": b})
    return pairs
