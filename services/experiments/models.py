"""Experiment records: ExperimentRun, the links to what it produced, and its comments thread.

Invariants (guarded by the schema in migration 0017):
1. A run's name is unique (``uq_experiment_run_name``); its status is planned, running, done or abandoned
   (``ck_experiment_run_status``) and moves only planned → running → done | abandoned (planned → abandoned
   too); done and abandoned are final. The trigger ``experiment_run_status``
   (``workbench_experiment_run_status``) refuses any other move and stamps ``started_at`` / ``finished_at``.
2. ``axis_tuple_shortid`` (first 12 hex of sha256 of the canonical JSON of the axis tuple) is unique when set
   (partial unique index ``uq_experiment_run_axis_tuple_shortid``).
3. A link names exactly one thing of its kind (``ck_experiment_link_target``): a job, a prediction set or an
   evaluation result through a foreign key, or a dataset / re-ranker by name (``ref_name``, no foreign key: the
   re-ranking issue adds those records later). A thing is linked to a run once (partial unique indexes).
4. Deleting a run deletes its link rows and comments (CASCADE from the run), never the linked results: the only
   foreign keys point from the link rows outwards. A deleted result takes its link rows with it.
5. A job whose payload carries ``"experiment": NAME`` is linked to that run when it is queued, and the
   ``prediction_set_id`` / ``evaluation_result_id`` its findings name when it succeeds (trigger
   ``job_experiment_links`` on ``job``; the job engine itself knows nothing about experiments).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    column,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, with_triggers

# The tables the links point to must be in the metadata wherever a link is written (foreign key resolution).
from services.evaluation import models as _evaluation  # noqa: F401
from services.jobs import models as _jobs  # noqa: F401
from services.predictions import models as _predictions  # noqa: F401

STATUSES = ("planned", "running", "done", "abandoned")
LINK_KINDS = ("job", "prediction_set", "evaluation_result", "dataset", "reranker")
AXES = (
    "plm",
    "k",
    "reranker_spec_id",
    "feature_schema_sha",
    "eval_set_name",
    "eval_set_manifest_sha",
    "propagation",
    "ensemble_spec",
)


class ExperimentRun(Base):
    """One experiment: what was tried (config, axes), why (hypothesis), what came out (findings, links)."""

    __tablename__ = "experiment_run"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'running', 'done', 'abandoned')", name="status"),
        CheckConstraint("axis_tuple_shortid ~ '^[0-9a-f]{12}$'", name="shortid"),
        # one run per axis tuple (re-runs keep the tuple's columns but no short id)
        Index(
            "uq_experiment_run_axis_tuple_shortid",
            "axis_tuple_shortid",
            unique=True,
            postgresql_where=text("axis_tuple_shortid IS NOT NULL"),
        ),
        with_triggers("experiment_run_status"),  # planned -> running -> done | abandoned, stamps the times
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    hypothesis: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    plm: Mapped[str | None] = mapped_column(Text)
    k: Mapped[int | None] = mapped_column(Integer)
    reranker_spec_id: Mapped[str | None] = mapped_column(Text)
    feature_schema_sha: Mapped[str | None] = mapped_column(String(64))
    eval_set_name: Mapped[str | None] = mapped_column(Text)
    eval_set_manifest_sha: Mapped[str | None] = mapped_column(String(64))
    propagation: Mapped[str | None] = mapped_column(Text)
    ensemble_spec: Mapped[str | None] = mapped_column(Text)
    axis_tuple_shortid: Mapped[str | None] = mapped_column(String(12))
    rerun_of_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("experiment_run.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExperimentLink(Base):
    """One thing a run produced or used (see invariants 3–5)."""

    __tablename__ = "experiment_link"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('job', 'prediction_set', 'evaluation_result', 'dataset', 'reranker')",
            name="kind",
        ),
        CheckConstraint(
            "(kind = 'job') = (job_id IS NOT NULL) "
            "AND (kind = 'prediction_set') = (prediction_set_id IS NOT NULL) "
            "AND (kind = 'evaluation_result') = (evaluation_result_id IS NOT NULL) "
            "AND (kind IN ('dataset', 'reranker')) = (ref_name IS NOT NULL)",
            name="target",
        ),
        # a thing is linked to a run once
        *(
            Index(
                f"uq_experiment_link_run_{target}",
                "experiment_run_id",
                target,
                unique=True,
                postgresql_where=column(target).is_not(None),
            )
            for target in ("job_id", "prediction_set_id", "evaluation_result_id")
        ),
        Index(
            "uq_experiment_link_run_ref",
            "experiment_run_id",
            "kind",
            "ref_name",
            unique=True,
            postgresql_where=text("ref_name IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    experiment_run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("experiment_run.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("job.id", ondelete="CASCADE"), index=True
    )
    prediction_set_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("prediction_set.id", ondelete="CASCADE"), index=True
    )
    evaluation_result_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("evaluation_result.id", ondelete="CASCADE"), index=True
    )
    ref_name: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ExperimentComment(Base):
    """One comment on a run (curators and leads), oldest first."""

    __tablename__ = "experiment_comment"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    experiment_run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("experiment_run.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
