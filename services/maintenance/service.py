"""ANALYZE (or VACUUM ANALYZE) the workbench tables and report their sizes.

Runs from ``workbench maintenance`` and as the background operation ``db.maintenance`` (``operations.py``).
Each table is analysed in its own autocommit statement (VACUUM cannot run in a transaction); cancelling between
tables leaves the ones done analysed, which is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.db import sql_blocks
from services.db.engine import get_engine
from services.db.identifiers import quote_identifier
from services.jobs.progress import ProgressReporter
from services.usage.retention import purge_expired_usage

Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class TableSize:
    table: str
    rows_estimate: int
    total_bytes: int


def workbench_tables() -> list[str]:
    """Ordinary and partitioned tables of the current schema, procrastinate's included."""
    with get_engine().connect() as conn:
        return list(conn.execute(Q.workbench_tables).scalars())


def table_sizes() -> list[TableSize]:
    with get_engine().connect() as conn:
        rows = conn.execute(Q.table_sizes).all()
    return [TableSize(*r) for r in rows]


def run_maintenance(vacuum: bool, progress: ProgressReporter) -> dict[str, Any]:
    usage_purged = purge_expired_usage()  # page views past their retention, salts of finished days
    tables = workbench_tables()
    progress.set_total(len(tables))
    verb = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    block = "vacuum_analyze_table" if vacuum else "analyze_table"
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in tables:
            progress.check_cancelled()
            conn.execute(Q.formatted(block, table=quote_identifier(name)))
            progress.advance()
    sizes = table_sizes()
    return {
        "action": verb,
        "tables": len(tables),
        "total_bytes": sum(s.total_bytes for s in sizes),
        "sizes": [{"table": s.table, "rows": s.rows_estimate, "bytes": s.total_bytes} for s in sizes],
        "usage": usage_purged,
    }
