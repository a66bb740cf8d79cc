"""The import's speed machinery keeps its promises: time-ordered ids, cleaning in a
helper process with the same result as in a thread, resuming after a crash without
duplicates."""

import contextlib
import itertools
import sys
import uuid

import pytest
from django.db import connection

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import imports
from frontdesk.customers.imports import customer_import_create, customer_import_run
from frontdesk.customers.models import Customer, CustomerImport, CustomerPhone, CustomerTag
from frontdesk.customers.search import fts_rowid


def rows_csv(count: int, *, bad_every: int = 0) -> bytes:
    lines = ["First Name,Last Name,Phone,E-mail,City,Tags"]
    for i in range(count):
        phone = "12" if bad_every and i % bad_every == bad_every - 1 else f"+1512555{i:04d}"
        lines.append(f"Ann{i},Lee,{phone},ann{i}@example.com,Austin,vip;ev")
    return ("\n".join(lines) + "\n").encode()


def run_import(org, content: bytes, **options) -> CustomerImport:
    actor = Actor.system(org_id=org.pk, label="test")
    with tenant_scope(org):
        imp = customer_import_create(
            org=org, actor=actor, content=content, file_name="t.csv", run=False, **options
        )
        return customer_import_run(org=org, actor=actor, customer_import=imp)


def test_ordered_ids_are_version_7_unique_and_increasing():
    ids = imports._ordered_ids(5000) + imports._ordered_ids(3) + imports._ordered_ids(1)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {7}
    assert {uuid.UUID(i).variant for i in ids} == {uuid.RFC_4122}


def test_created_rows_get_increasing_ids_and_unique_fts_rowids(org):
    imp = run_import(org, rows_csv(30))
    assert imp.created_count == 30
    with tenant_scope(org):
        customers = list(Customer.objects.order_by("number").values_list("id", flat=True))
        phones = list(CustomerPhone.objects.order_by("number").values_list("id", flat=True))
        tags = list(CustomerTag.objects.values_list("id", flat=True))
    assert {p.version for p in phones} == {7}
    assert phones == sorted(phones)
    assert {t.version for t in tags} == {7}
    if connection.vendor == "sqlite":  # the FTS rowid is the id's top 63 bits
        assert {c.version for c in customers} == {4}
        assert len({fts_rowid(c) for c in customers}) == 30
    else:
        assert {c.version for c in customers} == {7}
        assert customers == sorted(customers)


class Crash(BaseException):
    """Like the process being killed: not an ``Exception``, so the import is not marked
    failed and its job is delivered again."""


@pytest.fixture(params=["thread", "process"])
def cleaner(request, settings):
    """Clean in a thread or in the helper process, whatever the file's size."""
    settings.IMPORT_PROCESS_MIN_ROWS = 10**9 if request.param == "thread" else 0
    return request.param


@pytest.mark.parametrize("on_duplicate", ["skip", "update"])
def test_a_crash_mid_file_resumes_after_the_last_batch_without_duplicates(
    org, monkeypatch, on_duplicate, cleaner
):
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    monkeypatch.setattr(imports, "SQLITE_BATCH_SIZE", 10)
    create, calls = imports._create, []

    def crashing(state, rows):
        calls.append(len(rows))
        if len(calls) == 3:
            raise Crash
        return create(state, rows)

    monkeypatch.setattr(imports, "_create", crashing)
    content = rows_csv(45, bad_every=7) + b"Ann3,Lee,+15125550003,,,\n"  # row 46: row 4 again
    with pytest.raises(Crash):
        run_import(org, content, on_duplicate=on_duplicate)
    monkeypatch.setattr(imports, "_create", create)
    with tenant_scope(org):
        imp = CustomerImport.objects.get()
        assert (imp.status, imp.processed_rows, imp.created_count) == ("running", 20, 18)
        actor = Actor.system(org_id=org.pk, label="test")
        imp = customer_import_run(org=org, actor=actor, customer_import=imp)
        assert imp.status == "completed"
        assert (imp.created_count, imp.error_count) == (39, 6)
        # row 46 repeats row 4, committed before the crash: found in the database now
        assert imp.skipped_count == (1 if on_duplicate == "skip" else 0)
        assert Customer.objects.count() == 39
        assert CustomerPhone.objects.count() == 39
        assert imp.row_errors.count() == 6
        ranges = [list(r) for r in imp.created_ranges]
        assert ranges == [[1, 9], [10, 18], [19, 26], [27, 35], [36, 39]]


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_the_sqlite_bulk_settings_are_put_back_after_the_import(org):
    def settings():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA wal_autocheckpoint")
            return cache, cursor.fetchone()[0]

    before = settings()
    assert run_import(org, rows_csv(3)).created_count == 3
    assert settings() == before


MIXED = (
    "First Name,Last Name,Phone,Work Phone,E-mail,Street,City,Zip,Country,Tags,Notes\n"
    'Ann,Lee,+1 512 555 0100,(512) 555-0101,Ann@Example.com,1 Main St,Austin,78701,,vip;ev,"a\tb\\N"\n'
    "Bob,,12,,bob@example.com,,,,,,\n"  # a bad phone: the row is an error
    "Cy,Doe,,,not-an-email,,,,,,\n"
    "Dee,Roe,512.555.0102,,,,Dallas,,CA,fleet,\n"
    "Eve,Lee,+1 512 555 0100,,,,,,,,\n"  # row 1's phone: a duplicate
    "Fay,Moe,+1 512 555 0103\n"  # too few cells
    "Gus,Poe,+44 20 7946 0958,,gus@example.co.uk,,London,,GB,,\n"
)
COMPARED = [
    "number",
    "first_name",
    "last_name",
    "display_name",
    "name_key",
    "last_first_key",
    "primary_phone",
    "primary_email",
    "search_text",
    "notes",
    "source",
]


def imported(org):
    with tenant_scope(org):
        return [
            (
                c,
                list(
                    CustomerPhone.objects.filter(customer__number=c["number"])
                    .values_list("number", "digits", "kind", "primary", "position")
                    .order_by("position")
                ),
                sorted(
                    CustomerTag.objects.filter(customer__number=c["number"]).values_list(
                        "tag", flat=True
                    )
                ),
            )
            for c in Customer.objects.order_by("number").values(*COMPARED)
        ]


def test_the_helper_process_cleans_exactly_as_the_thread_does(org, other_org, settings):
    other_org.country = "US"
    other_org.save()
    settings.IMPORT_PROCESS_MIN_ROWS = 0
    by_process = run_import(org, MIXED.encode())
    settings.IMPORT_PROCESS_MIN_ROWS = 10**9
    by_thread = run_import(other_org, MIXED.encode())
    counts = ("status", "created_count", "skipped_count", "error_count")
    assert [getattr(by_process, c) for c in counts] == ["completed", 3, 1, 3]
    assert [getattr(by_thread, c) for c in counts] == ["completed", 3, 1, 3]
    with tenant_scope(org):
        errors = list(by_process.row_errors.order_by("row").values_list("row", "field"))
    assert errors == [(2, "phone"), (3, "email"), (6, "")]
    assert imported(org) == imported(other_org)
    assert imported(org)[0][0]["notes"] == "a\tb\\N"


def test_a_failing_helper_process_fails_the_import_and_leaves_no_process(org):
    job = imports.CleanJob(
        columns=[(0, "first_name")], width=1, region="US", after=0, batch_size=10, copy=False
    )
    cleaner = imports._ProcessCleaner(job, b"\xff\xfe not UTF-8")
    try:
        with pytest.raises(RuntimeError, match="Cleaning failed.*not UTF-8"):
            list(cleaner)
    finally:
        cleaner.close()
    assert cleaner.proc.returncode is not None


def test_a_helper_process_that_cannot_start_leaves_the_cleaning_to_a_thread(
    org, monkeypatch, settings
):
    settings.IMPORT_PROCESS_MIN_ROWS = 0
    monkeypatch.setattr(imports._ProcessCleaner, "COMMAND", (sys.executable, "-c", "exit(3)"))
    imp = run_import(org, rows_csv(5, bad_every=2))
    assert (imp.status, imp.created_count, imp.error_count) == ("completed", 3, 2)


def test_the_helper_process_failing_after_its_first_batch_fails_the_import(org, monkeypatch):
    monkeypatch.setattr(imports, "SQLITE_BATCH_SIZE", 2)
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)

    def cleaner(job, parsed, content, total):
        def batches():
            yield from itertools.islice(imports.clean_stream(job, parsed), 1)
            raise RuntimeError("The cleaning process ended unexpectedly (EOFError).")

        return contextlib.nullcontext(imports._first_or_fallback(batches(), lambda: None, None))

    monkeypatch.setattr(imports, "_cleaner", cleaner)
    with pytest.raises(RuntimeError, match="ended unexpectedly"):
        run_import(org, rows_csv(5))
    with tenant_scope(org):
        imp = CustomerImport.objects.get()
        assert (imp.status, imp.processed_rows, Customer.objects.count()) == ("failed", 2, 2)
        assert "ended unexpectedly" in imp.failure
