"""Variant store bulk-load cost: rows up to a page are stored inline without compression.

``toast_tuple_target = 8160`` on every partition of ``variants``: a record with several transcripts makes a row
of 2–4 kB (its consequences and INFO as jsonb); from 2 kB on PostgreSQL compressed such rows with pglz on every
bulk COPY (about 1 s of server time per million rows here). Rows up to a page are now kept inline as they are;
longer ones are still compressed and moved out of line. Costs some disk (the consequence text compresses by
about a fifth), no query.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_PARTITIONS = """
SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'variants'::regclass ORDER BY c.relname
"""


def _set_on_partitions(clause: str) -> None:
    op.execute(
        f"""
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN {_PARTITIONS} LOOP
                EXECUTE format('ALTER TABLE %I {clause}', r.relname);
            END LOOP;
        END $$;
        """
    )


def upgrade() -> None:
    _set_on_partitions("SET (toast_tuple_target = 8160)")


def downgrade() -> None:
    _set_on_partitions("RESET (toast_tuple_target)")
