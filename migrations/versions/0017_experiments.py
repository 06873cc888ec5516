"""Experiments: experiment runs (status machine guarded by a trigger, axis tuple short id unique when set), the
links to what a run produced (jobs, prediction sets, evaluation results, datasets, re-rankers), comments; jobs
submitted "in" a run carry it to what they create (triggers on ``job``).

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0017"
down_revision = "0018"
branch_labels = None
depends_on = None

AXIS_COLUMNS = (
    ("plm", sa.Text()),
    ("k", sa.Integer()),
    ("reranker_spec_id", sa.Text()),
    ("feature_schema_sha", sa.String(64)),
    ("eval_set_name", sa.Text()),
    ("eval_set_manifest_sha", sa.String(64)),
    ("propagation", sa.Text()),
    ("ensemble_spec", sa.Text()),
)

# planned -> running -> done | abandoned (a planned run may be abandoned too); done and abandoned are final.
# The trigger also stamps started_at / finished_at so no caller can forget or fake them.
STATUS_FUNCTION = """
CREATE FUNCTION workbench_experiment_run_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'planned' THEN
            RAISE EXCEPTION 'experiment run % must start as planned, not %', NEW.name, NEW.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'experiment_run_status_transition';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT ((OLD.status = 'planned' AND NEW.status IN ('running', 'abandoned'))
                OR (OLD.status = 'running' AND NEW.status IN ('done', 'abandoned'))) THEN
            RAISE EXCEPTION 'experiment run % cannot go from % to %', OLD.name, OLD.status, NEW.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'experiment_run_status_transition';
        END IF;
        IF NEW.status = 'running' THEN
            NEW.started_at := now();
        ELSE
            NEW.finished_at := now();
        END IF;
    END IF;
    RETURN NEW;
END $$;
"""

# A job whose payload names an experiment run ("experiment": NAME) is linked to it when queued, and what its
# findings name (prediction_set_id, evaluation_result_id) is linked when it succeeds. Ids that no longer exist
# are skipped, never failing the job's own bookkeeping.
JOB_LINK_FUNCTION = """
CREATE FUNCTION workbench_experiment_job_links() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    run_id integer;
    ref text;
BEGIN
    IF NOT (NEW.payload ? 'experiment') THEN
        RETURN NEW;
    END IF;
    SELECT id INTO run_id FROM experiment_run WHERE name = NEW.payload->>'experiment';
    IF run_id IS NULL THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO experiment_link (experiment_run_id, kind, job_id, created_by)
        VALUES (run_id, 'job', NEW.id, NEW.created_by) ON CONFLICT DO NOTHING;
    ELSIF NEW.status = 'succeeded' AND OLD.status IS DISTINCT FROM 'succeeded' AND NEW.findings IS NOT NULL THEN
        ref := NEW.findings->>'prediction_set_id';
        IF ref ~ '^[0-9]+$' AND EXISTS (SELECT 1 FROM prediction_set WHERE id = ref::integer) THEN
            INSERT INTO experiment_link (experiment_run_id, kind, prediction_set_id, created_by)
            VALUES (run_id, 'prediction_set', ref::integer, NEW.created_by) ON CONFLICT DO NOTHING;
        END IF;
        ref := NEW.findings->>'evaluation_result_id';
        IF ref ~ '^[0-9]+$' AND EXISTS (SELECT 1 FROM evaluation_result WHERE id = ref::integer) THEN
            INSERT INTO experiment_link (experiment_run_id, kind, evaluation_result_id, created_by)
            VALUES (run_id, 'evaluation_result', ref::integer, NEW.created_by) ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN NEW;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "experiment_run",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("hypothesis", sa.Text()),
        sa.Column("findings", sa.Text()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("config", pg.JSONB(), nullable=False),
        sa.Column("provenance", pg.JSONB(), nullable=False),
        sa.Column("tags", pg.ARRAY(sa.Text()), nullable=False),
        *(sa.Column(name, type_) for name, type_ in AXIS_COLUMNS),
        sa.Column("axis_tuple_shortid", sa.String(12)),
        sa.Column("rerun_of_id", sa.Integer(), sa.ForeignKey("experiment_run.id", ondelete="SET NULL")),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("name", name="uq_experiment_run_name"),
        sa.CheckConstraint("status IN ('planned', 'running', 'done', 'abandoned')", name="ck_experiment_run_status"),
        sa.CheckConstraint("axis_tuple_shortid ~ '^[0-9a-f]{12}$'", name="ck_experiment_run_shortid"),
    )
    # One run per axis tuple (re-runs keep the tuple's columns but no short id; see services/experiments/runs.py).
    op.create_index(
        "uq_experiment_run_axis_tuple_shortid",
        "experiment_run",
        ["axis_tuple_shortid"],
        unique=True,
        postgresql_where=sa.text("axis_tuple_shortid IS NOT NULL"),
    )
    op.execute(STATUS_FUNCTION)
    op.execute(
        "CREATE TRIGGER experiment_run_status BEFORE INSERT OR UPDATE ON experiment_run "
        "FOR EACH ROW EXECUTE FUNCTION workbench_experiment_run_status()"
    )

    op.create_table(
        "experiment_link",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column(
            "experiment_run_id",
            sa.Integer(),
            sa.ForeignKey("experiment_run.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("job_id", pg.UUID(as_uuid=True), sa.ForeignKey("job.id", ondelete="CASCADE")),
        sa.Column("prediction_set_id", sa.Integer(), sa.ForeignKey("prediction_set.id", ondelete="CASCADE")),
        sa.Column("evaluation_result_id", sa.Integer(), sa.ForeignKey("evaluation_result.id", ondelete="CASCADE")),
        sa.Column("ref_name", sa.Text()),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('job', 'prediction_set', 'evaluation_result', 'dataset', 'reranker')",
            name="ck_experiment_link_kind",
        ),
        sa.CheckConstraint(
            "(kind = 'job') = (job_id IS NOT NULL) "
            "AND (kind = 'prediction_set') = (prediction_set_id IS NOT NULL) "
            "AND (kind = 'evaluation_result') = (evaluation_result_id IS NOT NULL) "
            "AND (kind IN ('dataset', 'reranker')) = (ref_name IS NOT NULL)",
            name="ck_experiment_link_target",
        ),
    )
    op.create_index("ix_experiment_link_experiment_run_id", "experiment_link", ["experiment_run_id"])
    for column in ("job_id", "prediction_set_id", "evaluation_result_id"):
        op.create_index(f"ix_experiment_link_{column}", "experiment_link", [column])
        # A thing is linked to a run once.
        op.create_index(
            f"uq_experiment_link_run_{column}",
            "experiment_link",
            ["experiment_run_id", column],
            unique=True,
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )
    op.create_index(
        "uq_experiment_link_run_ref",
        "experiment_link",
        ["experiment_run_id", "kind", "ref_name"],
        unique=True,
        postgresql_where=sa.text("ref_name IS NOT NULL"),
    )
    op.execute(JOB_LINK_FUNCTION)
    op.execute(
        "CREATE TRIGGER job_experiment_links AFTER INSERT OR UPDATE OF status ON job "
        "FOR EACH ROW EXECUTE FUNCTION workbench_experiment_job_links()"
    )

    op.create_table(
        "experiment_comment",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column(
            "experiment_run_id",
            sa.Integer(),
            sa.ForeignKey("experiment_run.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_experiment_comment_experiment_run_id", "experiment_comment", ["experiment_run_id"])


def downgrade() -> None:
    op.drop_table("experiment_comment")
    op.execute("DROP TRIGGER job_experiment_links ON job")
    op.execute("DROP FUNCTION workbench_experiment_job_links()")
    op.drop_table("experiment_link")
    op.execute("DROP TRIGGER experiment_run_status ON experiment_run")
    op.execute("DROP FUNCTION workbench_experiment_run_status()")
    op.drop_table("experiment_run")
