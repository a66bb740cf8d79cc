"""Importing customers from CSV: upload, run as a job in batches, report, revert.

What "nothing half-imported" means here (docs/customers.md, "Import and export"):

* **A row is all or nothing.** A row with any error (bad phone, unknown choice, too long
  a name, wrong number of cells) is not imported at all and is listed in the error
  report with its row number, field and message; the valid rows are imported.
  A dry run (``dry_run``) does everything but write, so the report can be read first.
* **An import is one unit.** Each batch of ``BATCH_SIZE`` rows (``SQLITE_BATCH_SIZE`` on
  SQLite) is one transaction that writes its customers, the search index, the import's
  progress and its row errors together, so a crashed job resumes exactly after the last
  committed batch (jobs are delivered at least once). ``import_revert`` undoes the whole
  import: customers it created are archived (rule 3: archived, never deleted), fields it
  changed on existing customers are put back (where nobody changed them since) and
  contact rows it added are removed.

Speed: rows are parsed with :mod:`csv` and cleaned (phones and emails normalized once per
distinct input, cached; the search document and name keys built; each table's row
rendered as ``COPY`` text or a parameter tuple, less the ids, number, organization and
timestamps) ahead of the writer, in a helper process for a large file and in a thread for
a small one; the writer looks up duplicates with one query per key kind per batch (the
batch's keys as one array or JSON list), adds the missing values and sends the batch as
one ``COPY`` per table on PostgreSQL (``executemany`` on SQLite), numbers taken as one
block per batch (``reference_block``), the SQLite FTS rows inserted per batch. The rows it
creates get time-ordered ids (``_ordered_ids``; not customers on SQLite), so they append
to the primary keys and to the indexes that lead with ``customer_id``. One audit entry per
import (upload, finish, revert) and one ``customers.imported`` event, not one per
customer.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import logging
import os
import pickle
import queue
import re
import subprocess
import sys
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

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
# SQLite: fewer, larger transactions (each commit writes every page the batch dirtied to
# the WAL: 2,000 -> 5,000 rows saved ~0.25 CPU-s per 10,000 rows); a batch holds the
# write lock for about a second
SQLITE_BATCH_SIZE = 5000
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


_YES = {"true", "yes", "y", "1", "x", "on", "t"}
_NO = {"false", "no", "n", "0", "off", "f"}


def _flag(raw: str) -> bool:
    """A spreadsheet's yes/no cell (``yes``, ``TRUE``, ``1``, ``x`` / ``no``, ``0``…)."""
    value = raw.strip().casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError("Yes or no (true/false, 1/0).")


def clean_row(number: int, data: dict[str, str], region: str) -> tuple[Row | None, list]:
    """The row's values, or its errors as ``[(field, message), ...]``."""
    errors = Errors()
    scalars = {k: v for k, v in data.items() if k in SCALAR_FIELDS}
    communication = {}
    for name in COMMUNICATION_FIELDS & data.keys():  # a blank cell leaves the default
        if data[name].strip():
            try:
                communication[name] = _flag(data[name])
            except ValueError as exc:
                errors.add(name, str(exc))
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
    job: CleanJob
    seen: dict[str, int] = field(default_factory=dict)  # identity key -> first row number


def customer_import_run(
    *,
    org: Organization,
    actor: Actor,
    customer_import: CustomerImport,
    progress: Callable[[CustomerImport], None] | None = None,
) -> CustomerImport:
    """Run (or resume after a crash) an import batch by batch. Idempotent: a finished
    import is returned as it is.

    The rows are cleaned (parsed, validated, normalized, their search document built and
    their table rows rendered) ahead of the writer: in a helper process for a large file
    (``_ProcessCleaner``: the two then run on two cores instead of taking turns on the
    GIL), in a second thread for a small one (``_ThreadCleaner``), the same code either
    way. The writer looks up duplicates, numbers the batch and sends it."""
    imp = CustomerImport.objects.get(pk=customer_import.pk)
    if imp.status not in (Status.QUEUED, Status.RUNNING):
        return imp
    if imp.status == Status.QUEUED:
        imp.status = Status.RUNNING
        imp.started_at = timezone.now()
        imp.save(update_fields=["status", "started_at", "updated_at"])
    content = bytes(imp.content)
    parsed = parse_header(content)
    columns = [(i, imp.mapping[h]) for i, h in enumerate(parsed.headers) if h in imp.mapping]
    job = CleanJob(
        columns=columns,
        width=len(parsed.headers),
        region=org.country,
        after=imp.processed_rows,
        batch_size=SQLITE_BATCH_SIZE if connection.vendor == "sqlite" else BATCH_SIZE,
        copy=connection.vendor == "postgresql",
    )
    state = _Run(imp=imp, org=org, actor=actor, job=job)
    try:
        with _bulk_settings(), _cleaner(job, parsed, content, imp.total_rows) as batches:
            for batch in batches:
                _batch(state, *batch)
                if progress:
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


# --- cleaning: rows in, rendered table rows out (no database) ---------------------------
@dataclass(frozen=True)
class CleanJob:
    """What cleaning needs to know; pickled to the helper process."""

    columns: list[tuple[int, str]]  # (cell index, field)
    width: int
    region: str
    after: int  # rows up to this one were committed by an earlier attempt
    batch_size: int
    copy: bool  # PostgreSQL: rows rendered as COPY text; SQLite: as parameter tuples


# A cleaned row as the writer gets it: a plain tuple (cheap to pickle back from the
# helper process), the table rows rendered but for the values the writer adds (ids, the
# customer number, organization and timestamps):
# (row number, identity keys, the row's cells (to clean again for an update), the
#  customer's rest, phones' rests, emails' rests, the address's rest or None, tags'
#  rests, FTS text, phone FTS text)
Packed = tuple
P_NUMBER, P_KEYS, P_CELLS, P_CUSTOMER, P_PHONES, P_EMAILS, P_ADDRESS, P_TAGS = range(8)
P_FTS, P_PHONE_FTS = 8, 9


def _row_data(cells: list[str], columns: list[tuple[int, str]]) -> dict[str, str]:
    data = {}
    for i, name in columns:
        value = cells[i].strip()
        if value:
            data[name] = _unquote(value)
    return data


def clean_batch(items, job: CleanJob) -> tuple[list[Packed], list[tuple[int, str, str]]]:
    """The batch's valid rows, packed, and the errors of the others. Touches no
    database, so it may run in another thread or process."""
    errors: list[tuple[int, str, str]] = []
    rows: list[Packed] = []
    width, columns, region = job.width, job.columns, job.region
    tables = _tables(job.copy)
    customer, phone, email, address, tag = (tables[m] for m in _CHILDREN_OF_CUSTOMER)
    for number, cells, problem in items:
        if cells is None:
            errors.append((number, "", problem))
            continue
        if len(cells) != width:
            errors.append(
                (number, "", f"The row has {len(cells)} cells; the header has {width} columns.")
            )
            continue
        row, row_errors = clean_row(number, _row_data(cells, columns), region)
        if row is None:
            errors.extend((number, f, m) for f, m in row_errors)
            continue
        display, name_key, last_first_key, text = row.document
        a = row.address
        rows.append(
            (
                number,
                row.keys(),
                cells,
                customer.render(
                    {
                        **row.values,
                        "display_name": display,
                        "name_key": name_key,
                        "last_first_key": last_first_key,
                        "primary_phone": row.phones[0]["number"] if row.phones else "",
                        "primary_email": row.emails[0]["address"] if row.emails else "",
                        "search_text": text,
                    }
                ),
                [
                    phone.render({"position": i, "primary": i == 0, **p})
                    for i, p in enumerate(row.phones)
                ],
                [
                    email.render({"position": i, "primary": i == 0, **e})
                    for i, e in enumerate(row.emails)
                ],
                address.render(
                    {
                        "primary": True,
                        "key": address_key(a["street"], a["postal_code"], a["city"]),
                        **a,
                    }
                )
                if a
                else None,
                [tag.render({"tag": t}) for t in row.tags],
                text,
                " ".join(p["digits"] for p in row.phones),
            )
        )
    return rows, errors


def clean_stream(job: CleanJob, parsed: Parsed) -> Iterator[tuple[int, list, list]]:
    """``(last row number, packed rows, errors)`` per batch after ``job.after``."""
    batch: list[tuple[int, list[str] | None, str]] = []
    for item in iter_rows(parsed):
        if item[0] <= job.after:
            continue
        batch.append(item)
        if len(batch) >= job.batch_size:
            yield (batch[-1][0], *clean_batch(batch, job))
            batch = []
    if batch:
        yield (batch[-1][0], *clean_batch(batch, job))


def process_min_rows() -> int:
    """Files with at least this many rows (left to import) are cleaned in a helper
    process; smaller ones in a thread (starting the process costs ~0.5 s of CPU)."""
    return int(getattr(settings, "IMPORT_PROCESS_MIN_ROWS", 20_000))


@contextlib.contextmanager
def _cleaner(job: CleanJob, parsed: Parsed, content: bytes, total: int) -> Iterator[Iterator]:
    """The batches, cleaned in the helper process for a large file (or when it cannot
    start or fails before its first batch, in a thread), in a thread for a small one."""
    with ThreadPoolExecutor(1, thread_name_prefix="import-clean") as pool:
        in_thread = functools.partial(_ahead, pool, clean_stream(job, parsed))
        if total - job.after < process_min_rows():
            yield in_thread()
            return
        try:
            cleaner = _ProcessCleaner(job, content)
        except OSError as exc:
            logger.warning("No cleaning process for the import (%s); cleaning in a thread", exc)
            yield in_thread()
            return
        with contextlib.closing(cleaner):
            yield _first_or_fallback(iter(cleaner), cleaner.close, in_thread)


def _first_or_fallback(batches: Iterator, close: Callable, fallback: Callable) -> Iterator:
    """``batches``; if the first one fails (the helper cannot start: a broken
    environment, no memory), ``fallback()``'s instead. A failure after that fails the
    import: the helper's batches cannot be taken over halfway."""
    try:
        first = next(batches, None)
    except RuntimeError as exc:
        logger.warning("The import's cleaning process failed (%s); cleaning in a thread", exc)
        close()
        yield from fallback()
        return
    if first is not None:
        yield first
        yield from batches


def _ahead(pool: ThreadPoolExecutor, stream: Iterator) -> Iterator:
    """The stream's items, the next one made in ``pool`` while the caller works."""
    pending = pool.submit(next, stream, None)
    while (item := pending.result()) is not None:
        pending = pool.submit(next, stream, None)
        yield item


class _ProcessCleaner:
    """Cleaning in a helper process (``python -m frontdesk.customers.import_cleaner``):
    the job and the file go in on its stdin, pickled batches come back on its stdout, read
    ahead by a thread (up to ``AHEAD`` batches) so the helper keeps working while this
    process writes. A subprocess rather than ``multiprocessing``: the job runs inside a
    django-q worker, a daemonic process, which may not have multiprocessing children,
    and forking a process with threads is unsafe. If this process dies, the helper reads
    EOF or a broken pipe and ends."""

    AHEAD = 3

    COMMAND = (sys.executable, "-m", "frontdesk.customers.import_cleaner")

    def __init__(self, job: CleanJob, content: bytes) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 (our own module, no shell)
            self.COMMAND,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.queue: queue.Queue = queue.Queue(maxsize=self.AHEAD)
        self.stop = threading.Event()
        self.reader = threading.Thread(target=self._read, name="import-clean-read", daemon=True)
        self.reader.start()
        # written by a thread: the helper reads it once Django is set up (~0.5 s)
        self.writer = threading.Thread(
            target=self._write, args=(job, content), name="import-clean-write", daemon=True
        )
        self.writer.start()

    def _write(self, job: CleanJob, content: bytes) -> None:
        with contextlib.suppress(OSError):  # the helper died: the reader reports it
            with self.proc.stdin:
                pickle.dump((job, content), self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            with contextlib.suppress(queue.Full):
                self.queue.put(item, timeout=0.1)
                return True
        return False

    def _read(self) -> None:
        try:
            while True:
                item = pickle.load(self.proc.stdout)  # noqa: S301 (our own child's pipe)
                if not self._put(item) or item is None or isinstance(item, str):
                    return
        except Exception as exc:  # EOF: the helper died
            self._put(f"The cleaning process ended unexpectedly ({exc!r}).")

    def __iter__(self) -> Iterator[tuple[int, list, list]]:
        while (item := self.queue.get()) is not None:
            if isinstance(item, str):  # the helper's error
                raise RuntimeError(item)
            yield item

    def close(self) -> None:
        self.stop.set()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join()
        self.writer.join()
        self.proc.stdout.close()


def clean_in_process(stdin, stdout) -> None:
    """The helper process's work (``import_cleaner``): read the job, write the batches."""
    job, content = pickle.load(stdin)  # noqa: S301 (our parent's pipe)
    try:
        for batch in clean_stream(job, parse_header(content)):
            pickle.dump(batch, stdout, protocol=pickle.HIGHEST_PROTOCOL)
            stdout.flush()
    except Exception as exc:  # reported to the writer, which fails the import with it
        pickle.dump(f"Cleaning failed: {exc!r}", stdout)
    else:
        pickle.dump(None, stdout)
    stdout.flush()


def _owners(org: Organization, rows: list[Packed]) -> dict[str, set]:
    """Identity key (``p:+1512…``, ``e:ann@…``) → the live customers of ``org`` that
    have it (merged tombstones left out): one query per key kind for the whole batch,
    the batch's keys passed as one array (PostgreSQL) or one JSON list (SQLite)."""
    keys = {k for r in rows for k in r[P_KEYS]}
    phones = sorted(k[2:] for k in keys if k[0] == "p")
    emails = sorted(k[2:] for k in keys if k[0] == "e")
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


def _batch(state: _Run, last_row: int, rows: list[Packed], errors: list) -> None:
    """Look up the batch's duplicates and write it (customers, progress, row errors) in
    one transaction."""
    imp, org = state.imp, state.org
    owners = _owners(org, rows)
    create: list[Packed] = []
    update: dict[Any, Packed] = {}
    skipped = 0
    policy = imp.on_duplicate
    seen = state.seen
    for row in rows:
        keys = row[P_KEYS]
        matches = set().union(*(owners.get(k, set()) for k in keys)) if keys else set()
        earlier = next((seen[k] for k in keys if k in seen), None)
        if policy == "create" or not (matches or earlier):
            for k in keys:
                seen.setdefault(k, row[P_NUMBER])
            create.append(row)
        elif policy == "skip" or earlier:
            skipped += 1  # a duplicate of a customer, or of an earlier row of this file
        elif len(matches) > 1:
            errors.append(
                (row[P_NUMBER], "", f"Matches {len(matches)} customers; merge them, then import.")
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

_CHILDREN_OF_CUSTOMER = (Customer, CustomerPhone, CustomerEmail, CustomerAddress, CustomerTag)
# the columns the writer fills in, first; the cleaner renders the rest
_LEAD = ("id", "number", "organization_id", "created_at", "updated_at")
_CHILD_LEAD = ("id", "customer_id", "organization_id", "created_at", "updated_at")


class _Table:
    """``INSERT`` of plain rows without building model instances (``bulk_create``
    spends most of an import's time preparing 40 fields per object). The columns are the
    ``lead`` ones the writer knows (ids, organization, timestamps), then the rest, which
    the cleaner renders from values given by attname (missing ones take the field's
    default, converted once): as ``COPY`` text on PostgreSQL (one ``COPY`` per table and
    batch), as a parameter tuple for ``executemany`` on SQLite."""

    def __init__(self, model, lead: tuple[str, ...], copy: bool) -> None:
        qn = connection.ops.quote_name
        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = [f for name, f in fields.items() if name not in lead]
        columns = ", ".join(qn(f.column) for f in [*(fields[n] for n in lead), *rest])
        marks = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
        self.copy_sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
        self.copy = copy
        make = self._copy_converter if copy else self._converter
        self.converters = [make(f) for f in rest]
        self.position = {f.attname: i for i, f in enumerate(rest)}
        self.defaults = [
            conv(None if not f.has_default() and f.null else f.get_default())
            for f, conv in zip(rest, self.converters, strict=True)
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

    def render(self, values: dict[str, Any]) -> str | tuple:
        """The row's cells after the lead ones: COPY text, or a parameter tuple."""
        position, converters = self.position, self.converters
        cells = self.defaults.copy()
        for name, value in values.items():
            i = position[name]
            cells[i] = converters[i](value)
        return "\t".join(cells) if self.copy else tuple(cells)

    def write(self, rows: list) -> None:
        """COPY text lines, or parameter tuples."""
        if not rows:
            return
        with connection.cursor() as cursor:
            if self.copy:
                # one stream for the batch, several times faster than INSERTs, sent in
                # pieces so that PostgreSQL inserts one while the next is sent
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for chunk in _chunks(rows, 500):
                        copy.write("".join(chunk))
                return
            for chunk in _chunks(rows, 1000):
                cursor.executemany(self.sql, chunk)


@functools.cache
def _tables(copy: bool) -> dict[Any, _Table]:
    return {
        model: _Table(model, _LEAD if model is Customer else _CHILD_LEAD, copy)
        for model in _CHILDREN_OF_CUSTOMER
    }


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
    rand = os.urandom(8 * count).hex()
    return [  # the variant (two bits 10) then 62 random bits
        f"{p >> 12:012x}7{p & 0xFFF:03x}{_VARIANT[rand[j]]}{rand[j + 1 : j + 16]}"
        for p, j in zip(range(first, first + count), range(0, 16 * count, 16), strict=True)
    ]


_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def _create(state: _Run, rows: list[Packed]) -> None:
    imp, org = state.imp, state.org
    numbers = reference_block(org=org, kind="customer", count=len(rows))
    first = int(numbers[0].rsplit("-", 1)[1])
    imp.created_ranges = [*imp.created_ranges, [first, first + len(rows) - 1]]
    now = timezone.now()
    sqlite = connection.vendor == "sqlite"
    tables = _tables(not sqlite)
    # random customer ids on SQLite (the FTS rowid is their top 63 bits); otherwise each
    # table's ids from an increasing block
    cids = _new_ids(len(rows)) if sqlite else _ordered_ids(len(rows))
    out: dict[Any, list] = {}
    if sqlite:
        const = (org.pk.hex, *[connection.ops.adapt_datetimefield_value(now)] * 2)
        out[Customer] = [
            (cid, number, *const, *r[P_CUSTOMER])
            for cid, number, r in zip(cids, numbers, rows, strict=True)
        ]
    else:
        const = f"{org.pk}\t{now.isoformat()}\t{now.isoformat()}\t"
        out[Customer] = [
            f"{cid}\t{number}\t{const}{r[P_CUSTOMER]}\n"
            for cid, number, r in zip(cids, numbers, rows, strict=True)
        ]
    for model, part in (
        (CustomerPhone, P_PHONES),
        (CustomerEmail, P_EMAILS),
        (CustomerAddress, P_ADDRESS),
        (CustomerTag, P_TAGS),
    ):
        if part == P_ADDRESS:
            owned = [(cid, r[part]) for cid, r in zip(cids, rows, strict=True) if r[part]]
        else:
            owned = [(cid, one) for cid, r in zip(cids, rows, strict=True) for one in r[part]]
        ids = _ordered_ids(len(owned))
        if sqlite:
            out[model] = [
                (i, cid, *const, *rest) for i, (cid, rest) in zip(ids, owned, strict=True)
            ]
        else:
            out[model] = [
                f"{i}\t{cid}\t{const}{rest}\n" for i, (cid, rest) in zip(ids, owned, strict=True)
            ]
    for model in _CHILDREN_OF_CUSTOMER:
        tables[model].write(out[model])
    if sqlite:
        fts, phone_fts = [], []
        for cid, r in zip(cids, rows, strict=True):
            rowid = int(cid, 16) >> 65  # search.fts_rowid
            if r[P_FTS]:
                fts.append((rowid, cid, r[P_FTS]))
            if r[P_PHONE_FTS]:
                phone_fts.append((rowid, cid, r[P_PHONE_FTS]))
        with connection.cursor() as cursor:
            for table, fts_rows in ((CUSTOMER_FTS, fts), (PHONE_FTS, phone_fts)):
                cursor.executemany(
                    f"INSERT INTO {table} (rowid, customer_id, body) VALUES (%s, %s, %s)",  # noqa: S608
                    fts_rows,
                )


UPDATABLE = SCALAR_FIELDS | COMMUNICATION_FIELDS


def _update(state: _Run, packed: dict[Any, Packed], errors: list) -> int:
    """Fill in the matched customers: given scalar fields overwrite, phones, emails and
    tags are added, an address only where the customer has none. Returns how many
    customers changed (dry run: would change)."""
    imp, org, job = state.imp, state.org, state.job
    rows = {  # cleaned again in full: updates are the rare case
        cid: clean_row(p[P_NUMBER], _row_data(p[P_CELLS], job.columns), job.region)[0]
        for cid, p in packed.items()
    }
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
