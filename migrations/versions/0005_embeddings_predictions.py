"""Embeddings and GO-term predictions: embedding configs, sequence embeddings (pgvector), prediction sets,
GO predictions with their features, and prediction neighbours.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql as pg

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _floats(*names: str) -> list[sa.Column]:
    return [sa.Column(n, sa.Float()) for n in names]


def _ints(*names: str) -> list[sa.Column]:
    return [sa.Column(n, sa.Integer()) for n in names]


def upgrade() -> None:
    op.create_table(
        "embedding_config",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("model_name", sa.Text(), nullable=False),
        sa.Column("model_backend", sa.String(20), nullable=False),
        sa.Column("layer_indices", pg.ARRAY(sa.Integer()), nullable=False),
        sa.Column("layer_agg", sa.String(10), nullable=False),
        sa.Column("pooling", sa.String(10), nullable=False),
        sa.Column("normalize", sa.Boolean(), nullable=False),
        sa.Column("normalize_residues", sa.Boolean(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=False),
        sa.Column("use_chunking", sa.Boolean(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_overlap", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("created_by", sa.String(200), nullable=False),
        _created_at(),
        sa.UniqueConstraint("name", name="uq_embedding_config_name"),
        sa.CheckConstraint(
            "model_backend IN ('esm', 'esm3c', 't5', 'ankh', 'auto', 'composition')",
            name="ck_embedding_config_model_backend",
        ),
        sa.CheckConstraint("layer_agg IN ('mean', 'concat', 'last')", name="ck_embedding_config_layer_agg"),
        sa.CheckConstraint("pooling IN ('mean', 'max', 'cls', 'mean_max')", name="ck_embedding_config_pooling"),
        sa.CheckConstraint(
            "chunk_size > 0 AND chunk_overlap >= 0 AND chunk_overlap < chunk_size AND max_length > 0",
            name="ck_embedding_config_chunking",
        ),
    )

    op.create_table(
        "sequence_embedding",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("sequence_id", sa.Integer(), sa.ForeignKey("sequence.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "embedding_config_id",
            sa.Integer(),
            sa.ForeignKey("embedding_config.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("chunk_index_s", sa.Integer(), nullable=False),
        sa.Column("chunk_index_e", sa.Integer(), nullable=False),
        sa.Column("embedding", Vector(), nullable=False),
        sa.Column("embedding_dim", sa.Integer(), nullable=False),
        _created_at(),
        sa.UniqueConstraint(
            "sequence_id",
            "embedding_config_id",
            "chunk_index_s",
            name="uq_sequence_embedding_chunk",
        ),
        sa.CheckConstraint(
            "chunk_index_s >= 0 AND chunk_index_e > chunk_index_s", name="ck_sequence_embedding_chunk_span"
        ),
        sa.CheckConstraint("vector_dims(embedding) = embedding_dim", name="ck_sequence_embedding_dim"),
    )
    op.create_index("ix_sequence_embedding_embedding_config_id", "sequence_embedding", ["embedding_config_id"])

    op.create_table(
        "prediction_set",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column(
            "embedding_config_id",
            sa.Integer(),
            sa.ForeignKey("embedding_config.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "annotation_set_id",
            sa.Integer(),
            sa.ForeignKey("annotation_set.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "ontology_snapshot_id",
            sa.Integer(),
            sa.ForeignKey("ontology_snapshot.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("query_set_id", sa.Integer(), sa.ForeignKey("query_set.id", ondelete="SET NULL")),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(10), nullable=False),
        sa.Column("distance_threshold", sa.Float()),
        sa.Column("per_aspect", sa.Boolean(), nullable=False),
        sa.Column("exclude_identical", sa.Boolean(), nullable=False),
        sa.Column("evidence_codes", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("params", pg.JSONB(), nullable=False),
        sa.Column("query_count", sa.Integer(), nullable=False),
        sa.Column("reference_count", sa.Integer(), nullable=False),
        sa.Column("prediction_count", sa.BigInteger(), nullable=False),
        sa.Column("job_id", pg.UUID(as_uuid=True), sa.ForeignKey("job.id", ondelete="SET NULL")),
        sa.Column("created_by", sa.String(200), nullable=False),
        _created_at(),
        sa.CheckConstraint("metric IN ('cosine', 'l2')", name="ck_prediction_set_metric"),
        sa.CheckConstraint("k > 0", name="ck_prediction_set_k"),
    )
    op.create_index("ix_prediction_set_embedding_config_id", "prediction_set", ["embedding_config_id"])
    op.create_index("ix_prediction_set_annotation_set_id", "prediction_set", ["annotation_set_id"])
    op.create_index("ix_prediction_set_query_set_id", "prediction_set", ["query_set_id"])

    op.create_table(
        "go_prediction",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "prediction_set_id",
            sa.Integer(),
            sa.ForeignKey("prediction_set.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("protein_accession", sa.Text(), nullable=False),
        sa.Column(
            "query_sequence_id",
            sa.Integer(),
            sa.ForeignKey("sequence.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("go_term_id", sa.Integer(), sa.ForeignKey("go_term.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("aspect", sa.String(1), nullable=False),
        sa.Column("ref_protein_accession", sa.String(40), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("qualifier", sa.Text()),
        sa.Column("evidence_code", sa.String(5)),
        *_floats("identity_nw", "similarity_nw", "alignment_score_nw", "gaps_pct_nw"),
        *_ints("alignment_length_nw"),
        *_floats("identity_sw", "similarity_sw", "alignment_score_sw", "gaps_pct_sw"),
        *_ints("alignment_length_sw", "length_query", "length_ref"),
        *_ints("query_taxonomy_id", "ref_taxonomy_id", "taxonomic_lca", "taxonomic_distance"),
        *_ints("taxonomic_common_ancestors"),
        sa.Column("taxonomic_relation", sa.String(20)),
        *_ints("vote_count", "k_position"),
        *_floats("go_term_frequency"),
        *_ints("ref_annotation_density"),
        *_floats("neighbor_distance_std", "neighbor_vote_fraction", "neighbor_min_distance"),
        *_floats("neighbor_mean_distance"),
        sa.UniqueConstraint(
            "prediction_set_id",
            "protein_accession",
            "go_term_id",
            name="uq_go_prediction_term",
        ),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="ck_go_prediction_score"),
    )
    op.create_index("ix_go_prediction_go_term_id", "go_prediction", ["go_term_id"])

    op.create_table(
        "prediction_neighbor",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "prediction_set_id",
            sa.Integer(),
            sa.ForeignKey("prediction_set.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("protein_accession", sa.Text(), nullable=False),
        sa.Column("aspect", sa.String(1), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("ref_protein_accession", sa.String(40), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.UniqueConstraint(
            "prediction_set_id",
            "protein_accession",
            "aspect",
            "rank",
            name="uq_prediction_neighbor_rank",
        ),
    )


def downgrade() -> None:
    for table in (
        "prediction_neighbor",
        "go_prediction",
        "prediction_set",
        "sequence_embedding",
        "embedding_config",
    ):
        op.drop_table(table)
