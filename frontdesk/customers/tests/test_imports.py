"""CSV import and export through the API: upload, the job (run synchronously, as
``FRONTDESK_JOBS_SYNC`` does), the error report, duplicate policies, revert, limits."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings

from frontdesk.audit.models import AuditEntry
from frontdesk.core.refnums import reference_block, reference_next
from frontdesk.customers.imports import detect_mapping
from frontdesk.customers.models import Customer, CustomerImport, CustomerPhone, CustomerTag
from frontdesk.customers.search import DERIVED_FIELDS, index_customers
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.models import OutboxEvent

GOOD = (
    "First Name,Last Name,Phone,E-mail,City,Zip,Tags\n"
    "John,Smith,+1 512 555 0142,john@example.com,Austin,78701,vip;fleet\n"
    "Ann,Lee,(512) 555-0143,ann@example.com,Dallas,75201,\n"
)


@pytest.fixture
def upload(api, django_capture_on_commit_callbacks):
    def send(text, *, client=None, **form):
        client = client or api
        data = {"file": SimpleUploadedFile("customers.csv", text.encode(), "text/csv")}
        for key, value in form.items():
            data[key] = json.dumps(value) if isinstance(value, dict) else str(value).lower()
        with django_capture_on_commit_callbacks(execute=True):
            return client.client.post("/api/crm/imports/customers", data, headers=client.headers)

    return send


def finished(api, response):
    assert response.status_code == 202, response.content
    return api.get(f"/imports/{response.json()['id']}").json()


def test_it_imports_a_csv_with_detected_columns(api, upload, in_org):
    result = finished(api, upload(GOOD))
    assert result["status"] == "completed"
    assert (result["created_count"], result["error_count"], result["progress"]) == (2, 0, 1.0)
    assert result["mapping"]["E-mail"] == "email"
    with in_org():
        john = Customer.objects.get(first_name="John")
        assert john.primary_phone == "+15125550142"
        assert john.source == "import"
        assert sorted(john.tags.values_list("tag", flat=True)) == ["fleet", "vip"]
        assert john.addresses.get().city == "Austin"
    found = api.get("/customers", {"q": "smi aus"}).json()["items"]
    assert [c["display_name"] for c in found] == ["John Smith"]
    assert api.get("/customers", {"q": "0143"}).json()["items"][0]["display_name"] == "Ann Lee"


def test_its_search_columns_equal_what_the_indexer_computes(api, upload, in_org):
    finished(api, upload(GOOD))
    with in_org():
        before = list(Customer.objects.order_by("number").values_list(*DERIVED_FIELDS))
        index_customers(Customer.objects.values_list("pk", flat=True))
        after = list(Customer.objects.order_by("number").values_list(*DERIVED_FIELDS))
    assert before == after


def test_a_malformed_csv_gets_row_errors_and_only_whole_rows_are_imported(api, upload, in_org):
    text = (
        "First Name,Last Name,Phone,E-mail\n"
        "Good,Row,+15125550150,good@example.com\n"
        "Bad,Phone,12,bad@example.com\n"
        "Too,Many,+15125550151,x@example.com,extra\n"
        "Bad,Email,+15125550152,not-an-email\n"
        'Broken,"quote,+15125550153\n'
    )
    result = finished(api, upload(text))
    assert result["created_count"] == 1
    errors = api.get(f"/imports/{result['id']}/errors").json()["items"]
    assert {(e["row"], e["field"]) for e in errors} >= {(2, "phone"), (3, ""), (4, "email")}
    assert any(e["row"] == 5 for e in errors)
    with in_org():
        assert list(Customer.objects.values_list("first_name", flat=True)) == ["Good"]
        assert not CustomerPhone.objects.filter(number="+15125550152").exists()


def test_yes_no_columns_import_as_opt_ins_and_anything_else_is_a_row_error(api, upload, in_org):
    text = (
        "First Name,Last Name,Phone,Opt In SMS,Email Opt In,Do Not Contact\n"
        "Yes,Person,+15125550160,yes,TRUE,no\n"
        "No,Person,+15125550161,0,n,x\n"
        "Blank,Person,+15125550162,,,\n"
        "Maybe,Person,+15125550163,maybe,1,0\n"
    )
    result = finished(api, upload(text))
    assert result["mapping"]["Opt In SMS"] == "opt_in_sms"
    assert (result["created_count"], result["error_count"]) == (3, 1)
    errors = api.get(f"/imports/{result['id']}/errors").json()["items"]
    assert [(e["row"], e["field"]) for e in errors] == [(4, "opt_in_sms")]
    with in_org():
        flags = {
            c.first_name: (c.opt_in_sms, c.opt_in_email, c.do_not_contact)
            for c in Customer.objects.all()
        }
    assert flags == {
        "Yes": (True, True, False),
        "No": (False, False, True),
        "Blank": (False, False, False),  # blank cells keep the defaults
    }


def test_a_file_without_a_known_column_or_rows_is_422(upload):
    assert upload("x,y\n1,2\n").status_code == 422
    assert upload("").status_code == 422


def test_a_latin1_file_is_422_naming_the_file(api):
    data = {"file": SimpleUploadedFile("x.csv", "First Name\nRenée\n".encode("latin-1"))}
    response = api.client.post("/api/crm/imports/customers", data, headers=api.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


@override_settings(IMPORT_MAX_BYTES=100)
def test_a_csv_over_the_limit_is_413_and_stores_nothing(api, upload, in_org):
    response = upload(GOOD)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    with in_org():
        assert not CustomerImport.objects.exists()


def test_a_dry_run_writes_nothing_but_the_report(api, upload, in_org):
    result = finished(api, upload(GOOD, dry_run=True))
    assert (result["status"], result["created_count"]) == ("completed", 2)
    with in_org():
        assert not Customer.objects.exists()
    assert api.post(f"/imports/{result['id']}/revert").status_code == 409


def test_duplicates_are_skipped_by_default(api, upload, org, in_org):
    make_customer(org, first_name="Old", phones=[{"number": "+15125550142"}])
    result = finished(api, upload(GOOD))
    assert (result["created_count"], result["skipped_count"]) == (1, 1)
    with in_org():
        assert Customer.objects.count() == 2


def test_a_duplicate_row_later_in_the_same_file_is_skipped(api, upload):
    text = GOOD + "Johnny,Smith,512-555-0142,,,,\n"
    result = finished(api, upload(text))
    assert (result["created_count"], result["skipped_count"]) == (2, 1)


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_same_person_twice_in_a_file_is_one_customer_across_batches(
    api, upload, in_org, monkeypatch, dry_run
):
    monkeypatch.setattr("frontdesk.customers.imports.BATCH_SIZE", 2)  # rows 1-2, 3-4, 5
    monkeypatch.setattr("frontdesk.customers.imports.SQLITE_BATCH_SIZE", 2)
    text = (
        GOOD
        + "Zed,Zulu,+1 214 555 0100,,,,\n"
        + "J.,Smith,,JOHN@example.com,,,\n"  # row 1's email, in another batch
        + "Ann,Lee,+1 (512) 555-0143,,,,\n"  # row 2's phone, written differently
    )
    result = finished(api, upload(text, dry_run=dry_run))
    assert (result["created_count"], result["skipped_count"]) == (3, 2)
    with in_org():
        assert Customer.objects.count() == (0 if dry_run else 3)


def test_another_organizations_customer_is_not_a_duplicate(api, upload, other_org, in_org):
    make_customer(other_org, first_name="Theirs", phones=[{"number": "+15125550142"}])
    result = finished(api, upload(GOOD))
    assert (result["created_count"], result["skipped_count"]) == (2, 0)


def test_a_merged_tombstone_is_not_a_duplicate(api, upload, org, in_org):
    survivor = make_customer(org, first_name="Survivor")
    with in_org():
        tombstone = make_customer(org, first_name="Old", phones=[{"number": "+15125550142"}])
        Customer.objects.filter(pk=tombstone.pk).update(merged_into=survivor, status="archived")
    result = finished(api, upload(GOOD))
    assert (result["created_count"], result["skipped_count"]) == (2, 0)


def test_notes_with_tabs_backslashes_and_line_breaks_arrive_unchanged(api, upload, in_org):
    notes = 'Gate code 4\\2\tsee "back door"\nthen ring twice \\N'
    text = (
        "First Name,Phone,Notes\r\n"
        + f'Kim,+1 512 555 0150,"{notes.replace(chr(34), chr(34) * 2)}"\r\n'
    )
    result = finished(api, upload(text))
    assert result["created_count"] == 1, result
    with in_org():
        assert Customer.objects.get(first_name="Kim").notes == notes


def test_on_duplicate_create_creates_anyway(api, upload, org, in_org):
    make_customer(org, first_name="Old", phones=[{"number": "+15125550142"}])
    result = finished(api, upload(GOOD, on_duplicate="create"))
    assert result["created_count"] == 2
    with in_org():
        assert CustomerPhone.objects.filter(number="+15125550142").count() == 2


def test_on_duplicate_update_fills_in_and_revert_restores_exactly(api, upload, org, in_org):
    old = make_customer(
        org, first_name="Jon", last_name="Smith", phones=[{"number": "+15125550142"}], tags=["x"]
    )
    with in_org():
        before = api.get(f"/customers/{old.pk}").json()
    result = finished(api, upload(GOOD, on_duplicate="update"))
    assert (result["created_count"], result["updated_count"]) == (1, 1)
    changed = api.get(f"/customers/{old.pk}").json()
    assert changed["first_name"] == "John"
    assert {e["address"] for e in changed["emails"]} == {"john@example.com"}
    assert sorted(changed["tags"]) == ["fleet", "vip", "x"]

    reverted = api.post(f"/imports/{result['id']}/revert")
    assert reverted.status_code == 200, reverted.content
    assert reverted.json()["status"] == "reverted"
    after = api.get(f"/customers/{old.pk}").json()
    for key in ("first_name", "phones", "emails", "addresses", "tags", "display_name"):
        assert after[key] == before[key], key
    with in_org():
        ann = Customer.objects.get(first_name="Ann")
        assert ann.status == "archived"
    again = api.post(f"/imports/{result['id']}/revert")
    assert again.status_code == 409


def test_revert_archives_the_created_customers_and_is_audited(api, upload, in_org):
    result = finished(api, upload(GOOD))
    assert api.post(f"/imports/{result['id']}/revert").status_code == 200
    with in_org():
        assert set(Customer.objects.values_list("status", flat=True)) == {"archived"}
        actions = list(
            AuditEntry.objects.filter(object_id=result["id"]).values_list("action", flat=True)
        )
        assert sorted(actions) == ["archive", "create", "update"]
        assert OutboxEvent.objects.filter(type="customers.imported").count() == 1
        assert not OutboxEvent.objects.filter(type="customer.created").exists()


def test_imports_are_listed_and_an_explicit_mapping_wins(api, upload, in_org):
    text = "Nom,Tel\nDupont,+33 1 42 68 53 00\n"
    result = finished(api, upload(text, mapping={"Nom": "last_name", "Tel": "phone"}))
    assert result["created_count"] == 1
    items = api.get("/imports").json()["items"]
    assert [i["id"] for i in items] == [result["id"]]


def test_an_unknown_field_in_the_mapping_is_422(upload):
    response = upload(GOOD, mapping={"Phone": "fax"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "mapping.Phone"


def test_the_header_detection_knows_common_names():
    assert detect_mapping(["First Name", "SURNAME", "E-mail", "Cell", "Zip Code", "x"]) == {
        "First Name": "first_name",
        "SURNAME": "last_name",
        "E-mail": "email",
        "Cell": "mobile_phone",
        "Zip Code": "postal_code",
    }


def test_reference_block_takes_consecutive_numbers(org):
    assert reference_next(org=org, kind="customer") == "C-0001"
    assert reference_block(org=org, kind="customer", count=3) == ["C-0002", "C-0003", "C-0004"]
    assert reference_next(org=org, kind="customer") == "C-0005"


# --- permissions and tenancy -------------------------------------------------------------
def test_anonymous_callers_get_401(anon_api):
    assert anon_api.get("/imports").status_code == 401
    assert anon_api.get("/exports/customers.csv").status_code == 401


def test_an_advisor_may_neither_import_nor_export(api_as, upload):
    advisor = api_as("advisor")
    assert upload(GOOD, client=advisor).status_code == 403
    assert advisor.get("/exports/customers.csv").status_code == 403
    assert advisor.get("/imports").status_code == 403


def test_another_organizations_import_is_404(api, other_api, upload):
    result = finished(api, upload(GOOD))
    assert other_api.get(f"/imports/{result['id']}").status_code == 404
    assert other_api.get(f"/imports/{result['id']}/errors").status_code == 404
    assert other_api.post(f"/imports/{result['id']}/revert").status_code == 404
    assert other_api.get("/imports").json()["items"] == []


def test_a_bad_policy_is_422(upload):
    assert upload(GOOD, on_duplicate="merge").status_code == 422


# --- export ------------------------------------------------------------------------------
def _rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_export_neutralizes_formulas_and_is_audited(api, org, in_org):
    make_customer(org, first_name='=HYPERLINK("x")', last_name="+1", tags=["vip"])
    make_customer(org, first_name="@SUM", last_name="-2", phones=[{"number": "+15125550160"}])
    make_customer(org, first_name="Plain", last_name="Person")
    response = api.get("/exports/customers.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    firsts = sorted(r["first_name"] for r in rows)
    assert firsts == ['\'=HYPERLINK("x")', "'@SUM", "Plain"]
    assert all(not r[k].startswith(("=", "+", "-", "@")) for r in rows for k in r)
    with in_org():
        entry = AuditEntry.objects.get(action="export")
    assert entry.metadata["rows"] == 3


def test_the_export_takes_the_lists_filters(api, org):
    make_customer(org, first_name="Tagged", tags=["fleet"])
    make_customer(org, first_name="Other")
    rows = _rows(api.get("/exports/customers.csv", {"tag": "fleet"}))
    assert [r["first_name"] for r in rows] == ["Tagged"]
    assert api.get("/exports/customers.csv", {"status": "nonsense"}).status_code == 422
    data = json.loads(b"".join(api.get("/exports/customers.json").streaming_content))
    assert sorted(r["first_name"] for r in data) == ["Other", "Tagged"]


def test_an_export_round_trips_through_the_import(api, org, upload, in_org):
    make_customer(
        org,
        first_name="Round",
        last_name="Trip",
        emails=[{"address": "r@x.org"}],
        phones=[{"number": "+15125550199"}],
    )
    body = b"".join(api.get("/exports/customers.csv").streaming_content).decode()
    with in_org():
        Customer.objects.update(status="archived")
        CustomerTag.objects.all().delete()
    result = finished(api, upload(body, on_duplicate="create"))
    assert (result["created_count"], result["error_count"]) == (1, 0)
    with in_org():
        assert Customer.objects.get(status="active").primary_phone == "+15125550199"


# --- command line ------------------------------------------------------------------------
def test_the_cli_imports_with_a_mapping_and_reports(org, in_org, tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text("Nom,Tel\nDupont,+33 1 42 68 53 00\nBad,12\n")
    call_command(
        "import",
        "customers",
        str(path),
        "--org",
        org.slug,
        "--map",
        "Nom=last_name",
        "--map",
        "Tel=phone",
    )
    out = capsys.readouterr()
    assert "completed: created 1" in out.out and "1 rows with errors" in out.out
    assert "row 2: phone" in out.err
    with in_org():
        assert Customer.objects.get().last_name == "Dupont"


def test_the_cli_refuses_a_bad_mapping_clearly(org, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("Nom\nDupont\n")
    with pytest.raises(CommandError, match="mapping.Nom"):
        call_command("import", "customers", str(path), "--org", org.slug, "--map", "Nom=fax")


def test_the_cli_exports_formula_safe_csv(org, capsys):
    make_customer(org, first_name="=cmd", last_name="Evil")
    call_command("export", "customers", "--org", org.slug)
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["first_name"] == "'=cmd"


# --- the wizard pages --------------------------------------------------------------------
def test_the_wizard_pages_need_the_import_permission(client, members):
    from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY

    client.force_login(members["advisor"].user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = str(members["advisor"].pk)
    session.save()
    assert client.get("/customers/import/").status_code == 403


def test_the_wizard_checks_a_file_and_polls_its_status(
    client, members, in_org, django_capture_on_commit_callbacks
):
    from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY

    client.force_login(members["owner"].user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = str(members["owner"].pk)
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/customers/import/",
            {"file": SimpleUploadedFile("c.csv", GOOD.encode()), "on_duplicate": "skip"},
        )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"would create" in page.content
    partial = client.get(response["Location"], headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b"import-status" in partial.content
    with in_org():
        assert not Customer.objects.exists()
