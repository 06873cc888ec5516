"""Database maintenance: ANALYZE (or VACUUM ANALYZE) the workbench tables and report their sizes.

Registered as the background operation ``db.maintenance`` (lead or curator); safe to retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from services.auth.identity import Identity, Role
from services.db.engine import get_engine
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter
from services.usage.retention import purge_expired_usage


@dataclass(frozen=True)
class TableSize:
    table: str
    rows_estimate: int
    total_bytes: int


def workbench_tables() -> list[str]:
    """Ordinary and partitioned tables of the current schema, procrastinate's included."""
    with get_engine().connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
                    "AND NOT c.relispartition ORDER BY c.relname"
                )
            ).scalars()
        )


def table_sizes() -> list[TableSize]:
    with get_engine().connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, greatest(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
                "ORDER BY 3 DESC, 1"
            )
        ).all()
    return [TableSize(*r) for r in rows]


def run_maintenance(vacuum: bool, progress: ProgressReporter) -> dict[str, Any]:
    usage_purged = purge_expired_usage()  # page views past their retention, salts of finished days
    tables = workbench_tables()
    progress.set_total(len(tables))
    verb = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    engine = get_engine()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        preparer = engine.dialect.identifier_preparer
        for name in tables:
            progress.check_cancelled()
            conn.execute(text(f"{verb} {preparer.quote(name)}"))
            progress.advance()
    sizes = table_sizes()
    return {
        "action": verb,
        "tables": len(tables),
        "total_bytes": sum(s.total_bytes for s in sizes),
        "sizes": [{"table": s.table, "rows": s.rows_estimate, "bytes": s.total_bytes} for s in sizes],
        "usage": usage_purged,
    }


@operation("db.maintenance", title="Database maintenance", min_role=Role.CURATOR, retry_safe=True)
def maintenance_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    return run_maintenance(bool(payload.get("vacuum", False)), progress)
