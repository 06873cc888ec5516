"""Liveness of work in progress: a record is alive while its process's connection holds the record's lease.

A lease is a PostgreSQL session advisory lock on ``hashtextextended(key, 0)``. PostgreSQL drops it the moment
the connection ends, however the process ends (SIGKILL, crash, power loss, a database restart or outage), so
"running but nobody holds the lease" means dead — no clock, no timeout, no waiting for a stale heartbeat.
Contract:
1. A process takes the lease (``holding``) *before* it writes its record ``running`` and releases it only
   *after* the record's outcome is committed; so a ``running`` record whose lease is free belongs to a
   dead process and may be ended by anyone.
2. ``is_held`` reads ``pg_locks``; it never takes a lease, so a check can never make a
   starting owner fail or wait.
3. Domains whose records have a ``running`` state register a sweep (``@sweep(table)``) that ends their dead
   records (status failed with the reason); ``sweep_dead_records`` runs them all — the worker does at start-up
   and every minute, with the recovery of lost jobs.
4. The lease connection is a dedicated one (detached from the pool): closing it ends the lease for sure.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection

from services.db import sql_blocks
from services.db.engine import get_engine

Q = sql_blocks.load(__file__)
_log = logging.getLogger(__name__)


def job_key(job_id: uuid.UUID) -> str:
    """The lease of a running Job."""
    return f"job:{job_id}"


@contextmanager
def holding(key: str, url: str | None = None) -> Iterator[None]:
    """Hold the lease ``key`` on a dedicated connection for the block (contract 1 and 4)."""
    conn = get_engine(url).connect()
    conn.detach()  # never back to the pool: closing it must end the session, and with it the lock
    try:
        conn.execute(Q.take_lease, {"key": key})
        conn.commit()
        yield
    finally:
        try:
            conn.execute(Q.release_lease, {"key": key})
            conn.commit()
        except Exception:  # noqa: BLE001 - a dead connection has released the lease already
            _log.debug("lease %s: the connection was gone at release", key)
        finally:
            conn.close()


def is_held(conn: Connection, key: str) -> bool:
    """Whether some connection to this database holds the lease ``key`` (reads ``pg_locks`` only)."""
    return bool(conn.execute(Q.lease_held, {"key": key}).scalar_one())


@dataclass(frozen=True)
class Sweep:
    table: str
    fn: Callable[[], int]


_SWEEPS: dict[str, Sweep] = {}


def sweep(table: str) -> Callable[[Callable[[], int]], Callable[[], int]]:
    """Register ``fn() -> int`` (the number of records it ended) as the dead-record sweep of ``table``."""

    def register(fn: Callable[[], int]) -> Callable[[], int]:
        _SWEEPS[table] = Sweep(table, fn)
        return fn

    return register


def registered_sweeps() -> list[Sweep]:
    return sorted(_SWEEPS.values(), key=lambda s: s.table)


def sweep_dead_records() -> dict[str, int]:
    """Run every registered sweep; returns the records each ended. One failing sweep does not stop others."""
    ended: dict[str, int] = {}
    for s in registered_sweeps():
        try:
            ended[s.table] = s.fn()
        except Exception:  # noqa: BLE001 - logged; the next sweep tries again
            _log.exception("the dead-record sweep of %s failed", s.table)
    if any(ended.values()):
        _log.warning("ended records of dead processes: %s", {t: n for t, n in ended.items() if n})
    return ended
