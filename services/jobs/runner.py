"""Executes one Job inside a worker: running → succeeded / failed / cancelled, with events.

Contract:
1. A Job that is no longer ``queued`` (cancelled meanwhile, or already finished) is not run again.
2. The operation's own writes are its business (one unit of work); the runner only records the outcome.
3. A domain error (``WorkbenchError``) fails the job with its code and sentence; any other exception fails it
   as ``internal_error`` with the exception text; a transient database error in a retry-safe operation puts
   the job back in the queue (procrastinate retries it) until attempts run out.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import func, update
from sqlalchemy.exc import OperationalError

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import WorkbenchError
from services.jobs.models import Job, JobEvent
from services.jobs.operations import get_operation
from services.jobs.progress import JobCancelled, ProgressReporter
from services.jobs.queue import RetryableJobError
from services.jobs.service import mark_finished

_log = logging.getLogger(__name__)
MAX_TRANSIENT_RETRIES = 2


def _claim(job_id: uuid.UUID) -> Job | None:
    with session_scope() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status not in ("queued",):
            return None
        job.status, job.started_at = "running", func.now()
        session.add(JobEvent(job_id=job_id, kind="started", message="started"))
        session.flush()
        session.expunge(job)
        return job


def execute_job(job_id: uuid.UUID) -> None:
    job = _claim(job_id)
    if job is None:
        _log.info("job %s is not queued any more; skipping", job_id)
        return
    op = get_operation(job.operation)
    identity = Identity(user=job.created_by, role=Role.parse(job.meta.get("role", "curator")))
    progress = ProgressReporter(job_id)
    try:
        findings = op.fn(dict(job.payload), progress, identity)
    except JobCancelled as exc:
        progress.finish()
        with session_scope() as session:
            mark_finished(session, job_id, "cancelled", error_code=exc.code, error_message=str(exc))
        return
    except WorkbenchError as exc:
        with session_scope() as session:
            mark_finished(session, job_id, "failed", error_code=exc.code, error_message=str(exc))
        return
    except OperationalError as exc:
        attempts = int(job.meta.get("transient_retries", 0))
        if op.retry_safe and attempts < MAX_TRANSIENT_RETRIES:
            with session_scope() as session:
                session.execute(
                    update(Job)
                    .where(Job.id == job_id)
                    .values(status="queued", meta=Job.meta.op("||")({"transient_retries": attempts + 1}))
                )
                session.add(JobEvent(job_id=job_id, kind="retrying", message=f"transient error: {exc.orig}"))
            raise RetryableJobError(str(exc)) from exc
        with session_scope() as session:
            mark_finished(session, job_id, "failed", error_code="database_error", error_message=str(exc.orig))
        return
    except Exception as exc:  # noqa: BLE001 - recorded on the job, then the worker moves on
        _log.exception("job %s (%s) crashed", job_id, job.operation)
        with session_scope() as session:
            mark_finished(
                session,
                job_id,
                "failed",
                error_code="internal_error",
                error_message=f"{type(exc).__name__}: {exc}",
            )
        return
    progress.finish()
    with session_scope() as session:
        mark_finished(session, job_id, "succeeded", findings=findings or {})
