"""Embedding records: EmbeddingConfig (a reproducible recipe) and SequenceEmbedding (one vector in pgvector).

Invariants (guarded by the schema in migration 0005):
1. A config is found by its unique ``name`` (``uq_embedding_config_name``); its backend, layer aggregation and
   pooling are one of the known values (``ck_embedding_config_model_backend``, ``…_layer_agg``,
   ``…_pooling``) and its chunk overlap is smaller than its chunk size (``ck_embedding_config_chunking``),
   so a stored recipe can always be re-run.
2. One vector per (sequence, config, chunk start): ``uq_sequence_embedding_chunk`` — a re-run skips what
   exists instead of duplicating it.
3. ``chunk_index_s``/``chunk_index_e`` are amino-acid positions, half-open ``[s, e)`` on every backend
   (``ck_sequence_embedding_chunk_span``); an unchunked vector spans ``[0, length)`` of what the model saw.
4. ``embedding`` is a pgvector ``vector`` without a fixed dimension (configs differ); ``embedding_dim``
   records it and ``ck_sequence_embedding_dim`` keeps the two equal.
5. A config cannot be deleted while vectors or prediction sets use it (ON DELETE RESTRICT); vectors go
   with their sequence (ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.naming import conv

from services.db.base import Base

BACKENDS = ("esm", "esm3c", "t5", "ankh", "auto", "composition")
LAYER_AGGREGATIONS = ("mean", "concat", "last")
POOLINGS = ("mean", "max", "cls", "mean_max")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class EmbeddingConfig(Base):
    """How vectors are computed: model, backend, layers, aggregation, pooling, normalisation, chunking."""

    __tablename__ = "embedding_config"
    __table_args__ = (
        CheckConstraint(_in("model_backend", BACKENDS), name="model_backend"),
        CheckConstraint(_in("layer_agg", LAYER_AGGREGATIONS), name="layer_agg"),
        CheckConstraint(_in("pooling", POOLINGS), name="pooling"),
        CheckConstraint(
            "chunk_size > 0 AND chunk_overlap >= 0 AND chunk_overlap < chunk_size AND max_length > 0",
            name="chunking",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    model_name: Mapped[str] = mapped_column(Text)
    model_backend: Mapped[str] = mapped_column(String(20))
    layer_indices: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    layer_agg: Mapped[str] = mapped_column(String(10))
    pooling: Mapped[str] = mapped_column(String(10))
    normalize: Mapped[bool] = mapped_column(Boolean)
    normalize_residues: Mapped[bool] = mapped_column(Boolean)
    max_length: Mapped[int] = mapped_column(Integer)
    use_chunking: Mapped[bool] = mapped_column(Boolean)
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunk_overlap: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SequenceEmbedding(Base):
    """One pooled vector of one sequence (or one chunk of it) under one config."""

    __tablename__ = "sequence_embedding"
    __table_args__ = (
        UniqueConstraint(
            "sequence_id", "embedding_config_id", "chunk_index_s", name=conv("uq_sequence_embedding_chunk")
        ),
        CheckConstraint("chunk_index_s >= 0 AND chunk_index_e > chunk_index_s", name="chunk_span"),
        CheckConstraint("vector_dims(embedding) = embedding_dim", name="dim"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sequence_id: Mapped[int] = mapped_column(Integer, ForeignKey("sequence.id", ondelete="CASCADE"))
    embedding_config_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("embedding_config.id", ondelete="RESTRICT"), index=True
    )
    chunk_index_s: Mapped[int] = mapped_column(Integer)
    chunk_index_e: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[Any] = mapped_column(Vector())
    embedding_dim: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
