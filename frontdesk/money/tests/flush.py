"""A pytest plugin (registered in the root ``conftest.py``): after a test that commits
(``django_db(transaction=True)``, ``transactional_db``, ``live_server``), Django flushes
the test database with one ``DELETE FROM`` per table on SQLite — which the ledger's
triggers refuse (SPEC rule 3). Just before that flush, this empties the ledger with the
triggers lifted for that moment only. PostgreSQL flushes with TRUNCATE, which row
triggers do not see, so there is nothing to do there."""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection

from frontdesk.money import triggers


def _commits(item) -> bool:
    if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


def ledger_wipe() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM money_journalline UNION ALL SELECT 1 FROM money_journalentry")
        if cursor.fetchone() is None:
            return
    with connection.schema_editor() as editor:
        triggers.uninstall(editor)
        editor.execute("DELETE FROM money_journalline", params=None)
        editor.execute("DELETE FROM money_journalentry", params=None)
        triggers.install(editor)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    if _commits(item) and connection.vendor == "sqlite":
        # a test without a database has nothing to wipe (a failed wipe shows in the flush)
        with contextlib.suppress(Exception):
            ledger_wipe()
    yield
