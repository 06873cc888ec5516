"""Job records: the Job row users see, its append-only event timeline and its comments.

Invariants (guarded by the schema in migration 0001):
1. ``job.status`` is one of queued/running/succeeded/failed/cancelled (check constraint ``ck_job_status``).
2. ``job_event`` rows are never updated or deleted (trigger ``job_event_append_only`` raises).
3. progress_current never exceeds progress_total when both are known (check ``ck_job_progress``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, with_triggers

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED_STATUSES = ("succeeded", "failed", "cancelled")


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(
            "status::text IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="ck_job_status"
        ),
        CheckConstraint("progress_total IS NULL OR progress_current <= progress_total", name="ck_job_progress"),
        Index("ix_job_created_at", text("created_at DESC")),
        # migration 0017: a job submitted "in" an experiment run links it and what it creates (the trigger's
        # function belongs to the experiments domain; the job engine never calls it)
        with_triggers("job_experiment_links"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    operation: Mapped[str] = mapped_column(String(100), index=True)
    queue_name: Mapped[str] = mapped_column(String(100), default="default")
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    parent_job_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    procrastinate_job_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    progress_current: Mapped[int] = mapped_column(BigInteger, default=0)
    progress_total: Mapped[int | None] = mapped_column(BigInteger)
    error_code: Mapped[str | None] = mapped_column(String(100))
    error_message: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobEvent(Base):
    """Append-only (triggers ``job_event_append_only`` / ``job_event_no_truncate``): a job's history."""

    __tablename__ = "job_event"
    __table_args__ = (
        Index("ix_job_event_job_id_at", "job_id", "at"),
        with_triggers("job_event_append_only", "job_event_no_truncate"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("job.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    progress_current: Mapped[int | None] = mapped_column(BigInteger)
    progress_total: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class JobComment(Base):
    __tablename__ = "job_comment"
    __table_args__ = (
        CheckConstraint("length(btrim(body)) > 0", name="ck_job_comment_body_not_blank"),
        Index("ix_job_comment_job_id", "job_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("job.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
