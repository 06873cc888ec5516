"""Evaluation records: EvaluationSet (a temporal holdout), its ground truth and known terms, information
accretion per snapshot, ScoringConfig, EvaluationResult with its best rows and threshold curve.

Invariants (guarded by the schema in migration 0013):
1. An evaluation set names its two annotation sets (different ones: ``ck_evaluation_set_two_releases``),
   the snapshot its terms live in and the evidence codes it used; none can be deleted under it (RESTRICT).
2. A (protein, term) pair is ground truth at most once per set (the primary key) in exactly one category
   NK, LK or PK (``ck_evaluation_ground_truth_category``) and one namespace BPO, MFO or CCO
   (``ck_evaluation_ground_truth_namespace``); known terms likewise once per (set, protein, term). Both
   point to terms of the set's snapshot and go with the set (CASCADE).
3. A scoring config is immutable once created: the trigger ``scoring_config_immutable`` refuses every
   UPDATE (``workbench_reject_scoring_config_update``); results using it keep it alive (RESTRICT).
4. An IA table is stored per snapshot (``uq_information_accretion_set_ontology_snapshot_id_name``); its
   values are non-negative (``ck_information_accretion_ia``), once per term.
5. An evaluation result keeps its best rows once per (category, namespace, metric) and its curve once per
   (category, namespace, tau); both go with it. ``reranker_id`` is reserved for the re-ranker issue (no
   foreign key yet).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, with_triggers

CATEGORIES = ("NK", "LK", "PK")
NAMESPACES = ("BPO", "MFO", "CCO")
FORMULAS = ("linear", "evidence_weighted")
METRIC_COLUMNS = ("pr", "rc", "cov", "f", "s", "f_micro", "pr_w", "rc_w", "f_w", "f_micro_w")


class EvaluationSet(Base):
    """A temporal holdout: what the new annotation set knows that the old one did not (NK/LK/PK)."""

    __tablename__ = "evaluation_set"
    __table_args__ = (CheckConstraint("old_annotation_set_id <> new_annotation_set_id", name="two_releases"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    old_annotation_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("annotation_set.id", ondelete="RESTRICT"), index=True
    )
    new_annotation_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("annotation_set.id", ondelete="RESTRICT"), index=True
    )
    ontology_snapshot_id: Mapped[int] = mapped_column(Integer, ForeignKey("ontology_snapshot.id", ondelete="RESTRICT"))
    evidence_codes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    stats: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    job_id: Mapped[Any | None] = mapped_column(UUID(as_uuid=True), ForeignKey("job.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EvaluationGroundTruth(Base):
    """One (protein, term) the new release gained, propagated, in its category and namespace."""

    __tablename__ = "evaluation_ground_truth"
    __table_args__ = (
        CheckConstraint("category IN ('NK', 'LK', 'PK')", name="category"),
        CheckConstraint("namespace IN ('BPO', 'MFO', 'CCO')", name="namespace"),
    )

    evaluation_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("evaluation_set.id", ondelete="CASCADE"), primary_key=True
    )
    protein_accession: Mapped[str] = mapped_column(String(40), primary_key=True)
    go_term_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("go_term.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    category: Mapped[str] = mapped_column(String(2))
    namespace: Mapped[str] = mapped_column(String(3))


class EvaluationKnownTerm(Base):
    """A PK protein's old (propagated) term in a namespace where it gained new ones: excluded when scoring."""

    __tablename__ = "evaluation_known_term"
    __table_args__ = (CheckConstraint("namespace IN ('BPO', 'MFO', 'CCO')", name="namespace"),)

    evaluation_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("evaluation_set.id", ondelete="CASCADE"), primary_key=True
    )
    protein_accession: Mapped[str] = mapped_column(String(40), primary_key=True)
    go_term_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("go_term.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    namespace: Mapped[str] = mapped_column(String(3))


class InformationAccretionSet(Base):
    """One IA table for a snapshot: read from a file or computed from an annotation set."""

    __tablename__ = "information_accretion_set"
    __table_args__ = (
        UniqueConstraint("ontology_snapshot_id", "name"),
        # Named as migration 0013 names it (the naming convention doubles the prefix, then truncates to 63).
        CheckConstraint("source IN ('file', 'annotation_set')", name="ck_information_accretion_set_source"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    ontology_snapshot_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ontology_snapshot.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    annotation_set_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("annotation_set.id", ondelete="SET NULL"))
    source_file: Mapped[str | None] = mapped_column(Text)
    term_count: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class InformationAccretion(Base):
    """IA of one term (GO id as the table names it)."""

    __tablename__ = "information_accretion"
    __table_args__ = (CheckConstraint("ia >= 0", name="ia"),)

    information_accretion_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("information_accretion_set.id", ondelete="CASCADE"), primary_key=True
    )
    go_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    ia: Mapped[float] = mapped_column(Float)


class ScoringConfig(Base):
    """A named way to re-score stored predictions from their features (immutable: see the module doc)."""

    __tablename__ = "scoring_config"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("formula IN ('linear', 'evidence_weighted')", name="formula"),
        with_triggers("scoring_config_immutable"),  # an UPDATE is refused: results name the config they used
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    formula: Mapped[str] = mapped_column(String(30))
    weights: Mapped[dict[str, Any]] = mapped_column(JSONB)
    evidence_weights: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    description: Mapped[str | None] = mapped_column(Text)
    is_preset: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EvaluationResult(Base):
    """One evaluation of a prediction set against an evaluation set (optionally re-scored, IA-weighted)."""

    __tablename__ = "evaluation_result"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    evaluation_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("evaluation_set.id", ondelete="CASCADE"), index=True
    )
    prediction_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("prediction_set.id", ondelete="CASCADE"), index=True
    )
    scoring_config_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("scoring_config.id", ondelete="RESTRICT"))
    reranker_id: Mapped[int | None] = mapped_column(Integer)
    information_accretion_set_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("information_accretion_set.id", ondelete="SET NULL")
    )
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    dropped: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    seconds: Mapped[float | None] = mapped_column(Float)
    job_id: Mapped[Any | None] = mapped_column(UUID(as_uuid=True), ForeignKey("job.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EvaluationBestRow(Base):
    """The best threshold of one metric (f, f_micro, f_w, f_micro_w, s) in one category × namespace."""

    __tablename__ = "evaluation_best_row"

    evaluation_result_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("evaluation_result.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(2), primary_key=True)
    namespace: Mapped[str] = mapped_column(String(3), primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    tau: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int | None] = mapped_column(BigInteger)
    tp: Mapped[float | None] = mapped_column(Float)
    fp: Mapped[float | None] = mapped_column(Float)
    fn: Mapped[float | None] = mapped_column(Float)
    pr: Mapped[float | None] = mapped_column(Float)
    rc: Mapped[float | None] = mapped_column(Float)
    cov: Mapped[float | None] = mapped_column(Float)
    f: Mapped[float | None] = mapped_column(Float)
    s: Mapped[float | None] = mapped_column(Float)
    f_micro: Mapped[float | None] = mapped_column(Float)
    pr_w: Mapped[float | None] = mapped_column(Float)
    rc_w: Mapped[float | None] = mapped_column(Float)
    f_w: Mapped[float | None] = mapped_column(Float)
    f_micro_w: Mapped[float | None] = mapped_column(Float)


class EvaluationCurvePoint(Base):
    """One threshold of the curve of one category × namespace (for PR curves)."""

    __tablename__ = "evaluation_curve_point"

    evaluation_result_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("evaluation_result.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(2), primary_key=True)
    namespace: Mapped[str] = mapped_column(String(3), primary_key=True)
    tau: Mapped[float] = mapped_column(Float, primary_key=True)
    n: Mapped[int | None] = mapped_column(BigInteger)
    pr: Mapped[float | None] = mapped_column(Float)
    rc: Mapped[float | None] = mapped_column(Float)
    cov: Mapped[float | None] = mapped_column(Float)
    f: Mapped[float | None] = mapped_column(Float)
    s: Mapped[float | None] = mapped_column(Float)
    f_micro: Mapped[float | None] = mapped_column(Float)
    pr_w: Mapped[float | None] = mapped_column(Float)
    rc_w: Mapped[float | None] = mapped_column(Float)
    f_w: Mapped[float | None] = mapped_column(Float)
    f_micro_w: Mapped[float | None] = mapped_column(Float)
