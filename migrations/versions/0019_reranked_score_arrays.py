"""Re-ranked scores as one row per (prediction set, re-ranker) holding two parallel arrays (issue 13 speed).

``reranked_prediction`` kept one row per scored prediction with three foreign keys and three indexes: writing
10⁶ scores spent about 30 s in per-row foreign-key checks and index inserts. ``reranked_score`` keeps the
prediction ids and their scores as two arrays in one row (stored uncompressed: ``STORAGE EXTERNAL``), written
with one binary COPY; readers ``unnest`` them. Existing scores are carried over (and back on downgrade).

Invariants (see services/reranking/models.py): one row per (prediction set, re-ranker), CASCADE with either;
the two arrays have the same length, no NULL element, every score in [0, 1]. That every id is a prediction of
the row's set, once, is guaranteed by the only writer (``services.reranking.rerankers.rerank``), which takes the
ids from the set it scores; predictions are never deleted apart from their set.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

LENGTHS = "cardinality(go_prediction_ids) = cardinality(scores)"
SCORES = (
    "array_position(go_prediction_ids, NULL) IS NULL AND array_position(scores, NULL) IS NULL"
    " AND 0 <= ALL(scores) AND 1 >= ALL(scores)"
)


def upgrade() -> None:
    op.create_table(
        "reranked_score",
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
        sa.Column("go_prediction_ids", sa.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("scores", sa.ARRAY(sa.Float()), nullable=False),
        sa.CheckConstraint(LENGTHS, name="ck_reranked_score_lengths"),
        sa.CheckConstraint(SCORES, name="ck_reranked_score_scores"),
    )
    op.create_index("ix_reranked_score_reranker_id", "reranked_score", ["reranker_id"])
    op.execute("ALTER TABLE reranked_score ALTER COLUMN go_prediction_ids SET STORAGE EXTERNAL")
    op.execute("ALTER TABLE reranked_score ALTER COLUMN scores SET STORAGE EXTERNAL")
    op.execute(
        "INSERT INTO reranked_score (prediction_set_id, reranker_id, go_prediction_ids, scores)"
        " SELECT prediction_set_id, reranker_id, array_agg(go_prediction_id ORDER BY go_prediction_id),"
        " array_agg(score ORDER BY go_prediction_id) FROM reranked_prediction GROUP BY 1, 2"
    )
    op.drop_table("reranked_prediction")


def downgrade() -> None:
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
    op.execute(
        "INSERT INTO reranked_prediction (prediction_set_id, reranker_id, go_prediction_id, score)"
        " SELECT r.prediction_set_id, r.reranker_id, u.id, u.score FROM reranked_score r,"
        " unnest(r.go_prediction_ids, r.scores) AS u(id, score)"
    )
    op.drop_table("reranked_score")
