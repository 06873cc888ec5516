"""The procrastinate app on the workbench database, and its one task: run a Job by id.

Every Job is executed by the single task ``workbench.run_job``; the Job row says which operation to run.
Deferring happens in SQL inside the caller's transaction (``defer_in_transaction``), so a Job row and its
queue entry are created together or not at all.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache

import procrastinate
from procrastinate import RetryStrategy
from sqlalchemy import text
from sqlalchemy.orm import Session

from services.db.engine import database_url

RUN_JOB_TASK = "workbench.run_job"
SWEEP_TASK = "workbench.sweep_lost_jobs"


class RetryableJobError(Exception):
    """Raised by the runner when a retry-safe operation hit a transient failure: procrastinate retries it."""


@lru_cache(maxsize=4)
def _app_for(url: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

    @app.task(
        name=RUN_JOB_TASK,
        retry=RetryStrategy(max_attempts=3, wait=2, retry_exceptions={RetryableJobError}),
    )
    def run_job(job_id: str) -> None:
        from services.jobs.runner import execute_job

        execute_job(uuid.UUID(job_id))

    @app.periodic(cron="* * * * *", periodic_id="sweep")
    @app.task(name=SWEEP_TASK, queue="default", queueing_lock="sweep_lost_jobs")
    def sweep_lost_jobs(timestamp: int) -> None:
        from services.jobs.recovery import recover_lost_jobs

        recover_lost_jobs()

    return app


def get_app(url: str | None = None) -> procrastinate.App:
    return _app_for(url or database_url())


def defer_in_transaction(session: Session, job_id: uuid.UUID, queue: str) -> int:
    """Queue ``run_job(job_id)`` on ``queue`` within ``session``'s transaction; returns procrastinate's id."""
    return session.execute(
        text(
            "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL, "
            "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1]))"
        ),
        {"queue": queue, "task": RUN_JOB_TASK, "args": json.dumps({"job_id": str(job_id)})},
    ).scalar_one()
