"""Evaluation: evaluation sets (NK/LK/PK ground truth and known terms), information accretion per snapshot,
scoring configs (immutable, presets seeded), evaluation results with their best rows and threshold curves.

Revision ID: 0013
Revises: 0016 (on this branch; originally 0008 — the integrator re-chains)
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0013"
down_revision = "0016"
branch_labels = None
depends_on = None

METRIC_COLUMNS = ("pr", "rc", "cov", "f", "s", "f_micro", "pr_w", "rc_w", "f_w", "f_micro_w")

# Scoring configs can never change: a result must always mean what it meant when it was computed.
IMMUTABLE_FUNCTION = """
CREATE FUNCTION workbench_reject_scoring_config_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'scoring config % is immutable: create a new one instead', OLD.name
        USING ERRCODE = 'restrict_violation';
END $$;
"""

# The presets that ship (names, formulas and weights are part of the schema's contract; see
# services/evaluation/scoring.py for the signals).
PRESETS = (
    (
        "similarity",
        "linear",
        {"embedding_similarity": 1.0},
        {},
        "The embedding similarity alone (the stored score for cosine predictions).",
    ),
    (
        "balanced",
        "linear",
        {"embedding_similarity": 0.5, "identity_sw": 0.2, "vote_fraction": 0.2, "taxonomic_proximity": 0.1},
        {},
        "Embedding similarity, local alignment identity, neighbour vote fraction and taxonomic proximity.",
    ),
    (
        "alignment",
        "linear",
        {"identity_nw": 0.5, "identity_sw": 0.5},
        {},
        "Global and local alignment identity with the reference protein.",
    ),
    (
        "evidence-weighted",
        "evidence_weighted",
        {"embedding_similarity": 0.6, "identity_sw": 0.2, "vote_fraction": 0.2},
        {},
        "The balanced signals times the weight of the transferred annotation's evidence code.",
    ),
)


def _created() -> list[sa.Column]:
    return [
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def _job() -> sa.Column:
    return sa.Column("job_id", pg.UUID(as_uuid=True), sa.ForeignKey("job.id", ondelete="SET NULL"))


def _metrics() -> list[sa.Column]:
    return [sa.Column(name, sa.Float()) for name in METRIC_COLUMNS]


def upgrade() -> None:
    op.create_table(
        "evaluation_set",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text()),
        sa.Column(
            "old_annotation_set_id",
            sa.Integer(),
            sa.ForeignKey("annotation_set.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "new_annotation_set_id",
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
        sa.Column("evidence_codes", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("stats", pg.JSONB(), nullable=False),
        _job(),
        *_created(),
        sa.CheckConstraint("old_annotation_set_id <> new_annotation_set_id", name="ck_evaluation_set_two_releases"),
    )
    op.create_index("ix_evaluation_set_old_annotation_set_id", "evaluation_set", ["old_annotation_set_id"])
    op.create_index("ix_evaluation_set_new_annotation_set_id", "evaluation_set", ["new_annotation_set_id"])

    op.create_table(
        "evaluation_ground_truth",
        sa.Column(
            "evaluation_set_id",
            sa.Integer(),
            sa.ForeignKey("evaluation_set.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("protein_accession", sa.String(40), primary_key=True),
        sa.Column("go_term_id", sa.Integer(), sa.ForeignKey("go_term.id", ondelete="RESTRICT"), primary_key=True),
        sa.Column("category", sa.String(2), nullable=False),
        sa.Column("namespace", sa.String(3), nullable=False),
        sa.CheckConstraint("category IN ('NK', 'LK', 'PK')", name="ck_evaluation_ground_truth_category"),
        sa.CheckConstraint("namespace IN ('BPO', 'MFO', 'CCO')", name="ck_evaluation_ground_truth_namespace"),
    )
    op.create_index("ix_evaluation_ground_truth_go_term_id", "evaluation_ground_truth", ["go_term_id"])

    op.create_table(
        "evaluation_known_term",
        sa.Column(
            "evaluation_set_id",
            sa.Integer(),
            sa.ForeignKey("evaluation_set.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("protein_accession", sa.String(40), primary_key=True),
        sa.Column("go_term_id", sa.Integer(), sa.ForeignKey("go_term.id", ondelete="RESTRICT"), primary_key=True),
        sa.Column("namespace", sa.String(3), nullable=False),
        sa.CheckConstraint("namespace IN ('BPO', 'MFO', 'CCO')", name="ck_evaluation_known_term_namespace"),
    )
    op.create_index("ix_evaluation_known_term_go_term_id", "evaluation_known_term", ["go_term_id"])

    op.create_table(
        "information_accretion_set",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column(
            "ontology_snapshot_id",
            sa.Integer(),
            sa.ForeignKey("ontology_snapshot.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("annotation_set_id", sa.Integer(), sa.ForeignKey("annotation_set.id", ondelete="SET NULL")),
        sa.Column("source_file", sa.Text()),
        sa.Column("term_count", sa.Integer(), nullable=False),
        sa.Column("stats", pg.JSONB(), nullable=False),
        *_created(),
        sa.UniqueConstraint(
            "ontology_snapshot_id", "name", name="uq_information_accretion_set_ontology_snapshot_id_name"
        ),
        sa.CheckConstraint("source IN ('file', 'annotation_set')", name="ck_information_accretion_set_source"),
    )
    op.create_index(
        "ix_information_accretion_set_ontology_snapshot_id", "information_accretion_set", ["ontology_snapshot_id"]
    )

    op.create_table(
        "information_accretion",
        sa.Column(
            "information_accretion_set_id",
            sa.Integer(),
            sa.ForeignKey("information_accretion_set.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("go_id", sa.String(40), primary_key=True),
        sa.Column("ia", sa.Float(), nullable=False),
        sa.CheckConstraint("ia >= 0", name="ck_information_accretion_ia"),
    )

    op.create_table(
        "scoring_config",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("formula", sa.String(30), nullable=False),
        sa.Column("weights", pg.JSONB(), nullable=False),
        sa.Column("evidence_weights", pg.JSONB(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("is_preset", sa.Boolean(), nullable=False),
        *_created(),
        sa.UniqueConstraint("name", name="uq_scoring_config_name"),
        sa.CheckConstraint("formula IN ('linear', 'evidence_weighted')", name="ck_scoring_config_formula"),
    )
    op.execute(IMMUTABLE_FUNCTION)
    op.execute(
        "CREATE TRIGGER scoring_config_immutable BEFORE UPDATE ON scoring_config "
        "FOR EACH ROW EXECUTE FUNCTION workbench_reject_scoring_config_update()"
    )
    presets = sa.table(
        "scoring_config",
        sa.column("name", sa.String),
        sa.column("formula", sa.String),
        sa.column("weights", pg.JSONB),
        sa.column("evidence_weights", pg.JSONB),
        sa.column("description", sa.Text),
        sa.column("is_preset", sa.Boolean),
        sa.column("created_by", sa.String),
    )
    op.bulk_insert(
        presets,
        [
            {
                "name": name,
                "formula": formula,
                "weights": weights,
                "evidence_weights": evidence,
                "description": description,
                "is_preset": True,
                "created_by": "migration 0013",
            }
            for name, formula, weights, evidence, description in PRESETS
        ],
    )

    op.create_table(
        "evaluation_result",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column(
            "evaluation_set_id",
            sa.Integer(),
            sa.ForeignKey("evaluation_set.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "prediction_set_id",
            sa.Integer(),
            sa.ForeignKey("prediction_set.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("scoring_config_id", sa.Integer(), sa.ForeignKey("scoring_config.id", ondelete="RESTRICT")),
        sa.Column("reranker_id", sa.Integer()),
        sa.Column(
            "information_accretion_set_id",
            sa.Integer(),
            sa.ForeignKey("information_accretion_set.id", ondelete="SET NULL"),
        ),
        sa.Column("options", pg.JSONB(), nullable=False),
        sa.Column("dropped", pg.JSONB(), nullable=False),
        sa.Column("seconds", sa.Float()),
        _job(),
        *_created(),
    )
    op.create_index("ix_evaluation_result_evaluation_set_id", "evaluation_result", ["evaluation_set_id"])
    op.create_index("ix_evaluation_result_prediction_set_id", "evaluation_result", ["prediction_set_id"])

    op.create_table(
        "evaluation_best_row",
        sa.Column(
            "evaluation_result_id",
            sa.Integer(),
            sa.ForeignKey("evaluation_result.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("category", sa.String(2), primary_key=True),
        sa.Column("namespace", sa.String(3), primary_key=True),
        sa.Column("metric", sa.String(20), primary_key=True),
        sa.Column("tau", sa.Float()),
        sa.Column("n", sa.BigInteger()),
        sa.Column("tp", sa.Float()),
        sa.Column("fp", sa.Float()),
        sa.Column("fn", sa.Float()),
        *_metrics(),
    )

    op.create_table(
        "evaluation_curve_point",
        sa.Column(
            "evaluation_result_id",
            sa.Integer(),
            sa.ForeignKey("evaluation_result.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("category", sa.String(2), primary_key=True),
        sa.Column("namespace", sa.String(3), primary_key=True),
        sa.Column("tau", sa.Float(), primary_key=True),
        sa.Column("n", sa.BigInteger()),
        *_metrics(),
    )


def downgrade() -> None:
    op.drop_table("evaluation_curve_point")
    op.drop_table("evaluation_best_row")
    op.drop_table("evaluation_result")
    op.execute("DROP TRIGGER scoring_config_immutable ON scoring_config")
    op.drop_table("scoring_config")
    op.execute("DROP FUNCTION workbench_reject_scoring_config_update()")
    op.drop_table("information_accretion")
    op.drop_table("information_accretion_set")
    op.drop_table("evaluation_known_term")
    op.drop_table("evaluation_ground_truth")
    op.drop_table("evaluation_set")
