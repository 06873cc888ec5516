"""Annotation link lifecycle: runs (with health), links in valid time, the append-only event log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The latest link of every (allele, source): the live one, or the last one that was retired (no successor).
# The read path and the Variants page's filters use it; which of its rows are *shown* depends on the
# retired-link display setting (services.annotations.read_path).
CURRENT_VIEW = """
CREATE VIEW annotation_current AS
SELECT l.allele_id, l.source, l.value, l.source_version, l.run_id, l.valid_from, l.valid_to,
       l.valid_to IS NOT NULL AS retired
  FROM annotation_link l
 WHERE l.valid_to IS NULL
    OR NOT EXISTS (SELECT 1 FROM annotation_link n
                    WHERE n.allele_id = l.allele_id AND n.source = l.source AND n.valid_from >= l.valid_to)
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "annotation_run",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_kind", sa.Text(), nullable=False),
        sa.Column(
            "release_id",
            sa.Integer(),
            sa.ForeignKey("annotation_sources.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("source_version", sa.Text(), nullable=False),
        sa.Column("genome_build", sa.Text(), nullable=False),
        sa.Column("force", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("triggered_by", sa.Text(), nullable=False),
        sa.Column("job_id", pg.UUID(as_uuid=True), sa.ForeignKey("job.id", ondelete="SET NULL")),
        sa.Column("alleles_created_after", sa.DateTime(timezone=True)),
        sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("complete_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alleles_expected", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("alleles_processed", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("source_errors", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("counts", pg.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("integrity", pg.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("health", sa.Text()),
        sa.Column("health_reasons", pg.ARRAY(sa.Text()), nullable=False, server_default="{}"),
        sa.Column("error_message", sa.Text()),
        sa.Column("applied_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.Text()),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "status IN ('running', 'applied', 'held', 'braked', 'rejected', 'failed')",
            name="ck_annotation_run_status",
        ),
        sa.CheckConstraint(
            "health IS NULL OR health IN ('healthy', 'degraded', 'partial', 'errored')",
            name="ck_annotation_run_health",
        ),
    )
    # The per-source lock, as the database sees it: at most one running or braked run per source.
    op.execute(
        "CREATE UNIQUE INDEX uq_annotation_run_active ON annotation_run (source) WHERE status IN ('running', 'braked')"
    )
    op.create_index("ix_annotation_run_release_id", "annotation_run", ["release_id"])
    op.create_index("ix_annotation_run_job_id", "annotation_run", ["job_id"])

    op.create_table(
        "annotation_link",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("allele_id", sa.BigInteger(), sa.ForeignKey("alleles.id"), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("value", pg.JSONB(), nullable=False),
        sa.Column("source_version", sa.Text(), nullable=False),
        sa.Column("run_id", sa.BigInteger(), sa.ForeignKey("annotation_run.id"), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True)),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="ck_annotation_link_valid_interval"),
    )
    # One live link per (allele, source).
    op.execute(
        "CREATE UNIQUE INDEX uq_annotation_link_live ON annotation_link (allele_id, source) WHERE valid_to IS NULL"
    )
    # No two links of one (allele, source) overlap in valid time (half-open [valid_from, valid_to)).
    op.execute(
        "ALTER TABLE annotation_link ADD CONSTRAINT ex_annotation_link_no_overlap EXCLUDE USING gist "
        "(allele_id WITH =, source WITH =, tstzrange(valid_from, valid_to, '[)') WITH &&)"
    )
    op.create_index("ix_annotation_link_allele_id_source", "annotation_link", ["allele_id", "source", "valid_from"])

    op.create_table(
        "annotation_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("run_id", sa.BigInteger(), sa.ForeignKey("annotation_run.id"), nullable=False),
        sa.Column("allele_id", sa.BigInteger(), sa.ForeignKey("alleles.id"), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("value", pg.JSONB()),
        sa.Column("previous_value", pg.JSONB()),
        sa.Column("source_version", sa.Text(), nullable=False),
        sa.Column("original", pg.JSONB()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('LINKED', 'SUPERSEDED', 'ABSENT', 'RETIRED', 'RELINKED', 'HELD')",
            name="ck_annotation_event_kind",
        ),
    )
    op.create_index("ix_annotation_event_allele_id_source", "annotation_event", ["allele_id", "source", "at"])
    op.create_index("ix_annotation_event_run_id", "annotation_event", ["run_id", "kind"])
    # annotation_event is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE.
    op.execute(
        "CREATE TRIGGER annotation_event_append_only BEFORE UPDATE OR DELETE ON annotation_event "
        "FOR EACH ROW EXECUTE FUNCTION workbench_reject_change()"
    )
    op.execute(
        "CREATE TRIGGER annotation_event_no_truncate BEFORE TRUNCATE ON annotation_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION workbench_reject_change()"
    )

    op.create_table(
        "annotation_release_verification",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "release_id",
            sa.Integer(),
            sa.ForeignKey("annotation_sources.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("verified_by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column(
            "verified_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.clock_timestamp(),
            nullable=False,
        ),
    )
    op.create_index("ix_annotation_release_verification_release_id", "annotation_release_verification", ["release_id"])
    # annotation_release_verification is append-only.
    op.execute(
        "CREATE TRIGGER annotation_release_verification_append_only BEFORE UPDATE OR DELETE "
        "ON annotation_release_verification "
        "FOR EACH ROW EXECUTE FUNCTION workbench_reject_change()"
    )
    op.execute(
        "CREATE TRIGGER annotation_release_verification_no_truncate BEFORE TRUNCATE ON annotation_release_verification "
        "FOR EACH STATEMENT EXECUTE FUNCTION workbench_reject_change()"
    )
    op.execute(CURRENT_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW annotation_current")
    op.drop_table("annotation_release_verification")
    op.drop_table("annotation_event")
    op.drop_table("annotation_link")
    op.drop_table("annotation_run")
