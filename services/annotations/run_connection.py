"""A run's one database connection: its advisory lock and session-local staging live on it.

Contract: the connection gets enough ``work_mem`` that classifying a million alleles hashes in memory and enough
``temp_buffers`` that its staging stays in memory. ``temp_buffers`` can only be set before the session's first
temporary table, and the session keeps those buffers until it ends, so the connection is closed (not pooled)
afterwards; its session-local tables (``run_staging``, ``run_outcome``) are dropped first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from services.annotations import lifecycle, staging
from services.db import sql_blocks
from services.db.engine import get_engine

Q = sql_blocks.load(__file__)
RUN_WORK_MEM = "128MB"
# A million-allele run stages ~120 MB and keeps ~20 MB of outcomes in session-local tables: with PostgreSQL's
# 8 MB of temp buffers they would be written out and read back through the file system several times.
RUN_TEMP_BUFFERS = "256MB"


@contextmanager
def run_connection(url: str | None = None) -> Iterator[Connection]:
    """The run's connection (see the module contract)."""
    with get_engine(url).connect() as conn:
        try:
            conn.execute(Q.set_temp_buffers, {"size": RUN_TEMP_BUFFERS})
        except DBAPIError:
            conn.rollback()  # a pooled session that used temporary tables already: keep its size
        conn.execute(Q.set_work_mem, {"size": RUN_WORK_MEM})
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            conn.execute(Q.reset_work_mem)
            lifecycle.drop_outcome(conn)
            staging.drop_staging(conn)
            conn.commit()
            conn.invalidate()
