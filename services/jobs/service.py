"""Submitting, cancelling, listing and commenting on jobs (what pages and the CLI call).

Contract:
1. ``submit`` checks the operation's role, creates the Job row and queues it in one transaction.
2. ``cancel``: a queued job is cancelled at once (its queue entry too); a running one gets
   ``meta.cancel_requested`` and stops at its next progress check; finished jobs are left alone.
3. Reads return plain frozen dataclasses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.errors import InvalidInput, NotFound
from services.jobs.models import FINISHED_STATUSES, JOB_STATUSES, Job, JobComment, JobEvent
from services.jobs.operations import get_operation
from services.jobs.queue import cancel_queued, defer_in_transaction


@dataclass(frozen=True)
class JobView:
    id: uuid.UUID
    operation: str
    queue_name: str
    status: str
    parent_job_id: uuid.UUID | None
    payload: dict[str, Any]
    meta: dict[str, Any]
    progress_current: int
    progress_total: int | None
    error_code: str | None
    error_message: str | None
    description: str | None
    findings: dict[str, Any] | None
    tags: list[str]
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_row(cls, job: Job) -> JobView:
        return cls(**{f: getattr(job, f) for f in cls.__dataclass_fields__})

    @property
    def fraction(self) -> float | None:
        if not self.progress_total:
            return None
        return min(1.0, self.progress_current / self.progress_total)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def cancel_requested(self) -> bool:
        return bool(self.meta.get("cancel_requested"))


@dataclass(frozen=True)
class EventView:
    at: datetime
    kind: str
    message: str
    progress_current: int | None
    progress_total: int | None
    data: dict[str, Any] | None


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    body: str
    created_at: datetime


def submit(
    session: Session,
    operation: str,
    payload: dict[str, Any],
    identity: Identity,
    *,
    description: str | None = None,
    parent_job_id: uuid.UUID | None = None,
    tags: list[str] | None = None,
) -> JobView:
    """Create a Job for ``operation`` and queue it.

    Raises ``UnknownOperation`` for a name no module registered and ``PermissionDenied`` for too low a role.
    """
    op = get_operation(operation)
    require(identity, op.min_role, f"start {op.title.lower()}")
    job = Job(
        id=uuid.uuid4(),
        operation=op.name,
        queue_name=op.queue,
        status="queued",
        payload=payload or {},
        meta={"role": identity.role.label},
        progress_current=0,
        tags=tags or [],
        created_by=identity.user,
        description=description or op.title,
        parent_job_id=parent_job_id,
    )
    session.add(job)
    session.flush()
    job.procrastinate_job_id = defer_in_transaction(session, job.id, op.queue)
    session.add(JobEvent(job_id=job.id, kind="queued", message=f"queued by {identity.user} on {op.queue}"))
    session.flush()
    session.refresh(job)
    return JobView.from_row(job)


def cancel(session: Session, job_id: uuid.UUID, identity: Identity) -> JobView:
    require(identity, Role.CURATOR, "cancel jobs")
    job = _get(session, job_id, lock=True)
    if job.status == "queued":
        cancel_queued(session, job.procrastinate_job_id)
        job.status, job.finished_at = "cancelled", func.now()
        session.add(JobEvent(job_id=job.id, kind="cancelled", message=f"cancelled by {identity.user}"))
    elif job.status == "running":
        job.meta = {**job.meta, "cancel_requested": True, "cancel_requested_by": identity.user}
        session.add(JobEvent(job_id=job.id, kind="cancel_requested", message=f"cancel asked by {identity.user}"))
    session.flush()
    session.refresh(job)
    return JobView.from_row(job)


def get_job(session: Session, job_id: uuid.UUID) -> JobView:
    return JobView.from_row(_get(session, job_id))


def list_jobs(
    session: Session,
    *,
    statuses: list[str] | None = None,
    operations: list[str] | None = None,
    parent_job_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[JobView], int]:
    """Newest first, filtered; returns one page and the total count."""
    for s in statuses or []:
        if s not in JOB_STATUSES:
            raise InvalidInput(f"unknown job status {s!r}")
    query = select(Job)
    if statuses:
        query = query.where(Job.status.in_(statuses))
    if operations:
        query = query.where(Job.operation.in_(operations))
    if parent_job_id:
        query = query.where(Job.parent_job_id == parent_job_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Job.created_at.desc(), Job.id).limit(limit).offset(offset))
    return [JobView.from_row(j) for j in rows], total


def job_events(session: Session, job_id: uuid.UUID) -> list[EventView]:
    rows = session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.at, JobEvent.id))
    return [EventView(r.at, r.kind, r.message, r.progress_current, r.progress_total, r.data) for r in rows]


def add_comment(session: Session, job_id: uuid.UUID, identity: Identity, body: str) -> CommentView:
    require(identity, Role.CURATOR, "comment on jobs")
    if not body.strip():
        raise InvalidInput("a comment cannot be empty")
    _get(session, job_id)
    comment = JobComment(job_id=job_id, author=identity.user, body=body.strip())
    session.add(comment)
    session.flush()
    session.refresh(comment)
    return CommentView(comment.id, comment.author, comment.body, comment.created_at)


def job_comments(session: Session, job_id: uuid.UUID) -> list[CommentView]:
    rows = session.scalars(select(JobComment).where(JobComment.job_id == job_id).order_by(JobComment.id))
    return [CommentView(r.id, r.author, r.body, r.created_at) for r in rows]


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
    return {status: count for status, count in rows}


def _get(session: Session, job_id: uuid.UUID, lock: bool = False) -> Job:
    job = session.get(Job, job_id, with_for_update=lock)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job
