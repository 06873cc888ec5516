"""The worker's composition of procrastinate tasks: run a Job, and the periodic sweep.

``worker_app`` adds the two tasks to the procrastinate app of a database (once per app); only the worker
needs it — submitting a Job defers its queue entry in SQL (``services.jobs.queue``) without these tasks.
"""

from __future__ import annotations

import uuid

import procrastinate
from procrastinate import RetryStrategy

from services.jobs.errors import RetryableJobError
from services.jobs.queue import RUN_JOB_TASK, SWEEP_TASK, get_app
from services.jobs.recovery import sweep
from services.jobs.runner import execute_job


def register_tasks(app: procrastinate.App) -> procrastinate.App:
    """Add ``run_job`` and the minute sweep to ``app`` unless they are there already."""
    if RUN_JOB_TASK in app.tasks:
        return app

    @app.task(
        name=RUN_JOB_TASK,
        retry=RetryStrategy(max_attempts=3, wait=2, retry_exceptions={RetryableJobError}),
    )
    def run_job(job_id: str) -> None:
        execute_job(uuid.UUID(job_id))

    @app.periodic(cron="* * * * *", periodic_id="sweep")
    @app.task(name=SWEEP_TASK, queue="default", queueing_lock="sweep_lost_jobs")
    def sweep_lost_jobs(timestamp: int) -> None:
        sweep()

    return app


def worker_app(url: str | None = None) -> procrastinate.App:
    return register_tasks(get_app(url))
