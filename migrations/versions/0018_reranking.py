"""Re-rankers and datasets (issue 13): embedding PCA, datasets, re-ranker models, re-ranked scores.

See services/reranking/models.py for the invariants. ``evaluation_result.reranker_id`` (migration 0013) is
filled by ``services.reranking.evaluation`` when a result scores re-ranked predictions.

Revision ID: 0018
Revises: 0015 (0008 in the plan; chained after this branch's head so it has one head)
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def _created() -> list[sa.Column]:
    return [
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def _job() -> sa.Column:
    return sa.Column("job_id", pg.UUID(as_uuid=True), sa.ForeignKey("job.id", ondelete="SET NULL"))


def upgrade() -> None:
    op.create_table(
        "embedding_pca",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column(
            "embedding_config_id",
            sa.Integer(),
            sa.ForeignKey("embedding_config.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("n_components", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("mean", pg.ARRAY(sa.Float()), nullable=False),
        sa.Column("components", pg.ARRAY(sa.Float()), nullable=False),
        sa.Column("explained_variance_ratio", pg.ARRAY(sa.Float()), nullable=False),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("embedding_config_id", name="uq_embedding_pca_embedding_config_id"),
        sa.CheckConstraint("n_components > 0", name="ck_embedding_pca_n_components"),
    )
    op.create_table(
        "dataset",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "embedding_config_id",
            sa.Integer(),
            sa.ForeignKey("embedding_config.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "ontology_snapshot_id",
            sa.Integer(),
            sa.ForeignKey("ontology_snapshot.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("families", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("schema_sha", sa.String(64), nullable=False),
        sa.Column("manifest_sha", sa.String(64), nullable=False),
        sa.Column("manifest_uri", sa.Text(), nullable=False),
        sa.Column("train_uri", sa.Text(), nullable=False),
        sa.Column("eval_uri", sa.Text(), nullable=False),
        sa.Column("train_rows", sa.BigInteger(), nullable=False),
        sa.Column("eval_rows", sa.BigInteger(), nullable=False),
        sa.Column("spec", pg.JSONB(), nullable=False),
        sa.Column("stats", pg.JSONB(), nullable=False),
        _job(),
        *_created(),
        sa.UniqueConstraint("name", name="uq_dataset_name"),
        sa.CheckConstraint("train_rows >= 0 AND eval_rows >= 0", name="ck_dataset_rows"),
    )
    op.create_index("ix_dataset_embedding_config_id", "dataset", ["embedding_config_id"])
    op.create_table(
        "reranker_model",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("dataset_id", sa.Integer(), sa.ForeignKey("dataset.id", ondelete="SET NULL")),
        sa.Column("objective", sa.String(20), nullable=False),
        sa.Column("families", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("feature_schema_sha", sa.String(64), nullable=False),
        sa.Column("feature_names", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("artifact_uri", sa.Text(), nullable=False),
        sa.Column("card", pg.JSONB(), nullable=False),
        _job(),
        *_created(),
        sa.UniqueConstraint("name", name="uq_reranker_model_name"),
        sa.CheckConstraint("objective IN ('binary', 'lambdarank')", name="ck_reranker_model_objective"),
        sa.CheckConstraint("source IN ('trained', 'import')", name="ck_reranker_model_source"),
    )
    op.create_index("ix_reranker_model_dataset_id", "reranker_model", ["dataset_id"])
    op.create_table(
        "reranked_prediction",
        sa.Column(
            "prediction_set_id",
            sa.Integer(),
            sa.ForeignKey("prediction_set.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "reranker_id",
            sa.Integer(),
            sa.ForeignKey("reranker_model.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "go_prediction_id",
            sa.BigInteger(),
            sa.ForeignKey("go_prediction.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("score", sa.Float(), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="ck_reranked_prediction_score"),
    )
    op.create_index("ix_reranked_prediction_reranker_id", "reranked_prediction", ["reranker_id"])
    op.create_index("ix_reranked_prediction_go_prediction_id", "reranked_prediction", ["go_prediction_id"])


def downgrade() -> None:
    op.drop_table("reranked_prediction")
    op.drop_table("reranker_model")
    op.drop_table("dataset")
    op.drop_table("embedding_pca")
