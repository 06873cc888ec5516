"""Re-ranking records: EmbeddingPCA (per embedding config), Dataset (a frozen training export), RerankerModel
(a LightGBM booster with its card) and RerankedScore (a re-ranker's scores beside a set's stored KNN scores).

Invariants (guarded by the schema in migrations 0018 and 0019):
1. One PCA per embedding config (``uq_embedding_pca_embedding_config_id``), fitted once and kept in the
   database (components and mean as float arrays), so every machine projects the same way.
2. Dataset and re-ranker names are unique. A dataset names its embedding config and ontology snapshot
   (RESTRICT), its files by URI with the sha256 of its manifest (``manifest_sha``) and the feature schema
   fingerprint (``schema_sha``); the manifest itself lists each file's sha256, so any change on disk is seen.
3. A re-ranker keeps its ``feature_schema_sha`` and feature names; it may come from a dataset (trained here,
   SET NULL when the dataset goes) or be imported (``dataset_id`` NULL, ``source`` = import).
4. A re-ranker's scores of a prediction set are one row per (prediction set, re-ranker) holding the prediction
   ids and their scores as two arrays of equal length (``ck_reranked_score_lengths``), no NULL element and
   every score in [0, 1] (``ck_reranked_score_scores``); the row goes with its set or re-ranker (CASCADE).
   Each id is a prediction of that set, once: guaranteed by the only writer (``rerankers.rerank`` takes the ids
   from the set it scores, tested) and kept because predictions are deleted only with their set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
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

from services.db.base import Base


class EmbeddingPCA(Base):
    """The PCA of one embedding config's vectors: ``components`` is row-major (n_components × dimension)."""

    __tablename__ = "embedding_pca"
    __table_args__ = (UniqueConstraint("embedding_config_id"), CheckConstraint("n_components > 0", name="n_components"))

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    embedding_config_id: Mapped[int] = mapped_column(Integer, ForeignKey("embedding_config.id", ondelete="CASCADE"))
    n_components: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[int] = mapped_column(Integer)
    mean: Mapped[list[float]] = mapped_column(ARRAY(Float))
    components: Mapped[list[float]] = mapped_column(ARRAY(Float))
    explained_variance_ratio: Mapped[list[float]] = mapped_column(ARRAY(Float))
    sample_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Dataset(Base):
    """A frozen, content-hashed training export (train.parquet, eval.parquet, manifest.json)."""

    __tablename__ = "dataset"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("train_rows >= 0 AND eval_rows >= 0", name="rows"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    embedding_config_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("embedding_config.id", ondelete="RESTRICT"), index=True
    )
    ontology_snapshot_id: Mapped[int] = mapped_column(Integer, ForeignKey("ontology_snapshot.id", ondelete="RESTRICT"))
    k: Mapped[int] = mapped_column(Integer)
    families: Mapped[list[str]] = mapped_column(ARRAY(Text))
    schema_sha: Mapped[str] = mapped_column(String(64))
    manifest_sha: Mapped[str] = mapped_column(String(64))
    manifest_uri: Mapped[str] = mapped_column(Text)
    train_uri: Mapped[str] = mapped_column(Text)
    eval_uri: Mapped[str] = mapped_column(Text)
    train_rows: Mapped[int] = mapped_column(BigInteger)
    eval_rows: Mapped[int] = mapped_column(BigInteger)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    job_id: Mapped[Any | None] = mapped_column(UUID(as_uuid=True), ForeignKey("job.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RerankerModel(Base):
    """A LightGBM re-ranker: its booster text lives in the artifact folder, its card here."""

    __tablename__ = "reranker_model"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("objective IN ('binary', 'lambdarank')", name="objective"),
        CheckConstraint("source IN ('trained', 'import')", name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))
    dataset_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("dataset.id", ondelete="SET NULL"), index=True)
    objective: Mapped[str] = mapped_column(String(20))
    families: Mapped[list[str]] = mapped_column(ARRAY(Text))
    feature_schema_sha: Mapped[str] = mapped_column(String(64))
    feature_names: Mapped[list[str]] = mapped_column(ARRAY(Text))
    artifact_uri: Mapped[str] = mapped_column(Text)
    card: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    job_id: Mapped[Any | None] = mapped_column(UUID(as_uuid=True), ForeignKey("job.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RerankedScore(Base):
    """A re-ranker's scores for a prediction set: ``scores[i]`` belongs to the stored prediction
    ``go_prediction_ids[i]`` (the KNN score stays in ``go_prediction.score``). One row, two arrays, so that 10⁶
    scores are written with one binary COPY instead of 10⁶ foreign-key checks (migration 0019)."""

    __tablename__ = "reranked_score"
    __table_args__ = (
        CheckConstraint("cardinality(go_prediction_ids) = cardinality(scores)", name="lengths"),
        CheckConstraint(
            "array_position(go_prediction_ids, NULL) IS NULL AND array_position(scores, NULL) IS NULL"
            " AND 0 <= ALL(scores) AND 1 >= ALL(scores)",
            name="scores",
        ),
    )

    prediction_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("prediction_set.id", ondelete="CASCADE"), primary_key=True
    )
    reranker_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reranker_model.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    go_prediction_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    scores: Mapped[list[float]] = mapped_column(ARRAY(Float))
