"""Foundation: extensions, procrastinate's schema, jobs, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION workbench_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
"""


def upgrade() -> None:
    for ext in ("vector", "btree_gist", "pg_trgm"):
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")

    from procrastinate.schema import SchemaManager

    op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
    op.execute(APPEND_ONLY_FUNCTION)

    op.create_table(
        "job",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("operation", sa.String(100), nullable=False),
        sa.Column("queue_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("parent_job_id", pg.UUID(as_uuid=True), sa.ForeignKey("job.id", ondelete="SET NULL")),
        sa.Column("procrastinate_job_id", sa.BigInteger()),
        sa.Column("payload", pg.JSONB(), nullable=False),
        sa.Column("meta", pg.JSONB(), nullable=False),
        sa.Column("progress_current", sa.BigInteger(), nullable=False),
        sa.Column("progress_total", sa.BigInteger()),
        sa.Column("error_code", sa.String(100)),
        sa.Column("error_message", sa.Text()),
        sa.Column("description", sa.Text()),
        sa.Column("findings", pg.JSONB()),
        sa.Column("tags", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('queued','running','succeeded','failed','cancelled')", name="ck_job_status"),
        sa.CheckConstraint("progress_total IS NULL OR progress_current <= progress_total", name="ck_job_progress"),
    )
    op.create_index("ix_job_operation", "job", ["operation"])
    op.create_index("ix_job_status", "job", ["status"])
    op.create_index("ix_job_parent_job_id", "job", ["parent_job_id"])
    op.create_index("ix_job_procrastinate_job_id", "job", ["procrastinate_job_id"])
    op.create_index("ix_job_created_at", "job", [sa.text("created_at DESC")])

    op.create_table(
        "job_event",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("job_id", pg.UUID(as_uuid=True), sa.ForeignKey("job.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("progress_current", sa.BigInteger()),
        sa.Column("progress_total", sa.BigInteger()),
        sa.Column("data", pg.JSONB()),
    )
    op.create_index("ix_job_event_job_id_at", "job_event", ["job_id", "at"])
    # job_event is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE.
    op.execute(
        "CREATE TRIGGER job_event_append_only BEFORE UPDATE OR DELETE ON job_event "
        "FOR EACH ROW EXECUTE FUNCTION workbench_reject_change()"
    )
    op.execute(
        "CREATE TRIGGER job_event_no_truncate BEFORE TRUNCATE ON job_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION workbench_reject_change()"
    )

    op.create_table(
        "job_comment",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("job_id", pg.UUID(as_uuid=True), sa.ForeignKey("job.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("length(btrim(body)) > 0", name="ck_job_comment_body_not_blank"),
    )
    op.create_index("ix_job_comment_job_id", "job_comment", ["job_id"])

    op.create_table(
        "app_setting",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", pg.JSONB(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "app_setting_audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("old_value", pg.JSONB()),
        sa.Column("new_value", pg.JSONB(), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.clock_timestamp(), nullable=False),
    )
    op.create_index("ix_app_setting_audit_key", "app_setting_audit", ["key"])
    # app_setting_audit is append-only.
    op.execute(
        "CREATE TRIGGER app_setting_audit_append_only BEFORE UPDATE OR DELETE ON app_setting_audit "
        "FOR EACH ROW EXECUTE FUNCTION workbench_reject_change()"
    )
    op.execute(
        "CREATE TRIGGER app_setting_audit_no_truncate BEFORE TRUNCATE ON app_setting_audit "
        "FOR EACH STATEMENT EXECUTE FUNCTION workbench_reject_change()"
    )


def downgrade() -> None:
    op.drop_table("app_setting_audit")
    op.drop_table("app_setting")
    op.drop_table("job_comment")
    op.drop_table("job_event")
    op.drop_table("job")
    op.execute("DROP FUNCTION workbench_reject_change()")
    # procrastinate's schema: every object it created is named procrastinate_*.
    op.execute(
        """
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN SELECT tablename FROM pg_tables
                     WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
                EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
            END LOOP;
            FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
                     JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
                EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
            END LOOP;
            FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                     WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
                       AND t.typtype IN ('e', 'c') LOOP
                EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
            END LOOP;
        END $$;
        """
    )
