"""Prediction records: PredictionSet (one run), GOPrediction (one transferred term), PredictionNeighbor.

Invariants (guarded by the schema in migration 0005):
1. A prediction set names everything it was computed from — embedding config, reference annotation set and
   its ontology snapshot, query set (when the queries came from one) — and the parameters (k, metric,
   threshold, evidence codes); the inputs cannot be deleted under it (ON DELETE RESTRICT), except a query
   set, whose loss leaves the predictions standing (SET NULL).
2. A term is predicted once per query in a set: ``uq_go_prediction_term``. It keeps the reference protein
   it came from (the closest neighbour carrying it), that neighbour's distance and a score in [0, 1]
   (``ck_go_prediction_score``).
3. Feature columns are NULL when their input was not available (no taxdump, alignment switched off).
   A baseline set (``params.method`` naive or homology, migration 0016) has no embedding config, k or
   metric; a Naive term has no reference protein or distance (``ck_prediction_set_method_inputs``).
4. ``prediction_neighbor`` keeps the ranked neighbours of each query (per aspect, ``*`` when the search was
   not split by aspect), so the neighbours behind every term can be shown: one row per rank
   (``uq_prediction_neighbor_rank``).
5. Predictions and neighbours go with their set (ON DELETE CASCADE).
6. ``prediction_set_columns`` holds a columnar copy of a set's predictions (``services.predictions.columns``,
   migration 0021): parts numbered from 0 (``ck_prediction_set_columns_part``), derived from ``go_prediction``
   and going with the set (CASCADE).
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.naming import conv

from services.db.base import Base

METRICS = ("cosine", "l2")


class PredictionSet(Base):
    """One prediction run: queries × the embedded proteins of a reference annotation set."""

    __tablename__ = "prediction_set"
    __table_args__ = (
        CheckConstraint("metric IN ('cosine', 'l2')", name="metric"),
        CheckConstraint("k > 0", name="k"),
        # Migration 0016: only a baseline set (Naive, homology) goes without embedding config, k and metric.
        CheckConstraint(
            "params->>'method' IN ('naive', 'homology') "
            "OR (embedding_config_id IS NOT NULL AND k IS NOT NULL AND metric IS NOT NULL)",
            name="method_inputs",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    embedding_config_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("embedding_config.id", ondelete="RESTRICT"), index=True
    )
    annotation_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("annotation_set.id", ondelete="RESTRICT"), index=True
    )
    ontology_snapshot_id: Mapped[int] = mapped_column(Integer, ForeignKey("ontology_snapshot.id", ondelete="RESTRICT"))
    query_set_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("query_set.id", ondelete="SET NULL"), index=True
    )
    k: Mapped[int | None] = mapped_column(Integer)
    metric: Mapped[str | None] = mapped_column(String(10))
    distance_threshold: Mapped[float | None] = mapped_column(Float)
    per_aspect: Mapped[bool] = mapped_column(Boolean)
    exclude_identical: Mapped[bool] = mapped_column(Boolean)
    evidence_codes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    query_count: Mapped[int] = mapped_column(Integer, default=0)
    reference_count: Mapped[int] = mapped_column(Integer, default=0)
    prediction_count: Mapped[int] = mapped_column(BigInteger, default=0)
    job_id: Mapped[Any | None] = mapped_column(UUID(as_uuid=True), ForeignKey("job.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class GOPrediction(Base):
    """One GO term transferred to one query, with its provenance and the features a re-ranker reads."""

    __tablename__ = "go_prediction"
    __table_args__ = (
        UniqueConstraint("prediction_set_id", "protein_accession", "go_term_id", name=conv("uq_go_prediction_term")),
        CheckConstraint("score >= 0 AND score <= 1", name="score"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    prediction_set_id: Mapped[int] = mapped_column(Integer, ForeignKey("prediction_set.id", ondelete="CASCADE"))
    protein_accession: Mapped[str] = mapped_column(Text)
    query_sequence_id: Mapped[int] = mapped_column(Integer, ForeignKey("sequence.id", ondelete="RESTRICT"))
    go_term_id: Mapped[int] = mapped_column(Integer, ForeignKey("go_term.id", ondelete="RESTRICT"), index=True)
    aspect: Mapped[str] = mapped_column(String(1))
    ref_protein_accession: Mapped[str | None] = mapped_column(String(40))  # NULL for a Naive baseline term
    distance: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    qualifier: Mapped[str | None] = mapped_column(Text)
    evidence_code: Mapped[str | None] = mapped_column(String(5))
    # Alignment with the reference protein (parasail, BLOSUM62): global (NW) and local (SW).
    identity_nw: Mapped[float | None] = mapped_column(Float)
    similarity_nw: Mapped[float | None] = mapped_column(Float)
    alignment_score_nw: Mapped[float | None] = mapped_column(Float)
    gaps_pct_nw: Mapped[float | None] = mapped_column(Float)
    alignment_length_nw: Mapped[int | None] = mapped_column(Integer)
    identity_sw: Mapped[float | None] = mapped_column(Float)
    similarity_sw: Mapped[float | None] = mapped_column(Float)
    alignment_score_sw: Mapped[float | None] = mapped_column(Float)
    gaps_pct_sw: Mapped[float | None] = mapped_column(Float)
    alignment_length_sw: Mapped[int | None] = mapped_column(Integer)
    length_query: Mapped[int | None] = mapped_column(Integer)
    length_ref: Mapped[int | None] = mapped_column(Integer)
    # Taxonomy (NCBI taxdump): lowest common ancestor of the query's and the reference's taxa.
    query_taxonomy_id: Mapped[int | None] = mapped_column(Integer)
    ref_taxonomy_id: Mapped[int | None] = mapped_column(Integer)
    taxonomic_lca: Mapped[int | None] = mapped_column(Integer)
    taxonomic_distance: Mapped[int | None] = mapped_column(Integer)
    taxonomic_common_ancestors: Mapped[int | None] = mapped_column(Integer)
    taxonomic_relation: Mapped[str | None] = mapped_column(String(20))
    # Re-ranker aggregates over the query's neighbours (services.predictions.transfer.term_features).
    vote_count: Mapped[int | None] = mapped_column(Integer)
    k_position: Mapped[int | None] = mapped_column(Integer)
    go_term_frequency: Mapped[float | None] = mapped_column(Float)
    ref_annotation_density: Mapped[int | None] = mapped_column(Integer)
    neighbor_distance_std: Mapped[float | None] = mapped_column(Float)
    neighbor_vote_fraction: Mapped[float | None] = mapped_column(Float)
    neighbor_min_distance: Mapped[float | None] = mapped_column(Float)
    neighbor_mean_distance: Mapped[float | None] = mapped_column(Float)


class PredictionNeighbor(Base):
    """The r-th nearest reference protein of a query (per aspect, or ``*`` for one search over all)."""

    __tablename__ = "prediction_neighbor"
    __table_args__ = (
        UniqueConstraint(
            "prediction_set_id",
            "protein_accession",
            "aspect",
            "rank",
            name=conv("uq_prediction_neighbor_rank"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    prediction_set_id: Mapped[int] = mapped_column(Integer, ForeignKey("prediction_set.id", ondelete="CASCADE"))
    protein_accession: Mapped[str] = mapped_column(Text)
    aspect: Mapped[str] = mapped_column(String(1))
    rank: Mapped[int] = mapped_column(Integer)
    ref_protein_accession: Mapped[str] = mapped_column(String(40))
    distance: Mapped[float] = mapped_column(Float)


class PredictionSetColumns(Base):
    """One part of the columnar copy of a set's stored predictions: a Zstandard-compressed Parquet file of at
    most ``columns.PART_ROWS`` rows, stored uncompressed by the server (``STORAGE EXTERNAL``, migration 0021).
    The parts, in order, hold exactly the set's ``go_prediction`` rows (see ``services.predictions.columns``)."""

    __tablename__ = "prediction_set_columns"
    __table_args__ = (CheckConstraint("part >= 0 AND rows > 0", name="part"),)

    prediction_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("prediction_set.id", ondelete="CASCADE"), primary_key=True
    )
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
