"""Baseline prediction sets (issue 11): the Naive and homology methods stored as ordinary prediction sets.

A baseline uses no embedding, no k nearest neighbours by vector and, for Naive, no reference protein behind a
term. Their sets record the method in ``params->>'method'`` (``naive`` or ``homology``; an embedding run has
no method there), so:

1. ``prediction_set.embedding_config_id``, ``k`` and ``metric`` may be NULL, but only for a baseline set:
   ``ck_prediction_set_method_inputs`` keeps every embedding run naming its config, k and metric.
2. ``go_prediction.ref_protein_accession`` and ``distance`` may be NULL (a Naive term comes from frequencies,
   not from one reference protein).

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

METHOD_INPUTS = (
    "params->>'method' IN ('naive', 'homology') "
    "OR (embedding_config_id IS NOT NULL AND k IS NOT NULL AND metric IS NOT NULL)"
)


def upgrade() -> None:
    for column in ("embedding_config_id", "k", "metric"):
        op.alter_column("prediction_set", column, nullable=True)
    op.create_check_constraint("ck_prediction_set_method_inputs", "prediction_set", METHOD_INPUTS)
    for column in ("ref_protein_accession", "distance"):
        op.alter_column("go_prediction", column, nullable=True)


def downgrade() -> None:
    # Baseline sets cannot exist under the older schema: they go first (their predictions cascade).
    op.execute("DELETE FROM prediction_set WHERE params->>'method' IN ('naive', 'homology')")
    for column in ("ref_protein_accession", "distance"):
        op.alter_column("go_prediction", column, nullable=False)
    op.drop_constraint("ck_prediction_set_method_inputs", "prediction_set", type_="check")
    for column in ("embedding_config_id", "k", "metric"):
        op.alter_column("prediction_set", column, nullable=False)
