"""``workbench maintenance``: every workbench table analysed (or vacuumed), one statement per table."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.db.engine import session_scope
from services.jobs.progress import ProgressReporter
from services.maintenance.service import run_maintenance, workbench_tables

# Ordinary tables only: PostgreSQL keeps no statistics row for a partitioned parent.
_DONE = text(
    "SELECT s.relname, s.last_analyze IS NOT NULL, s.last_vacuum IS NOT NULL FROM pg_stat_user_tables s "
    "JOIN pg_class c ON c.oid = s.relid WHERE c.relkind = 'r'"
)


@pytest.mark.parametrize(("vacuum", "action"), [(False, "ANALYZE"), (True, "VACUUM (ANALYZE)")])
def test_each_table_is_analysed_or_vacuumed(db_url, vacuum: bool, action: str) -> None:
    result = run_maintenance(vacuum, ProgressReporter(None))
    tables = set(workbench_tables())
    assert result["action"] == action and result["tables"] == len(tables) > 10
    with session_scope() as s:
        stats = {name: (analysed, vacuumed) for name, analysed, vacuumed in s.execute(_DONE)}
    ordinary = tables & stats.keys()
    assert len(ordinary) >= len(tables) - 2  # all but the partitioned parents
    assert all(stats[t] == (True, vacuum) for t in ordinary)
