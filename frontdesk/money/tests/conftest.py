"""For tests that commit (``transaction=True``): the ledger triggers refuse the row
DELETEs that Django's flush runs on SQLite, so these tests empty the ledger themselves,
with the triggers lifted for that moment only."""

import pytest
from django.db import connection

from frontdesk.money import triggers


@pytest.fixture
def ledger_wiped_after(transactional_db):
    yield
    with connection.schema_editor() as editor:
        triggers.uninstall(editor)
        editor.execute("DELETE FROM money_journalline", params=None)
        editor.execute("DELETE FROM money_journalentry", params=None)
        triggers.install(editor)
