"""A columnar copy of each prediction set's stored rows (issue 13 speed: ``rerank`` of 10⁶ predictions ≤ 5 s).

Reading a set's 10⁶ predictions from ``go_prediction`` makes PostgreSQL produce about 30 million datums (≈ 5 s
of server CPU on two cores) on every ``rerank`` and dataset export. ``prediction_set_columns`` keeps the same
rows as a few compressed Parquet blobs (``services.predictions.columns``): one row per part of at most a fixed
number of predictions, the blob stored uncompressed by the server (``STORAGE EXTERNAL``: it is already
Zstandard-compressed, pglz would only spend time). Nothing is carried over: a set without a copy gets one from
its first read (the copy is derived from ``go_prediction``, never a second source of truth).

Invariants (see services/predictions/models.py): one row per (prediction set, part), parts numbered from 0, each
with at least one row; the copy goes with its set (CASCADE).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prediction_set_columns",
        sa.Column(
            "prediction_set_id",
            sa.Integer(),
            sa.ForeignKey("prediction_set.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("part", sa.Integer(), primary_key=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("part >= 0 AND rows > 0", name="ck_prediction_set_columns_part"),
    )
    op.execute("ALTER TABLE prediction_set_columns ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("prediction_set_columns")
