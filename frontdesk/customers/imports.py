"""Importing customers from CSV: upload, run as a job in batches, report, revert.

What "nothing half-imported" means here (docs/customers.md, "Import and export"):

* **A row is all or nothing.** A row with any error (bad phone, unknown choice, too long
  a name, wrong number of cells) is not imported at all and is listed in the error
  report with its row number, field and message; the valid rows are imported.
  A dry run (``dry_run``) does everything but write, so the report can be read first.
* **An import is one unit.** Each batch of ``BATCH_SIZE`` rows is one transaction that
  writes its customers, the search index, the import's progress and its row errors
  together, so a crashed job resumes exactly after the last committed batch (jobs are
  delivered at least once). ``import_revert`` undoes the whole import: customers it
  created are archived (rule 3: archived, never deleted), fields it changed on existing
  customers are put back (where nobody changed them since) and contact rows it added are
  removed.

Speed: rows are parsed with :mod:`csv` and cleaned (phones and emails normalized once per
distinct input, cached; the search document and name keys built) in a second thread while
the first writes the previous batch; duplicates are looked up with one query per key kind
per batch (the batch's keys as one array or JSON list); customers and their rows go in as
one ``COPY`` per table per batch on PostgreSQL (``executemany`` on SQLite), numbers taken
as one block per batch (``reference_block``), the SQLite FTS rows inserted per batch. One
audit entry per import (upload, finish, revert) and one ``customers.imported`` event, not
one per customer.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import itertools
import json
import os
import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, PayloadTooLarge, ValidationFailed
from frontdesk.core.refnums import reference_block, reference_format
from frontdesk.customers import events
from frontdesk.customers.inputs import Errors, address_key, clean_customer
from frontdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerImport,
    CustomerImportChange,
    CustomerImportRowError,
    CustomerPhone,
    CustomerTag,
)
from frontdesk.customers.normalize import clean_text, email_normalize, phone_e164, tag_normalize
from frontdesk.customers.search import (
    CUSTOMER_FTS,
    PHONE_FTS,
    derived_display_name,
    index_customers,
    name_keys,
    search_document,
)
from frontdesk.events.services import event_emit
from frontdesk.jobs.services import enqueue_on_commit
from frontdesk.organizations.models import Organization

BATCH_SIZE = 2000
ERRORS_KEPT = 10_000  # row errors stored per import (all are counted)
Status = CustomerImport.Status

# --- fields and column auto-detection ----------------------------------------------------
SCALAR_FIELDS = {
    "first_name",
    "last_name",
    "display_name",
    "type",
    "notes",
    "source",
    "lifecycle_stage",
    "preferred_channel",
    "locale",
    "time_zone",
    "accounting_customer_id",
}
COMMUNICATION_FIELDS = {"opt_in_email", "opt_in_sms", "opt_in_mail", "do_not_contact"}
PHONE_FIELDS = {
    "phone": "mobile",
    "mobile_phone": "mobile",
    "home_phone": "home",
    "work_phone": "work",
}
EMAIL_FIELDS = {"email": "personal", "work_email": "work"}
ADDRESS_FIELDS = ("street", "city", "state", "postal_code", "country")
IMPORT_FIELDS = (
    sorted(SCALAR_FIELDS)
    + sorted(COMMUNICATION_FIELDS)
    + list(PHONE_FIELDS)
    + list(EMAIL_FIELDS)
    + list(ADDRESS_FIELDS)
    + ["tags"]
)
IGNORE = ""  # map a column to "" to leave it out

_ALIASES = {
    "first_name": "firstname first givenname forename",
    "last_name": "lastname last surname familyname",
    "display_name": "name fullname displayname customer customername",
    "type": "type customertype",
    "notes": "notes note comments comment",
    "source": "source leadsource",
    "lifecycle_stage": "lifecyclestage stage",
    "preferred_channel": "preferredchannel channel",
    "locale": "locale language",
    "time_zone": "timezone tz",
    "accounting_customer_id": "accountingcustomerid accountingid",
    "opt_in_email": "optinemail emailoptin",
    "opt_in_sms": "optinsms smsoptin",
    "opt_in_mail": "optinmail mailoptin",
    "do_not_contact": "donotcontact dnc",
    "phone": "phone phonenumber telephone tel primaryphone",
    "mobile_phone": "mobile mobilephone cell cellphone mobilenumber",
    "home_phone": "homephone",
    "work_phone": "workphone businessphone officephone",
    "email": "email emailaddress mail primaryemail",
    "work_email": "workemail businessemail",
    "street": "street address streetaddress address1 addressline1",
    "city": "city town",
    "state": "state province region",
    "postal_code": "postalcode zip zipcode postcode",
    "country": "country countrycode",
    "tags": "tags tag labels",
}
ALIASES = {alias: name for name, words in _ALIASES.items() for alias in words.split()}


def header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


def detect_mapping(headers: list[str]) -> dict[str, str]:
    """Column → field for the headers we recognize ("First Name", "E-mail", "Zip")."""
    mapping, taken = {}, set()
    for header in headers:
        name = ALIASES.get(header_key(header))
        if name and name not in taken:
            mapping[header] = name
            taken.add(name)
    return mapping


# --- reading the file --------------------------------------------------------------------
def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            {"file": f"The file is not UTF-8 text (byte {exc.start + 1}); save it as CSV UTF-8."}
        )


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """Excel's CSV dialect with the delimiter the header row uses. Only the delimiter is
    sniffed: from a header without quotes the sniffer would also guess that ``""`` inside
    a quoted cell is not an escaped quote, and cut such a cell short."""
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 20)[0], delimiters=",;\t").delimiter
    except csv.Error:
        return csv.excel
    return type("Sniffed", (csv.excel,), {"delimiter": delimiter})


@dataclass
class Parsed:
    headers: list[str]
    dialect: Any
    text: str


def parse_header(content: bytes) -> Parsed:
    text = _decode(content)
    dialect = _dialect(text[:4096])
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        headers = next(reader)
    except StopIteration:
        raise ValidationFailed({"file": "The file is empty."})
    except csv.Error as exc:
        raise ValidationFailed({"file": f"The header row cannot be read: {exc}."})
    headers = [h.strip() for h in headers]
    if not any(headers):
        raise ValidationFailed({"file": "The first row must name the columns."})
    dupes = sorted({h for h in headers if h and headers.count(h) > 1})
    if dupes:
        raise ValidationFailed({"file": f"Columns named twice: {', '.join(dupes)}."})
    return Parsed(headers=headers, dialect=dialect, text=text)


def iter_rows(parsed: Parsed) -> Iterator[tuple[int, list[str] | None, str]]:
    """``(row number, cells or None, error)``; row 1 is the first row after the header.
    A row the csv module cannot read is reported and reading goes on after it."""
    reader = csv.reader(io.StringIO(parsed.text), parsed.dialect, strict=True)
    next(reader, None)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield number, None, f"Malformed CSV: {exc}."
            continue
        if not cells or not any(c.strip() for c in cells):
            continue  # blank lines are not rows
        number += 1
        yield number, cells, ""


def check_mapping(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    errors = Errors()
    clean = {}
    seen: dict[str, str] = {}
    for column, name in mapping.items():
        if column not in headers:
            errors.add(f"mapping.{column}", "No such column in the file.")
        elif name == IGNORE:
            continue
        elif name not in IMPORT_FIELDS:
            errors.add(f"mapping.{column}", f"Unknown field {name!r}.")
        elif name in seen:
            errors.add(f"mapping.{column}", f"{name} is mapped from {seen[name]!r} already.")
        else:
            seen[name] = column
            clean[column] = name
    errors.raise_if_any()
    if not clean:
        raise ValidationFailed(
            {"mapping": "No column maps to a customer field; name the columns or map them."}
        )
    return clean


# --- one row -----------------------------------------------------------------------------
@dataclass
class Row:
    number: int
    values: dict[str, Any]
    phones: list[dict[str, Any]]
    emails: list[dict[str, Any]]
    address: dict[str, str] | None
    tags: list[str]
    # (display_name, name_key, last_first_key, search_text), computed by the cleaning
    # thread: the same values index_customers computes (a test checks it)
    document: tuple[str, str, str, str] = ("", "", "", "")

    def keys(self) -> list[str]:
        return [f"p:{p['number']}" for p in self.phones] + [f"e:{e['key']}" for e in self.emails]


@functools.lru_cache(maxsize=200_000)
def _phone(raw: str, region: str) -> str:
    return phone_e164(raw, region=region)  # parsed once per distinct input


@functools.lru_cache(maxsize=200_000)
def _email(raw: str) -> tuple[str, str]:
    return email_normalize(raw)


@functools.lru_cache(maxsize=10_000)
def _tag(raw: str) -> str:
    return tag_normalize(raw)


_TAG_SPLIT = re.compile(r"[;|,]")


def clean_row(number: int, data: dict[str, str], region: str) -> tuple[Row | None, list]:
    """The row's values, or its errors as ``[(field, message), ...]``."""
    errors = Errors()
    scalars = {k: v for k, v in data.items() if k in SCALAR_FIELDS}
    communication = {k: v for k, v in data.items() if k in COMMUNICATION_FIELDS}
    if communication:
        scalars["communication"] = communication
    scalars.setdefault("source", "import")
    values = clean_customer(scalars, region=region, errors=errors)
    phones, emails, seen = [], [], set()
    for name, kind in PHONE_FIELDS.items():
        if name in data:
            try:
                e164 = _phone(data[name], region)
            except ValueError as exc:
                errors.add(name, str(exc))
                continue
            if e164 not in seen:
                seen.add(e164)
                phones.append({"number": e164, "digits": e164[1:], "kind": kind})
    for name, kind in EMAIL_FIELDS.items():
        if name in data:
            try:
                address, key = _email(data[name])
            except ValueError as exc:
                errors.add(name, str(exc))
                continue
            if key not in seen:
                seen.add(key)
                emails.append({"address": address, "key": key, "kind": kind})
    address = None
    if any(name in data for name in ADDRESS_FIELDS):
        address = {}
        for name in ADDRESS_FIELDS:
            address[name] = errors.check(name, clean_text, data.get(name, ""), max_length=100) or ""
        country = address["country"].upper()
        if country and not (len(country) == 2 and country.isalpha()):
            errors.add("country", "A two-letter country code (US, CA, DE).")
        address["country"] = country or region
        address["postal_code"] = address["postal_code"][:20]
    tags: list[str] = []
    if "tags" in data:
        for raw in _TAG_SPLIT.split(data["tags"]):
            if raw.strip():
                try:
                    tag = _tag(raw)
                except ValueError as exc:
                    errors.add("tags", str(exc))
                    continue
                if tag not in tags:
                    tags.append(tag)
        if len(tags) > 50:
            errors.add("tags", "A customer has at most 50 tags.")
    if not errors.items and not (
        values.get("first_name")
        or values.get("last_name")
        or values.get("display_name")
        or phones
        or emails
    ):
        errors.add("last_name", "A customer needs a name, a phone number or an email address.")
    if errors.items:
        return None, [(e["field"], e["message"]) for e in errors.items]
    return Row(
        number,
        values,
        phones,
        emails,
        address,
        tags,
        _document(values, phones, emails, address, tags),
    ), []


def _document(values, phones, emails, address, tags) -> tuple[str, str, str, str]:
    first_name, last_name = values.get("first_name", ""), values.get("last_name", "")
    display = values.get("display_name") or derived_display_name(
        first_name=first_name,
        last_name=last_name,
        email=emails[0]["address"] if emails else "",
        phone=phones[0]["number"] if phones else "",
    )
    name_key, last_first_key = name_keys(
        display_name=display, first_name=first_name, last_name=last_name
    )
    text = search_document(
        names=[display, first_name, last_name, ""],
        emails=[e["address"] for e in emails],
        places=[address["city"], address["postal_code"]] if address else [],
        tags=sorted(tags),
    )
    return display, name_key[:200], last_first_key[:200], text


# --- the upload --------------------------------------------------------------------------
def import_max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def customer_import_create(
    *,
    org: Organization,
    actor: Actor,
    content: bytes,
    file_name: str = "",
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    on_duplicate: str = "skip",
    run: bool = True,
) -> CustomerImport:
    """Store the upload and queue its job (on commit). 413 over ``IMPORT_MAX_BYTES``;
    422 for a file that is not CSV text with a header row, or a mapping naming unknown
    columns or fields. Columns not mapped are auto-detected from their headers."""
    if len(content) > import_max_bytes():
        raise PayloadTooLarge(
            f"The file has {len(content):,} bytes; the limit is {import_max_bytes():,}.",
            limit=import_max_bytes(),
        )
    if on_duplicate not in CustomerImport.OnDuplicate.values:
        raise ValidationFailed({"on_duplicate": "One of skip, update, create."})
    parsed = parse_header(content)
    given = dict(mapping or {})
    detected = {c: f for c, f in detect_mapping(parsed.headers).items() if c not in given}
    taken = set(given.values())
    final = check_mapping(
        {**{c: f for c, f in detected.items() if f not in taken}, **given}, parsed.headers
    )
    total = sum(1 for _ in iter_rows(parsed))
    with transaction.atomic():
        imp = CustomerImport.objects.create(
            organization_id=org.pk,
            file_name=clean_text(file_name.replace("\n", " "), max_length=255)[:255]
            if file_name
            else "",
            content=content,
            size=len(content),
            mapping=final,
            dry_run=dry_run,
            on_duplicate=on_duplicate,
            total_rows=total,
            created_by=actor.label[:300],
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=imp,
            metadata={
                "file_name": imp.file_name,
                "size": imp.size,
                "rows": total,
                "mapping": final,
                "dry_run": dry_run,
                "on_duplicate": on_duplicate,
            },
        )
        if run:
            enqueue_on_commit(
                "frontdesk.customers.tasks.customer_import_run_job", str(org.pk), str(imp.pk)
            )
    return imp


# --- running -----------------------------------------------------------------------------
@dataclass
class _Run:
    imp: CustomerImport
    org: Organization
    actor: Actor
    seen: dict[str, int] = field(default_factory=dict)  # identity key -> first row number


def _batches(parsed: Parsed, after: int) -> Iterator[list[tuple[int, list[str] | None, str]]]:
    """The rows after row ``after`` (committed by an earlier attempt), ``BATCH_SIZE`` at
    a time."""
    batch: list[tuple[int, list[str] | None, str]] = []
    for item in iter_rows(parsed):
        if item[0] <= after:
            continue
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def customer_import_run(
    *,
    org: Organization,
    actor: Actor,
    customer_import: CustomerImport,
    progress: Callable[[CustomerImport], None] | None = None,
) -> CustomerImport:
    """Run (or resume after a crash) an import batch by batch. Idempotent: a finished
    import is returned as it is.

    The rows of the next batch are cleaned (parsed, validated, normalized, their search
    document built) in a second thread while this one writes the current batch: the
    cleaning is pure Python without the database, and the writer spends much of its
    time waiting for the database (which releases the GIL), so the two overlap."""
    imp = CustomerImport.objects.get(pk=customer_import.pk)
    if imp.status not in (Status.QUEUED, Status.RUNNING):
        return imp
    if imp.status == Status.QUEUED:
        imp.status = Status.RUNNING
        imp.started_at = timezone.now()
        imp.save(update_fields=["status", "started_at", "updated_at"])
    state = _Run(imp=imp, org=org, actor=actor)
    parsed = parse_header(bytes(imp.content))
    columns = [(i, imp.mapping[h]) for i, h in enumerate(parsed.headers) if h in imp.mapping]
    clean = functools.partial(
        clean_batch, columns=columns, width=len(parsed.headers), region=org.country
    )
    try:
        with _bulk_settings(), ThreadPoolExecutor(1, thread_name_prefix="import-clean") as pool:
            batches = _batches(parsed, imp.processed_rows)
            ahead = [(b, pool.submit(clean, b)) for b in itertools.islice(batches, 1)]
            while ahead:
                items, cleaning = ahead.pop(0)
                ahead.extend((b, pool.submit(clean, b)) for b in itertools.islice(batches, 1))
                _batch(state, items[-1][0], *cleaning.result())
                if progress and ahead:
                    progress(imp)
        with transaction.atomic():
            imp.status = Status.COMPLETED
            imp.finished_at = timezone.now()
            imp.save(update_fields=["status", "finished_at", "updated_at"])
            summary = _summary(imp)
            audit_record(org=org, actor=actor, action=AuditAction.UPDATE, obj=imp, metadata=summary)
            if not imp.dry_run and (imp.created_count or imp.updated_count):
                event_emit(
                    org=org,
                    type=events.CUSTOMERS_IMPORTED,
                    actor=actor,
                    payload={"import_id": imp.pk, **summary},
                )
    except Exception as exc:
        CustomerImport.objects.filter(pk=imp.pk).update(
            status=Status.FAILED, failure=str(exc)[:2000], finished_at=timezone.now()
        )
        imp.refresh_from_db()
        if settings.DEBUG or settings.TESTING:
            raise
    if progress:
        progress(imp)
    return imp


@contextlib.contextmanager
def _bulk_settings() -> Iterator[None]:
    """On SQLite, for this connection and for the length of the import: a page cache big
    enough for the indexes being written (the default 2 MB makes every batch read and
    write most index pages again), and a checkpoint every ~100 MB of WAL instead of every
    4 MB (each checkpoint copies every page dirtied since the last one into the database
    file and syncs it; fewer, larger checkpoints write a page dirtied by many batches
    once). Both are put back afterwards; nothing changes for other connections."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint")
        (autocheckpoint,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -131072")  # KiB: 128 MiB at most
        cursor.execute("PRAGMA wal_autocheckpoint = 25000")  # pages
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(autocheckpoint)}")


def _summary(imp: CustomerImport) -> dict[str, Any]:
    return {
        "rows": imp.total_rows,
        "created": imp.created_count,
        "updated": imp.updated_count,
        "skipped": imp.skipped_count,
        "errors": imp.error_count,
        "dry_run": imp.dry_run,
    }


def clean_batch(
    items, *, columns: list[tuple[int, str]], width: int, region: str
) -> tuple[list[Row], list[tuple[int, str, str]]]:
    """The batch's valid rows and the errors of the others. Touches no database, so it
    may run in another thread."""
    errors: list[tuple[int, str, str]] = []
    rows: list[Row] = []
    for number, cells, problem in items:
        if cells is None:
            errors.append((number, "", problem))
            continue
        if len(cells) != width:
            errors.append(
                (number, "", f"The row has {len(cells)} cells; the header has {width} columns.")
            )
            continue
        data = {}
        for i, name in columns:
            value = cells[i].strip()
            if value:
                data[name] = _unquote(value)
        row, row_errors = clean_row(number, data, region)
        if row is None:
            errors.extend((number, f, m) for f, m in row_errors)
        else:
            rows.append(row)
    return rows, errors


def _owners(org: Organization, rows: list[Row]) -> dict[str, set]:
    """Identity key (``p:+1512…``, ``e:ann@…``) → the live customers of ``org`` that
    have it (merged tombstones left out): one query per key kind for the whole batch,
    the batch's keys passed as one array (PostgreSQL) or one JSON list (SQLite)."""
    phones = sorted({p["number"] for r in rows for p in r.phones})
    emails = sorted({e["key"] for r in rows for e in r.emails})
    owners: dict[str, set] = defaultdict(set)
    sqlite = connection.vendor == "sqlite"
    org_id = org.pk.hex if sqlite else org.pk

    def many(values: list) -> tuple[str, Any]:
        return (
            ("IN (SELECT value FROM json_each(%s))", json.dumps(values))
            if sqlite
            else (
                "= ANY(%s)",
                values,
            )
        )

    # no join to customers here: SQLite's planner would walk the merged_into index
    with connection.cursor() as cursor:
        for prefix, table, column, values in (
            ("p:", CustomerPhone._meta.db_table, "number", phones),
            ("e:", CustomerEmail._meta.db_table, "key", emails),
        ):
            if not values:
                continue
            test, param = many(values)
            cursor.execute(
                f"SELECT {column}, customer_id FROM {table}"  # noqa: S608
                f" WHERE organization_id = %s AND {column} {test}",
                [org_id, param],
            )
            for value, cid in cursor.fetchall():
                owners[prefix + value].add(uuid.UUID(cid) if sqlite else cid)
        found = sorted({cid for ids in owners.values() for cid in ids})
        if found:
            test, param = many([c.hex for c in found] if sqlite else found)
            cursor.execute(
                f"SELECT id FROM {Customer._meta.db_table}"  # noqa: S608
                f" WHERE organization_id = %s AND id {test} AND merged_into_id IS NOT NULL",
                [org_id, param],
            )
            tombstones = {uuid.UUID(c) if sqlite else c for (c,) in cursor.fetchall()}
            if tombstones:
                owners = defaultdict(set, {k: ids - tombstones for k, ids in owners.items()})
    return owners


def _batch(state: _Run, last_row: int, rows: list[Row], errors: list) -> None:
    """Look up the batch's duplicates and write it (customers, progress, row errors) in
    one transaction."""
    imp, org = state.imp, state.org
    owners = _owners(org, rows)
    create: list[Row] = []
    update: dict[Any, Row] = {}
    skipped = 0
    policy = imp.on_duplicate
    for row in rows:
        keys = row.keys()
        matches = set().union(*(owners.get(k, set()) for k in keys)) if keys else set()
        earlier = next((state.seen[k] for k in keys if k in state.seen), None)
        if policy == "create" or not (matches or earlier):
            for k in keys:
                state.seen.setdefault(k, row.number)
            create.append(row)
        elif policy == "skip" or earlier:
            skipped += 1  # a duplicate of a customer, or of an earlier row of this file
        elif len(matches) > 1:
            errors.append(
                (row.number, "", f"Matches {len(matches)} customers; merge them, then import.")
            )
        elif next(iter(matches)) in update:
            skipped += 1
        else:
            update[next(iter(matches))] = row

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Safe to lose on a server crash: the batch and the progress that counts it
            # are one transaction, so the job resumes before it. Saves a WAL flush per batch.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        updated = 0
        if update:
            updated = _update(state, update, errors)
        if create and not imp.dry_run:
            _create(state, create)
        stored = CustomerImportRowError.objects.filter(customer_import=imp).count()
        room = max(0, ERRORS_KEPT - stored)
        CustomerImportRowError.objects.bulk_create(
            CustomerImportRowError(
                organization_id=org.pk, customer_import=imp, row=n, field=f[:100], message=m
            )
            for n, f, m in sorted(errors)[:room]
        )
        imp.processed_rows = last_row
        imp.created_count += len(create)
        imp.updated_count += updated
        imp.skipped_count += skipped
        imp.error_count += len({n for n, _, _ in errors})
        imp.save(
            update_fields=[
                "processed_rows",
                "created_count",
                "updated_count",
                "skipped_count",
                "error_count",
                "created_ranges",
                "updated_at",
            ]
        )


def _unquote(value: str) -> str:
    """Undo the export's formula guard: ``'+1512…`` (a cell we neutralized) → ``+1512…``."""
    if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _Inserter:
    """``INSERT`` of plain rows without building model instances (``bulk_create``
    spends most of an import's time preparing 40 fields per object): one ``COPY`` in
    text format per batch on PostgreSQL, the whole batch written as one string;
    ``executemany`` on SQLite. Values are given by attname; missing ones take the
    field's default, converted once."""

    def __init__(self, model) -> None:
        qn = connection.ops.quote_name
        fields = list(model._meta.concrete_fields)
        columns = ", ".join(qn(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        self.copy_sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
        self.copy = connection.vendor == "postgresql"
        make = self._copy_converter if self.copy else self._converter
        self.converters = [make(f) for f in fields]
        self.position = {f.attname: i for i, f in enumerate(fields)}
        self.defaults = [
            conv(None if f.primary_key or not f.has_default() and f.null else f.get_default())
            for f, conv in zip(fields, self.converters, strict=True)
        ]

    @staticmethod
    def _converter(f) -> Callable[[Any], Any]:
        kind = (f.target_field if f.is_relation else f).get_internal_type()
        if kind == "UUIDField":
            return lambda v: v.hex if isinstance(v, uuid.UUID) else v
        if kind == "DateTimeField":
            return functools.lru_cache(maxsize=16)(
                lambda v: connection.ops.adapt_datetimefield_value(v)
            )
        if kind == "JSONField":
            return lambda v: f.get_db_prep_save(v, connection)
        return lambda v: v

    @staticmethod
    def _copy_converter(f) -> Callable[[Any], str]:
        """The value as a cell of ``COPY … FROM STDIN`` (text format)."""
        kind = (f.target_field if f.is_relation else f).get_internal_type()

        def cell(v: Any) -> str:
            if v is None:
                return "\\N"
            if isinstance(v, str):
                return v.translate(_COPY_ESCAPES)
            if isinstance(v, bool):
                return "t" if v else "f"
            if isinstance(v, uuid.UUID):
                return v.hex
            if hasattr(v, "isoformat"):
                return v.isoformat()
            return str(v)

        if kind == "JSONField":
            return lambda v: "\\N" if v is None else cell(json.dumps(v))
        return cell

    def values(self, rows: list[dict[str, Any]], constant: dict[str, Any]) -> list[list]:
        """Each row's cells in column order; ``constant`` holds values every row shares."""
        position, converters = self.position, self.converters
        base = list(self.defaults)
        for name, value in constant.items():
            base[position[name]] = converters[position[name]](value)
        out = []
        for row in rows:
            cells = base.copy()
            for name, value in row.items():
                i = position[name]
                cells[i] = converters[i](value)
            out.append(cells)
        return out

    def insert(self, rows: list[dict[str, Any]], constant: dict[str, Any]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            if self.copy:
                # COPY: one stream for the batch, several times faster than INSERTs, sent
                # in pieces so that PostgreSQL inserts one while the next is built
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for chunk in _chunks(rows, 250):
                        copy.write(
                            "".join(["\t".join(c) + "\n" for c in self.values(chunk, constant)])
                        )
                return
            for chunk in _chunks(self.values(rows, constant), 1000):
                cursor.executemany(self.sql, chunk)


@functools.cache
def _inserter(model, vendor: str) -> _Inserter:
    return _Inserter(model)


def _new_ids(count: int) -> list[str]:
    """``count`` random (version 4) UUIDs as 32 hex digits, the form both databases
    take, much faster than ``uuid.uuid4()`` one by one."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])
    text = raw.hex()
    return [text[i : i + 32] for i in range(0, 32 * count, 32)]


_ordered_lock = threading.Lock()
_ordered_last = 0  # the last 60-bit (milliseconds << 12 | counter) prefix handed out


def _ordered_ids(count: int) -> list[str]:
    """``count`` time-ordered UUIDs (RFC 9562 version 7) as 32 hex digits, strictly
    increasing within this process: 48 bits of Unix milliseconds and a 12-bit counter
    (advanced as one 60-bit number, RFC 9562 6.2 method 3, so a block of ids may run a
    few milliseconds ahead of the clock), then 62 random bits, which keep ids of
    different processes apart. New rows then land at the right-hand end of the primary
    key and of every index that leads with ``customer_id`` instead of on a random page
    of each: on a large table that is the difference between appending to one cached
    page and reading and dirtying a different page per row and index.

    Not for customers on SQLite: their FTS rowid is the id's top 63 bits
    (``search.fts_rowid``), which must stay unique, and here those bits are mostly the
    clock."""
    global _ordered_last
    with _ordered_lock:
        first = max(time.time_ns() // 1_000_000 << 12, _ordered_last + 1)
        _ordered_last = first + count - 1
    rand = os.urandom(8 * count)
    out = []
    for i in range(count):
        prefix = first + i
        low = int.from_bytes(rand[8 * i : 8 * i + 8]) & 0x3FFF_FFFF_FFFF_FFFF | 1 << 63
        out.append(f"{prefix >> 12:012x}7{prefix & 0xFFF:03x}{low:016x}")
    return out


def _create(state: _Run, rows: list[Row]) -> None:
    imp, org = state.imp, state.org
    numbers = reference_block(org=org, kind="customer", count=len(rows))
    first = int(numbers[0].rsplit("-", 1)[1])
    imp.created_ranges = [*imp.created_ranges, [first, first + len(rows) - 1]]
    now = timezone.now()
    customers, phones, emails, addresses, tags, fts, phone_fts = [], [], [], [], [], [], []
    sqlite = connection.vendor == "sqlite"
    children = sum(len(r.phones) + len(r.emails) + len(r.tags) + 1 for r in rows)
    if sqlite:  # random customer ids: the FTS rowid is their top 63 bits
        cids, ids = _new_ids(len(rows)), iter(_ordered_ids(children))
    else:  # customer and child ids from one increasing block
        ids = iter(_ordered_ids(len(rows) + children))
        cids = None
    for i, (row, number) in enumerate(zip(rows, numbers, strict=True)):
        cid = cids[i] if cids else next(ids)
        display, name_key, last_first_key, text = row.document
        customers.append(
            {
                **row.values,
                "id": cid,
                "number": number,
                "display_name": display,
                "name_key": name_key,
                "last_first_key": last_first_key,
                "primary_phone": row.phones[0]["number"] if row.phones else "",
                "primary_email": row.emails[0]["address"] if row.emails else "",
                "search_text": text,
            }
        )
        for i, p in enumerate(row.phones):
            phones.append(
                {"id": next(ids), "customer_id": cid, "position": i, "primary": i == 0, **p}
            )
        for i, e in enumerate(row.emails):
            emails.append(
                {"id": next(ids), "customer_id": cid, "position": i, "primary": i == 0, **e}
            )
        if row.address:
            a = row.address
            addresses.append(
                {
                    "id": next(ids),
                    "customer_id": cid,
                    "key": address_key(a["street"], a["postal_code"], a["city"]),
                    **a,
                }
            )
        tags.extend({"id": next(ids), "customer_id": cid, "tag": t} for t in row.tags)
        if sqlite:
            rowid = int(cid, 16) >> 65  # search.fts_rowid
            if text:
                fts.append((rowid, cid, text))
            if row.phones:
                phone_fts.append((rowid, cid, " ".join(p["digits"] for p in row.phones)))
    base = {"organization_id": org.pk, "created_at": now, "updated_at": now}
    for model, objs, constant in (
        (Customer, customers, base),
        (CustomerPhone, phones, base),
        (CustomerEmail, emails, base),
        (CustomerAddress, addresses, {**base, "primary": True}),
        (CustomerTag, tags, base),
    ):
        _inserter(model, connection.vendor).insert(objs, constant)
    if sqlite:
        with connection.cursor() as cursor:
            for table, fts_rows in ((CUSTOMER_FTS, fts), (PHONE_FTS, phone_fts)):
                cursor.executemany(
                    f"INSERT INTO {table} (rowid, customer_id, body) VALUES (%s, %s, %s)",  # noqa: S608
                    fts_rows,
                )


UPDATABLE = SCALAR_FIELDS | COMMUNICATION_FIELDS


def _update(state: _Run, rows: dict[Any, Row], errors: list) -> int:
    """Fill in the matched customers: given scalar fields overwrite, phones, emails and
    tags are added, an address only where the customer has none. Returns how many
    customers changed (dry run: would change)."""
    imp, org = state.imp, state.org
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=list(rows))}
    have: dict[Any, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for cid, number in CustomerPhone.objects.filter(customer_id__in=list(rows)).values_list(
        "customer_id", "number"
    ):
        have[cid]["phones"].add(number)
    for cid, key in CustomerEmail.objects.filter(customer_id__in=list(rows)).values_list(
        "customer_id", "key"
    ):
        have[cid]["emails"].add(key)
    for cid, tag in CustomerTag.objects.filter(customer_id__in=list(rows)).values_list(
        "customer_id", "tag"
    ):
        have[cid]["tags"].add(tag)
    with_address = set(
        CustomerAddress.objects.filter(customer_id__in=list(rows)).values_list(
            "customer_id", flat=True
        )
    )
    changes, touched = [], []
    for cid, row in rows.items():
        customer = customers[cid]
        if customer.status == "archived":
            errors.append((row.number, "", f"Matches {customer.number}, which is archived."))
            continue
        before, after = {}, {}
        for name, value in row.values.items():
            if name in UPDATABLE and name != "source" and getattr(customer, name) != value:
                before[name], after[name] = getattr(customer, name), value
        new_phones = [p for p in row.phones if p["number"] not in have[cid]["phones"]]
        new_emails = [e for e in row.emails if e["key"] not in have[cid]["emails"]]
        new_tags = [t for t in row.tags if t not in have[cid]["tags"]]
        new_address = row.address if row.address and cid not in with_address else None
        if not (before or new_phones or new_emails or new_tags or new_address):
            continue
        touched.append(cid)
        if imp.dry_run:
            continue
        for name, value in after.items():
            setattr(customer, name, value)
        if after:
            customer.save(update_fields=[*after, "updated_at"])
        else:
            customer.save(update_fields=["updated_at"])
        positions = len(have[cid]["phones"])
        CustomerPhone.objects.bulk_create(
            CustomerPhone(organization_id=org.pk, customer=customer, position=positions + i, **p)
            for i, p in enumerate(new_phones)
        )
        positions = len(have[cid]["emails"])
        CustomerEmail.objects.bulk_create(
            CustomerEmail(organization_id=org.pk, customer=customer, position=positions + i, **e)
            for i, e in enumerate(new_emails)
        )
        CustomerTag.objects.bulk_create(
            CustomerTag(organization_id=org.pk, customer=customer, tag=t) for t in new_tags
        )
        address_ids = []
        if new_address:
            a = new_address
            address_ids.append(
                CustomerAddress.objects.create(
                    organization_id=org.pk,
                    customer=customer,
                    primary=True,
                    key=address_key(a["street"], a["postal_code"], a["city"]),
                    **a,
                ).pk
            )
        changes.append(
            CustomerImportChange(
                organization_id=org.pk,
                customer_import=imp,
                customer=customer,
                row=row.number,
                before=before,
                after=after,
                added={
                    "phones": [p["number"] for p in new_phones],
                    "emails": [e["key"] for e in new_emails],
                    "tags": new_tags,
                    "addresses": [str(i) for i in address_ids],
                },
            )
        )
    if changes:
        CustomerImportChange.objects.bulk_create(changes)
        index_customers([c.customer_id for c in changes])
    return len(touched)


# --- revert ------------------------------------------------------------------------------
def customer_import_revert(
    *, org: Organization, actor: Actor, customer_import: CustomerImport
) -> CustomerImport:
    """Undo a finished (or failed) import in one transaction: archive the customers it
    created, put back the fields it changed (unless changed again since) and remove the
    phones, emails, tags and addresses it added. A second revert is 409."""
    with transaction.atomic():
        imp = CustomerImport.objects.get(pk=customer_import.pk)
        if imp.status == Status.REVERTED:
            raise InvalidState("This import was reverted already.")
        if imp.dry_run:
            raise InvalidState("A dry run changed nothing; there is nothing to revert.")
        if imp.status not in (Status.COMPLETED, Status.FAILED):
            raise InvalidState(f"The import is {imp.status}; revert it once it has finished.")
        now = timezone.now()
        archived = 0
        for first, last in imp.created_ranges:
            numbers = [reference_format("customer", v) for v in range(first, last + 1)]
            for chunk in _chunks(numbers, 900):
                archived += (
                    Customer.objects.filter(number__in=chunk)
                    .exclude(status="archived")
                    .update(status="archived", archived_at=now, updated_at=now)
                )
        restored = []
        for change in CustomerImportChange.objects.filter(customer_import=imp).select_related(
            "customer"
        ):
            customer = change.customer
            back = {
                name: value
                for name, value in change.before.items()
                if getattr(customer, name) == change.after.get(name)
            }
            for name, value in back.items():
                setattr(customer, name, value)
            customer.save(update_fields=[*back, "updated_at"])
            added = change.added
            CustomerPhone.objects.filter(customer=customer, number__in=added["phones"]).delete()
            CustomerEmail.objects.filter(customer=customer, key__in=added["emails"]).delete()
            CustomerTag.objects.filter(customer=customer, tag__in=added["tags"]).delete()
            CustomerAddress.objects.filter(customer=customer, pk__in=added["addresses"]).delete()
            for model in (CustomerPhone, CustomerEmail):
                if not model.objects.filter(customer=customer, primary=True).exists():
                    head = model.objects.filter(customer=customer).order_by("position").first()
                    if head:
                        model.objects.filter(pk=head.pk).update(primary=True)
            restored.append(customer.pk)
        if restored:
            index_customers(restored)
        imp.status = Status.REVERTED
        imp.reverted_at = now
        imp.save(update_fields=["status", "reverted_at", "updated_at"])
        metadata = {"archived": archived, "restored": len(restored)}
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.ARCHIVE,
            obj=imp,
            changes={"status": ("completed", "reverted")},
            metadata=metadata,
        )
        event_emit(
            org=org,
            type=events.CUSTOMERS_IMPORT_REVERTED,
            actor=actor,
            payload={"import_id": imp.pk, **metadata},
        )
    return imp


def parse_mapping(raw: str | dict | None) -> dict[str, str]:
    """The ``mapping`` form field: a JSON object, or ``col=field`` pairs (CLI)."""
    if raw in (None, ""):
        return {}
    if isinstance(raw, dict):
        value = raw
    else:
        try:
            value = json.loads(raw)
        except ValueError:
            raise ValidationFailed({"mapping": 'A JSON object: {"CSV column": "field"}.'})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValidationFailed({"mapping": "A JSON object of column name → field name."})
    return value
