"""Reading customers, companies and vehicles. Every function runs inside the caller's
organization scope (the scoped manager adds the organization to each query).

``customer_list`` is the one filter definition of the customer list: the API, the UI
list and the export all call it, then page it with ``customer_page``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from django.db.models import (
    DateTimeField,
    Exists,
    F,
    Field,
    OuterRef,
    PositiveSmallIntegerField,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)

from frontdesk.core.api import ListParams, keyset_q, page_of, page_position, paginate
from frontdesk.core.errors import NotFound, ValidationFailed
from frontdesk.core.lookups import _as_uuid, get_or_404
from frontdesk.core.prepared import Prepared
from frontdesk.customers.choices import CustomerStatus, Segment
from frontdesk.customers.duplicates import likely_matches
from frontdesk.customers.models import (
    Company,
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerNote,
    CustomerPhone,
    CustomerTag,
    CustomerVehicle,
    Vehicle,
)
from frontdesk.customers.normalize import fold, plate_key, tag_normalize
from frontdesk.customers.search import HIGH, parse_query, search_customer_ids
from frontdesk.organizations.models import Organization

CUSTOMER_ORDERS = {
    "name": "name_key",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "lead_score": "lead_score",
}


# --- customers ---------------------------------------------------------------------------
def _tag_value(raw: str) -> str:
    try:
        return tag_normalize(raw)
    except ValueError as exc:
        raise ValidationFailed({"tag": str(exc)})


def customer_list(*, org: Organization | None, filters: dict[str, Any] | None = None) -> QuerySet:
    """Customers matching ``filters`` (the list's query parameters). Archived customers
    are left out unless ``status`` asks for them (``status=archived`` or ``all``). The
    organization is the current scope's (the scoped manager); ``org`` is not read, so a
    compiled query (``core.prepared``) may build on this with ``org=None``."""
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    qs = Customer.objects.select_related("company")
    status = f.get("status")
    if status is None:
        qs = qs.exclude(status=CustomerStatus.ARCHIVED)
    elif status != "all":
        statuses = [s.strip() for s in str(status).split(",")]
        if not set(statuses) <= set(CustomerStatus.values):
            raise ValidationFailed(
                {"status": f"One or more of: {', '.join(CustomerStatus.values)}, or all."}
            )
        qs = qs.filter(status__in=statuses)
    for name in ("lifecycle_stage", "source"):
        if name in f:
            qs = qs.filter(**{name: f[name]})
    if "segment" in f:
        if f["segment"] not in Segment.values:
            raise ValidationFailed({"segment": f"One of: {', '.join(Segment.values)}."})
        qs = qs.filter(segment=f["segment"])
    if "tag" in f:
        tagged = CustomerTag.objects.filter(tag=_tag_value(f["tag"])).values("customer_id")
        qs = qs.filter(pk__in=tagged)
    if "company_id" in f:
        qs = qs.filter(company_id=f["company_id"])
    if "has_vehicle" in f:
        linked = Exists(CustomerVehicle.objects.filter(customer=OuterRef("pk")))
        qs = qs.filter(linked if f["has_vehicle"] else ~linked)
    for name, lookup in (
        ("created_after", "created_at__gte"),
        ("created_before", "created_at__lt"),
        ("updated_after", "updated_at__gte"),
        ("updated_before", "updated_at__lt"),
    ):
        if name in f:
            qs = qs.filter(**{lookup: f[name]})
    return qs


def _with_tags(items: list[Customer]) -> list[Customer]:
    prefetch_related_objects(items, Prefetch("tags", queryset=CustomerTag.objects.order_by("tag")))
    return items


CLOSE_MATCHES = 10


def close_match_ids(q: str, *, limit: int) -> list:
    """For a name query nothing matched: customers whose name is close (a typo, a
    transposition, a missing letter), best first. The candidates are the neighbours of
    where the query would sort in the two name indexes, ranked by name similarity, so a
    slip late in the name is forgiven at any size of organization; one in the first
    letters is not (that would need a scan)."""
    plan = parse_query(q)
    if not plan.words or plan.number or plan.phone or plan.emails:
        return []
    if plan.digit_words or plan.vehicle_words or len("".join(plan.words)) < 4:
        return []
    matches = likely_matches(name=" ".join(plan.words), limit=limit)
    return [m.customer.pk for m in matches]


# The fields of a list item (``CustomerListItem``), read as plain rows: the API's list and
# search answer 25 customers without building 25 model instances and their tag objects.
LIST_VALUES = (
    "id",
    "number",
    "type",
    "display_name",
    "first_name",
    "last_name",
    "company_id",
    "company__name",
    "primary_phone",
    "primary_email",
    "status",
    "lifecycle_stage",
    "segment",
    "source",
    "lead_score",
    "last_visit_at",
    "created_at",
    "updated_at",
)


class TagList(Subquery):
    """A customer's tags, sorted, as one column of its row (no second query for a page's
    tags): ``ARRAY(…)`` on PostgreSQL, ``json_group_array`` on SQLite; read it with
    :func:`tag_list`."""

    def __init__(self) -> None:
        tags = CustomerTag.objects.filter(customer_id=OuterRef("pk")).order_by("tag")
        super().__init__(tags.values("tag"), output_field=Field())

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="ARRAY(%(subquery)s)", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        template = "(SELECT json_group_array(tag) FROM (%(subquery)s))"
        return self.as_sql(compiler, connection, template=template, **extra)


def tag_list(value) -> list[str]:
    """The tags a :class:`TagList` column holds."""
    if isinstance(value, str):  # SQLite's JSON array; its order is not guaranteed
        return sorted(json.loads(value))
    return list(value or [])


def _list_rows(rows: list[dict]) -> list[dict]:
    """``company`` as ``{id, name}`` and ``tags`` (sorted) on each row."""
    for row in rows:
        company_id, company_name = row.pop("company_id"), row.pop("company__name")
        row["company"] = {"id": company_id, "name": company_name} if company_id else None
        row["tags"] = tag_list(row.pop("tag_list"))
        row.pop("name_key", None)
    return rows


@functools.lru_cache(maxsize=256)
def _rows_by_ids_query(count: int) -> Prepared:
    """The list rows of ``count`` customers by id (a search's page), not archived."""
    names = [f"id{i}" for i in range(count)]
    return Prepared(
        lambda p: (
            customer_list(org=None)  # the default list's rule: archived left out
            .filter(pk__in=[getattr(p, n) for n in names])
            .values(*LIST_VALUES, "name_key", tag_list=TagList())
        ),
        **dict.fromkeys(names, "id"),
    )


def customer_page(
    qs: QuerySet[Customer],
    *,
    params: ListParams,
    q: str | None,
    rows: bool = False,
    plain: bool = False,
) -> dict:
    """One page of ``qs``: searched by ``q`` (match order) or sorted by ``params.order``.
    A name search with no result offers close names instead (``close_matches``).
    Items are customers with their tags, or with ``rows=True`` plain rows of the list
    item's fields (what the API answers). ``plain``: ``qs`` is the unfiltered list
    (``customer_list`` without filters), whose search results are read by a compiled
    query."""

    def listed() -> QuerySet:
        return qs.values(*LIST_VALUES, "name_key", tag_list=TagList()) if rows else qs

    finish = _list_rows if rows else _with_tags
    if q and q.strip():
        ids, next_cursor = search_customer_ids(qs, q=q, limit=params.limit, cursor=params.cursor)
        close = not ids and not params.cursor
        if close:
            ids = close_match_ids(q, limit=min(params.limit, CLOSE_MATCHES))
        found = {}
        if ids and rows and plain:
            query = _rows_by_ids_query(len(ids))
            found = {r["id"]: r for r in query(**{f"id{i}": pk for i, pk in enumerate(ids)})}
        elif ids:
            found = {(r["id"] if rows else r.pk): r for r in listed().filter(pk__in=ids)}
        return {
            "items": finish([found[i] for i in ids if i in found]),
            "next_cursor": next_cursor,
            "close_matches": close and bool(found),
        }
    page = paginate(listed(), params=params, orders=CUSTOMER_ORDERS, default="name")
    page["items"] = finish(page["items"])
    return page


# --- the unfiltered list as compiled queries (the API's GET /customers without filters) -
# The commonest list request, the first or a deeper page in one of the sort orders with
# no filter, costs more to build and compile as a queryset than the database spends on
# it. Each (order, direction, first/deeper page, page size) gets its query compiled once
# (``core.prepared``): the page's rows with their tags (``TagList``), the query
# ``customer_page`` runs for the same request; a test compares the two on every order.
_KEY_KINDS = {"name_key": "text", "created_at": "datetime", "updated_at": "datetime",
              "lead_score": "int"}  # fmt: skip


@functools.lru_cache(maxsize=128)
def _plain_page_query(field: str, descending: bool, deeper: bool, limit: int) -> Prepared:
    def page(p):
        qs = customer_list(org=None).order_by(  # the default list's rule, as above
            f"-{field}" if descending else field, "-pk" if descending else "pk"
        )
        if deeper:
            qs = qs.filter(keyset_q(field, p.value, p.pk, descending=descending))
        return qs.values(*LIST_VALUES, "name_key", tag_list=TagList())[: limit + 1]

    kinds = {"value": _KEY_KINDS[field], "pk": "id"} if deeper else {}
    return Prepared(page, **kinds)


def _no_filters(filters: dict[str, Any]) -> bool:
    return all(v in (None, "") for v in filters.values())


def customer_list_page(
    *, org: Organization, filters: dict[str, Any], params: ListParams, q: str | None
) -> dict:
    """The API's list page as plain rows (``customer_page(rows=True)``): a compiled query
    for an unfiltered list, ``customer_list`` + ``customer_page`` for the rest."""
    plain = _no_filters(filters)
    if (q and q.strip()) or not plain:
        qs = customer_list(org=org, filters=filters)
        return customer_page(qs, params=params, q=q, rows=True, plain=plain)
    order, field, descending, value, pk = page_position(
        params, model=Customer, orders=CUSTOMER_ORDERS, default="name"
    )
    query = _plain_page_query(field, descending, pk is not None, params.limit)
    rows = query() if pk is None else query(value=value, pk=pk)
    page = page_of(rows, limit=params.limit, order=order, field=field)
    _list_rows(page["items"])
    return page


def customer_detail_qs(org: Organization) -> QuerySet[Customer]:
    return Customer.objects.select_related("company").prefetch_related(
        "phones",
        "emails",
        "addresses",
        Prefetch("tags", queryset=CustomerTag.objects.order_by("tag")),
    )


def customer_get(*, org: Organization, id) -> Customer:
    """One customer with contact points and tags, or 404 (also for another
    organization's id). Its ``organization`` is ``org`` (the scope guarantees it), so
    the 360's sections read the time zone and currency without loading it again."""
    customer = get_or_404(customer_detail_qs(org), id)
    if customer.organization_id == org.pk:
        customer.organization = org
    return customer


# --- the detail as plain rows (the API's GET /customers/{id} and the 360) -----------------
# The customer's own columns (all but the search keys) with its company's name, then its
# contact points and tags in one UNION ALL: two indexed queries compiled once
# (``core.prepared``), no model instances. ``customer_detail_row`` answers what
# ``CustomerOut`` reads from the model; a test checks both agree.
DETAIL_SKIP = {"search_text", "name_key", "last_first_key", "company_key"}
DETAIL_COLUMNS = tuple(
    f.attname for f in Customer._meta.concrete_fields if f.attname not in DETAIL_SKIP
)

_customer_row = Prepared(
    lambda p: Customer.objects.filter(pk=p.customer).values(*DETAIL_COLUMNS, "company__name"),
    customer="id",
)


def _contacts(model, customer, **columns):
    """One part of the contact points' union: the same 12 columns from each table
    (``kind`` says which table; columns a table lacks are constants)."""
    blank, no = Value(""), Value(False)
    row = {
        "src": Value(model.__name__),
        "a": blank,
        "b": blank,
        "c": blank,
        "d": blank,
        "e": blank,
        "f": blank,
        "x": no,
        "y": no,
        "t": Value(None, output_field=DateTimeField()),
        "pos": Value(0, output_field=PositiveSmallIntegerField()),
        "k": blank,  # the tags' order (by tag); blank for the others (position, id)
        "oid": F("id"),
    }
    row.update(columns)
    return model.objects.filter(customer_id=customer).order_by().values(**row)


_contact_rows = Prepared(
    lambda p: (
        _contacts(
            CustomerPhone,
            p.customer,
            a=F("number"),
            b=F("kind"),
            x=F("primary"),
            y=F("consent_to_call"),
            t=F("consent_at"),
            pos=F("position"),
        )
        .union(
            _contacts(
                CustomerEmail,
                p.customer,
                a=F("address"),
                b=F("kind"),
                x=F("primary"),
                pos=F("position"),
            ),  # fmt: skip
            _contacts(
                CustomerAddress,
                p.customer,
                a=F("kind"),
                b=F("street"),
                c=F("city"),
                d=F("state"),
                e=F("postal_code"),
                f=F("country"),
                x=F("primary"),
                pos=F("position"),
            ),  # fmt: skip
            _contacts(CustomerTag, p.customer, a=F("tag"), k=F("tag")),
            all=True,
        )
        .order_by("src", "pos", "k", "oid")
    ),
    customer="id",
)


def _contact_points(customer_id) -> dict[str, list]:
    """Phones, emails, addresses (each in its table's order) and tags (by tag): one query."""
    out: dict[str, list] = {"phones": [], "emails": [], "addresses": [], "tags": []}
    for r in _contact_rows(customer=customer_id):
        src = r["src"]
        if src == "CustomerPhone":
            out["phones"].append(
                {
                    "number": r["a"],
                    "kind": r["b"],
                    "primary": r["x"],
                    "consent_to_call": r["y"],
                    "consent_at": r["t"],
                }  # fmt: skip
            )
        elif src == "CustomerEmail":
            out["emails"].append({"address": r["a"], "kind": r["b"], "primary": r["x"]})
        elif src == "CustomerAddress":
            out["addresses"].append(
                {
                    "kind": r["a"],
                    "street": r["b"],
                    "city": r["c"],
                    "state": r["d"],
                    "postal_code": r["e"],
                    "country": r["f"],
                    "primary": r["x"],
                }  # fmt: skip
            )
        else:
            out["tags"].append(r["a"])
    return out


def customer_detail_row(*, org: Organization, id) -> tuple[dict[str, Any], Customer]:
    """``(row, customer)``: the fields of ``CustomerOut`` as one dict (contact points,
    tags, company and communication included) and a ``Customer`` built from the same
    columns for code that wants the model (the 360's sections); 404 as ``customer_get``.
    The instance has no search keys loaded (reading one costs a query) and its
    ``organization`` is ``org``."""
    key = _as_uuid(id)
    rows = _customer_row(customer=key) if key else []
    if not rows:
        raise NotFound(f"No {Customer._meta.verbose_name} with id {id}.")
    row = rows[0]
    company_name = row.pop("company__name")
    customer = Customer.from_db("default", DETAIL_COLUMNS, [row[name] for name in DETAIL_COLUMNS])
    if customer.organization_id == org.pk:
        customer.organization = org
    out = {name: row[name] for name in DETAIL_COLUMNS}
    for name in ("organization_id", "company_id", "merged_at"):
        out.pop(name)
    out["company"] = {"id": row["company_id"], "name": company_name} if row["company_id"] else None
    out["communication"] = {
        name: row[name] for name in ("opt_in_email", "opt_in_sms", "opt_in_mail", "do_not_contact")
    }
    out.update(_contact_points(key))
    return out, customer


def customer_note_list(*, customer: Customer) -> QuerySet[CustomerNote]:
    return CustomerNote.objects.filter(customer=customer)


# --- companies ---------------------------------------------------------------------------
COMPANY_ORDERS = {"name": "name_key", "created_at": "created_at", "updated_at": "updated_at"}


def company_list(*, q: str | None = None, status: str | None = None) -> QuerySet[Company]:
    qs = Company.objects.all()
    if status is None:
        qs = qs.exclude(status="archived")
    elif status != "all":
        qs = qs.filter(status=status)
    key = fold(q)
    if key:
        qs = qs.filter(name_key__gte=key, name_key__lt=key + HIGH)
    return qs


# --- vehicles ----------------------------------------------------------------------------
def vehicle_list(*, vin: str | None = None, plate: str | None = None) -> QuerySet[Vehicle]:
    """By VIN (exact or prefix) and plate (prefix, ignoring spaces and dashes)."""
    qs = Vehicle.objects.all()
    if vin:
        key = "".join(vin.split()).replace("-", "").upper()
        qs = qs.filter(vin__gte=key, vin__lt=key + HIGH)
    if plate:
        key = plate_key(plate)
        if not key:
            raise ValidationFailed({"plate": "A plate has letters or digits."})
        qs = qs.filter(plate_key__gte=key, plate_key__lt=key + HIGH)
    return qs


def customer_vehicle_list(*, customer: Customer) -> QuerySet[CustomerVehicle]:
    return CustomerVehicle.objects.filter(customer=customer).select_related("vehicle")


def vehicle_owner_list(*, vehicle: Vehicle) -> QuerySet[CustomerVehicle]:
    return CustomerVehicle.objects.filter(vehicle=vehicle).select_related("customer")
