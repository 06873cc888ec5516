"""The procrastinate app on the workbench database, and deferring a Job's queue entry.

Every Job is executed by the single task ``workbench.run_job``; the Job row says which operation to run.
Deferring happens in SQL inside the caller's transaction (``defer_in_transaction``), so a Job row and its
queue entry are created together or not at all. The tasks themselves are registered on the app by
``services.jobs.tasks`` (the worker's composition), so deferring needs none of the runner's code.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache

import procrastinate
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.engine import database_url

Q = sql_blocks.load(__file__)

RUN_JOB_TASK = "workbench.run_job"
POOL_TIMEOUT_SECONDS = 10  # a pool that cannot hand out a connection this long means the database went away
SWEEP_TASK = "workbench.sweep_lost_jobs"


@lru_cache(maxsize=4)
def _app_for(url: str) -> procrastinate.App:
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, timeout=POOL_TIMEOUT_SECONDS))


def get_app(url: str | None = None) -> procrastinate.App:
    """One procrastinate app per database URL and process (tasks are added by ``services.jobs.tasks``)."""
    return _app_for(url or database_url())


def defer_in_transaction(session: Session, job_id: uuid.UUID, queue: str) -> int:
    """Queue ``run_job(job_id)`` on ``queue`` within ``session``'s transaction; returns procrastinate's id."""
    return session.execute(
        Q.defer_job, {"queue": queue, "task": RUN_JOB_TASK, "args": json.dumps({"job_id": str(job_id)})}
    ).scalar_one()


def cancel_queued(session: Session, queue_id: int | None) -> None:
    """Drop a queue entry that no worker has taken yet (a taken one finishes at its next cancel check)."""
    if queue_id is not None:
        session.execute(Q.cancel_queue_entry, {"id": queue_id})
