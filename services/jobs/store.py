"""The job store: the writes that move a Job through its life after it was queued.

Contract:
1. ``claim`` moves a ``queued`` Job to ``running`` (with a ``started`` event) under a row lock; a Job in any
   other state is not claimed, so a cancelled or finished Job never runs again.
2. ``finish`` records the outcome and its final event in the caller's transaction; ``fail_queued`` fails a
   Job that never started (its operation is unknown to this worker), so it never shows ``running``.
3. ``requeue`` puts a Job back to ``queued`` after a transient failure, counting the attempts in ``meta``.
4. Event messages are one line: what users read in the timeline.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.engine import session_scope
from services.jobs.models import Job, JobEvent

Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class ClaimedJob:
    """What the runner needs of a Job it claimed."""

    id: uuid.UUID
    operation: str
    payload: dict[str, Any]
    meta: dict[str, Any]
    created_by: str


def peek_queued(job_id: uuid.UUID) -> str | None:
    """The operation name of ``job_id`` if it is still ``queued``, else None (gone, cancelled, finished)."""
    with session_scope() as session:
        job = session.get(Job, job_id)
        return job.operation if job is not None and job.status == "queued" else None


def claim(job_id: uuid.UUID) -> ClaimedJob | None:
    """Contract 1."""
    with session_scope() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status != "queued":
            return None
        job.status, job.started_at = "running", func.now()
        session.add(JobEvent(job_id=job_id, kind="started", message="started"))
        return ClaimedJob(job.id, job.operation, dict(job.payload), dict(job.meta), job.created_by)


def finish(
    session: Session,
    job_id: uuid.UUID,
    status: str,
    *,
    error_code: str | None = None,
    error_message: str | None = None,
    findings: dict[str, Any] | None = None,
) -> None:
    """Record a job's outcome and its final event (used by the runner and the recovery sweep)."""
    values: dict[str, Any] = {"status": status, "finished_at": func.now()}
    if error_code is not None:
        values |= {"error_code": error_code, "error_message": error_message}
    if findings is not None:
        values["findings"] = findings
    session.execute(update(Job).where(Job.id == job_id).values(**values))
    message = error_message if status == "failed" else status
    session.add(
        JobEvent(
            job_id=job_id,
            kind=status,
            message=message or status,
            data={"error_code": error_code} if error_code else None,
        )
    )


def finish_now(job_id: uuid.UUID, status: str, **outcome: Any) -> None:
    """``finish`` in its own unit of work."""
    with session_scope() as session:
        finish(session, job_id, status, **outcome)


def fail_queued(job_id: uuid.UUID, error_code: str, error_message: str) -> bool:
    """Contract 2: a Job that never started fails at once (not ``running``); False if it was not queued."""
    with session_scope() as session:
        row = session.execute(Q.fail_queued_job, {"id": job_id, "code": error_code, "msg": error_message}).first()
        if row is None:
            return False
        session.add(JobEvent(job_id=job_id, kind="failed", message=error_message, data={"error_code": error_code}))
        return True


def requeue(job_id: uuid.UUID, attempts: int, message: str) -> None:
    """Contract 3."""
    with session_scope() as session:
        session.execute(Q.requeue_job, {"id": job_id, "meta": json.dumps({"transient_retries": attempts})})
        session.add(JobEvent(job_id=job_id, kind="retrying", message=message))
