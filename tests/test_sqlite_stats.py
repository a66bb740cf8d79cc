import pytest
from django.db import connection

from frontdesk.core.sqlite import seed_planner_statistics

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite planner statistics"),
]


def test_migrate_tells_sqlite_the_organization_column_selects_everything():
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE idx = 'customer_org_name_idx'")
        assert cursor.fetchone()[0].split()[:2] == ["1000000", "1000000"]


def test_seeding_again_keeps_what_is_there():
    seed_planner_statistics(connection)  # tables made after migrate (the cache) get theirs
    assert seed_planner_statistics(connection) == 0
