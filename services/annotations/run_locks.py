"""One run of a source at a time: the per-source lock, and the end of runs whose process died.

Contract:
1. A run holds a session advisory lock on its source (``annotation_run:<source>``) for its whole life; the
   database drops it when the process dies. ``uq_annotation_run_active`` admits at most one running or braked
   run per source.
2. A second run is refused (``SourceLocked``) with a message naming the first; a ``running`` row whose lock is
   free belonged to a dead process and is marked ``partial`` on the spot (``LOST_REASON``).
3. A braked run blocks every other run of its source until a lead decides it; the decision itself takes the
   lock with ``deciding_run``.
4. ``sweep_dead_runs`` ends dead runs of every source at once (workers run it at start-up and every minute);
   ``mark_lost_runs_partial`` ends the run of a job whose worker was lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from services.db import sql_blocks
from services.db.engine import get_engine
from services.errors import WorkbenchError
from services.jobs import leases

Q = sql_blocks.load(__file__)
LOST_REASON = "the process running it stopped (killed, crashed or cut off from the database) before it finished"


class SourceLocked(WorkbenchError):
    code = "source_locked"


def lock_key(source: str) -> str:
    return f"annotation_run:{source}"


@contextmanager
def source_lock(conn: Connection, source: str, *, deciding_run: int | None = None) -> Iterator[None]:
    """Contracts 1–3. Refuses (``SourceLocked``) when another run of ``source`` is running or braked."""
    key = {"k": lock_key(source)}
    got = conn.execute(Q.try_lock, key).scalar_one()
    conn.commit()
    if not got:
        row = conn.execute(Q.latest_running_run, {"s": source}).first()
        conn.rollback()
        who = f"run #{row[0]} (started {row[1]:%Y-%m-%d %H:%M} by {row[2]})" if row else "another run"
        raise SourceLocked(f"{source} is being refreshed by {who}; try again when it has finished")
    try:
        conn.execute(Q.end_dead_runs_of_source, {"s": source, "why": LOST_REASON})
        braked = conn.execute(Q.braked_run_of_source, {"s": source}).scalar()
        conn.commit()
        if braked is not None and braked != deciding_run:
            raise SourceLocked(
                f"run #{braked} of {source} would retire many links and waits for a lead to confirm or reject "
                "it on the Annotation runs page; no other run of this source starts until then"
            )
        yield
    finally:
        conn.rollback()
        conn.execute(Q.unlock, key)
        conn.commit()


def mark_lost_runs_partial(job_id: uuid.UUID) -> None:
    """``on_lost``: a worker died mid-run — its run changed nothing; it ends ``partial`` (lock released)."""
    with get_engine().begin() as conn:
        conn.execute(Q.end_runs_of_job, {"job": job_id, "why": LOST_REASON})


@leases.sweep("annotation_run")
def sweep_dead_runs() -> int:
    """Contract 4: a ``running`` run whose source lock nobody holds belonged to a dead process (SIGKILL, crash,
    database outage) and ends ``partial`` — without waiting for the next run of its source."""
    ended = 0
    with get_engine().begin() as conn:
        for run_id, source in conn.execute(Q.running_runs).all():
            if not leases.is_held(conn, lock_key(source)):
                ended += conn.execute(Q.end_dead_run, {"id": run_id, "why": LOST_REASON}).rowcount
    return ended
