"""Executes one Job inside a worker: running → succeeded / failed / cancelled, with events.

Contract:
1. A Job that is no longer ``queued`` (cancelled meanwhile, or already finished) is not run again.
2. The operation is looked up before the Job is claimed: an operation this worker does not know fails the Job
   at once with one sentence (it is never ``running``).
3. The runner holds the Job's lease (``services.jobs.leases``) from before the claim until its outcome is
   committed, so a Job whose worker dies is recovered at once by the next sweep or worker start-up.
4. The operation's own writes are its business (one unit of work); the runner only records the outcome.
5. The worker's error boundary: a domain error (``WorkbenchError``) fails the job with its code and sentence;
   any other exception fails it as ``internal_error`` with one line (the exception's type and first line),
   while the traceback goes to the worker's log only; a transient database error in a retry-safe operation
   puts the job back in the queue (procrastinate retries it) until attempts run out.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.exc import OperationalError

from services.auth.identity import Identity, Role
from services.errors import WorkbenchError
from services.jobs import leases, store
from services.jobs.errors import JobCancelled, RetryableJobError, UnknownOperation
from services.jobs.operations import Operation, get_operation
from services.jobs.progress import ProgressReporter

_log = logging.getLogger(__name__)
MAX_TRANSIENT_RETRIES = 2
MAX_MESSAGE = 300


def unexpected_error_message(exc: BaseException, what: str) -> str:
    """One line for the Job's users: what stopped and the exception's first line; the log has the rest."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    if len(detail) > MAX_MESSAGE:
        detail = detail[: MAX_MESSAGE - 1] + "…"
    return f"{what} stopped on an unexpected error ({detail}); the worker log has the details"


def execute_job(job_id: uuid.UUID) -> None:
    with leases.holding(leases.job_key(job_id)):
        name = store.peek_queued(job_id)
        if name is None:
            _log.info("job %s is not queued any more; skipping", job_id)
            return
        try:
            op = get_operation(name)
        except UnknownOperation as exc:
            _log.error("job %s: %s", job_id, exc)
            store.fail_queued(job_id, exc.code, str(exc))
            return
        job = store.claim(job_id)
        if job is None:
            _log.info("job %s is not queued any more; skipping", job_id)
            return
        _run(op, job)


def _run(op: Operation, job: store.ClaimedJob) -> None:
    progress = ProgressReporter(job.id)
    try:
        identity = Identity(user=job.created_by, role=Role.parse(job.meta.get("role", "curator")))
        findings = op.fn(dict(job.payload), progress, identity)
        progress.finish()
    except JobCancelled as exc:
        progress.finish()
        store.finish_now(job.id, "cancelled", error_code=exc.code, error_message=str(exc))
        return
    except WorkbenchError as exc:
        store.finish_now(job.id, "failed", error_code=exc.code, error_message=str(exc))
        return
    except OperationalError as exc:
        attempts = int(job.meta.get("transient_retries", 0))
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        if op.retry_safe and attempts < MAX_TRANSIENT_RETRIES:
            store.requeue(job.id, attempts + 1, f"transient database error: {reason}")
            raise RetryableJobError(str(exc)) from exc
        _log.exception("job %s (%s): database error", job.id, op.name)
        store.finish_now(job.id, "failed", error_code="database_error", error_message=f"database error: {reason}")
        return
    except Exception as exc:  # noqa: BLE001 - the worker's error boundary: recorded, logged, the worker goes on
        _log.exception("job %s (%s) crashed", job.id, op.name)
        store.finish_now(
            job.id, "failed", error_code="internal_error", error_message=unexpected_error_message(exc, op.title)
        )
        return
    store.finish_now(job.id, "succeeded", findings=findings or {})
