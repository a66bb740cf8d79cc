"""The ``frontdesk`` command line: scriptable, clear errors, non-zero exit codes.

Most commands run in this process through the real entry point (``frontdesk.cli.main``, the
console script's target), so argument parsing, exit codes and output are the real ones;
``token`` runs as a separate ``python -m frontdesk`` process to check its standard output
byte for byte."""

import json
import re
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django_q.models import Schedule

from frontdesk.cli import main
from frontdesk.core.demo import CREDENTIALS_FILE, DEMO_SLUG
from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import ApiClient
from frontdesk.jobs.services import GLOBAL_SCHEDULES
from frontdesk.organizations.models import Membership, Organization
from frontdesk.organizations.tests.factories import make_member

ROOT = Path(__file__).resolve().parent.parent
TOKEN_RE = re.compile(r"fd_[A-Za-z0-9_-]{20,}")

# main() closes the database connections when a command ends, as Django's command line
# does: the tests need real transactions.
pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def frontdesk(capsys):
    """``frontdesk("createorg", "--name", ...)`` → Result(exit code, stdout, stderr)."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(["frontdesk", *args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


# --- createorg ----------------------------------------------------------------------------


def test_createorg_creates_an_organization(frontdesk):
    result = frontdesk(
        "createorg", "--name", "Joe's Garage", "--slug", "joes", "--time-zone", "Europe/Berlin",
        "--currency", "eur", "--country", "de",
    )  # fmt: skip
    assert result.code == 0, result.err
    org = Organization.objects.get(slug="joes")
    assert (org.name, org.time_zone, org.currency, org.country) == (
        "Joe's Garage",
        "Europe/Berlin",
        "EUR",
        "DE",
    )
    assert str(org.pk) in result.out


def test_createorg_refuses_a_taken_slug_with_a_clear_message(frontdesk):
    assert frontdesk("createorg", "--name", "Joe's Garage", "--slug", "joes").code == 0
    result = frontdesk("createorg", "--name", "Another Joe", "--slug", "joes")
    assert result.code == 1
    assert "The slug 'joes' is taken." in result.err
    assert "Traceback" not in result.err
    assert Organization.objects.filter(slug="joes").count() == 1


def test_createorg_refuses_an_unknown_time_zone(frontdesk):
    result = frontdesk("createorg", "--name", "Mars Motors", "--slug", "mars", "--time-zone", "Mars/Olympus")  # fmt: skip
    assert result.code == 1
    assert "time_zone: Not an IANA time zone" in result.err
    assert not Organization.objects.filter(slug="mars").exists()


def test_createorg_needs_a_name(frontdesk):
    result = frontdesk("createorg", "--slug", "nameless")
    assert result.code == 2
    assert "the following arguments are required: --name" in result.err


# --- createuser ---------------------------------------------------------------------------


def test_createuser_prints_a_generated_password_that_works(frontdesk, org):
    result = frontdesk("createuser", "--org", org.slug, "--email", "Ada@Example.com", "--role", "advisor")  # fmt: skip
    assert result.code == 0, result.err
    password = re.search(r"^Password: (\S+)$", result.out, re.M).group(1)
    with tenant_scope(org):
        membership = Membership.objects.select_related("user").get(user__email="ada@example.com")
    assert membership.role == "advisor"
    assert membership.user.check_password(password)


def test_createuser_uses_the_password_given(frontdesk, org):
    result = frontdesk("createuser", "--org", org.slug, "--email", "bo@example.com", "--role", "cashier", "--password", "s3cret-Pass-word")  # fmt: skip
    assert result.code == 0, result.err
    assert "Password" not in result.out
    with tenant_scope(org):
        user = Membership.objects.get(user__email="bo@example.com").user
    assert user.check_password("s3cret-Pass-word")


def test_createuser_does_not_print_a_password_for_a_person_already_known(frontdesk, org, other_org):
    make_member(other_org, "owner", email="known@example.com", password="their-own-pw-1")
    result = frontdesk("createuser", "--org", org.slug, "--email", "known@example.com", "--role", "sales")  # fmt: skip
    assert result.code == 0, result.err
    assert "Password:" not in result.out
    assert "keeps their password" in result.out


def test_createuser_names_an_unknown_organization(frontdesk):
    result = frontdesk("createuser", "--org", "nowhere", "--email", "a@b.example", "--role", "owner")  # fmt: skip
    assert result.code == 1
    assert "No organization with slug 'nowhere'." in result.err


def test_createuser_lists_the_roles_when_given_a_bad_one(frontdesk, org):
    result = frontdesk("createuser", "--org", org.slug, "--email", "a@b.example", "--role", "boss")  # fmt: skip
    assert result.code == 2
    assert "invalid choice: 'boss'" in result.err
    assert "owner" in result.err and "marketing" in result.err


def test_createuser_refuses_someone_already_on_the_staff(frontdesk, org):
    make_member(org, "owner", email="twice@example.com")
    result = frontdesk("createuser", "--org", org.slug, "--email", "twice@example.com", "--role", "sales")  # fmt: skip
    assert result.code == 1
    assert "twice@example.com is already on the staff." in result.err


# --- token (a real process) ---------------------------------------------------------------


@pytest.mark.slow
def test_token_prints_the_token_alone_on_the_last_line_and_it_works(org, frontdesk_env):
    make_member(org, "manager", email="mgr@example.com")
    command = [sys.executable, "-m", "frontdesk", "token", "--org", org.slug, "--email"]
    env = frontdesk_env()
    staff, assistant = (
        subprocess.Popen(
            [*command, "mgr@example.com", *extra],
            env=env,
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for extra in ([], ["--assistant", "--name", "Claude"])
    )
    outputs = [proc.communicate(timeout=60) for proc in (staff, assistant)]
    assert [staff.returncode, assistant.returncode] == [0, 0], outputs

    tokens = []
    for out, err in outputs:
        assert out.endswith("\n")
        last = out.splitlines()[-1]
        assert TOKEN_RE.fullmatch(last), out
        assert "Created" in err  # the messages go to standard error
        tokens.append(last)

    staff_me = ApiClient(tokens[0]).get("/me")
    assert staff_me.status_code == 200
    assert (staff_me.json()["role"], staff_me.json()["kind"]) == ("manager", "staff")
    assistant_me = ApiClient(tokens[1]).get("/me")
    assert assistant_me.status_code == 200
    assert (assistant_me.json()["role"], assistant_me.json()["kind"]) == ("manager", "assistant")


def test_token_refuses_someone_not_on_the_staff(frontdesk, org):
    result = frontdesk("token", "--org", org.slug, "--email", "stranger@example.com")
    assert result.code == 1
    assert "stranger@example.com is not active staff of alpha." in result.err
    assert result.out == ""


# --- demo ---------------------------------------------------------------------------------


def test_demo_creates_demo_auto_care_with_one_user_per_role_and_a_credentials_file(
    frontdesk, tmp_path
):
    with override_settings(DATA_DIR=tmp_path):
        result = frontdesk("demo")
    assert result.code == 0, result.err
    org = Organization.objects.get(slug=DEMO_SLUG)
    assert org.name == "Demo Auto Care"

    path = tmp_path / CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credentials = json.loads(path.read_text())
    with tenant_scope(org):
        staff = {m.role: m.user for m in Membership.objects.select_related("user")}
    assert sorted(staff) == sorted(u["role"] for u in credentials["users"])
    assert sorted(staff) == ["advisor", "cashier", "manager", "marketing", "owner", "sales"]
    for user in credentials["users"]:
        assert staff[user["role"]].email == user["email"]
        assert staff[user["role"]].check_password(user["password"])
        assert user["password"] in result.out

    assert credentials["token"] in result.out
    me = ApiClient(credentials["token"]).get("/me")
    assert (me.status_code, me.json()["role"]) == (200, "owner")


def test_demo_twice_fails_cleanly(frontdesk, tmp_path):
    with override_settings(DATA_DIR=tmp_path):
        assert frontdesk("demo").code == 0
        first = (tmp_path / CREDENTIALS_FILE).read_text()
        result = frontdesk("demo")
    assert result.code == 1
    assert "The demo business exists already" in result.err
    assert "Traceback" not in result.err
    assert Organization.objects.filter(name="Demo Auto Care").count() == 1
    assert (tmp_path / CREDENTIALS_FILE).read_text() == first  # the logins still work


# --- migrate ------------------------------------------------------------------------------


def test_migrate_creates_the_cache_table_and_the_job_schedules(frontdesk):
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE frontdesk_cache")
    Schedule.objects.all().delete()
    try:
        result = frontdesk("migrate", "--no-input")
    finally:
        tables = connection.introspection.table_names()
        if "frontdesk_cache" not in tables:  # leave the shared test database whole
            main(["frontdesk", "createcachetable"])
    assert result.code == 0, result.err
    assert "frontdesk_cache" in tables
    assert sorted(Schedule.objects.values_list("name", "func", "schedule_type")) == sorted(
        (name, func, Schedule.MINUTES) for name, func, _ in GLOBAL_SCHEDULES
    )
    assert frontdesk("migrate", "--no-input").code == 0  # and again: nothing doubles
    assert Schedule.objects.count() == len(GLOBAL_SCHEDULES)


# --- reencrypt ----------------------------------------------------------------------------
def test_reencrypt_moves_every_secret_to_the_newest_key(frontdesk, org, other_org, settings):
    from cryptography.fernet import Fernet

    from frontdesk.integrations.tests.factories import make_endpoint
    from frontdesk.integrations.webhooks.models import WebhookEndpoint

    old_key = settings.FRONTDESK_ENCRYPTION_KEYS[0]
    endpoints = [make_endpoint(o, "https://hooks.example.com/in") for o in (org, other_org)]
    secrets = {endpoint.pk: secret for endpoint, secret in endpoints}
    new_key = Fernet.generate_key().decode()
    settings.FRONTDESK_ENCRYPTION_KEYS = [new_key, old_key]  # rotation: new key in front

    result = frontdesk("reencrypt")

    assert result.code == 0, result.err
    assert result.out.strip() == "2 rows re-encrypted"
    settings.FRONTDESK_ENCRYPTION_KEYS = [new_key]  # the old key is dropped
    for o in (org, other_org):
        with tenant_scope(o):
            endpoint = WebhookEndpoint.objects.get()
            assert endpoint.secret == secrets[endpoint.pk]  # readable with the new key alone


# --- report -------------------------------------------------------------------------------
def test_report_prints_the_pipeline_figures_as_json(frontdesk, org):
    from frontdesk.core.actor import Actor
    from frontdesk.pipeline.services import lead_create

    with tenant_scope(org):
        lead_create(
            org=org,
            actor=Actor.system(org_id=org.pk, label="tests"),
            title="Brake quote",
            source="phone_call",
            contact={"first_name": "Rita", "last_name": "Report", "phone": "+1 512 555 0170"},
        )
    result = frontdesk("report", "pipeline", "--org", org.slug)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["new_leads"] == 1 and report["new_leads_by_source"] == {"phone_call": 1}
    sources = json.loads(frontdesk("report", "sources", "--org", org.slug).out)
    assert sources


def test_report_names_a_bad_week_and_an_unknown_organization(frontdesk, org):
    result = frontdesk("report", "pipeline", "--org", org.slug, "--week", "2026-47")
    assert result.code != 0 and "YYYY-Www" in result.err
    result = frontdesk("report", "win-loss", "--org", "nope")
    assert result.code != 0 and "No organization" in result.err
