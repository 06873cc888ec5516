"""Variant store storage (issue 18): rows compressed in line again, the unused ``rs_id`` index dropped.

1. ``toast_tuple_target`` back to PostgreSQL's default (about 2 kB) on every partition of ``variants`` (undoing
   0008): a real VEP record makes a row of 3–4 kB (its consequences and INFO as jsonb), which was stored
   uncompressed, two rows to an 8 kB page. Now its wide values are compressed in line (pglz: the embedded server
   is built without lz4) and a row takes about 1.6 kB. Measured on the real-record file of
   ``bench/load_vcf.py --real``: storage per variant 4.9 kB → see the issue's figures; the load rate is kept
   (less WAL and fewer pages written pay for the compression).
2. ``ix_variants_rs_id`` is dropped: no query reads ``variants`` by ``rs_id`` (the Variants page, its exports,
   the detail card and the annotation read path never filter on it), and it cost ~90 B per variant.

Existing rows keep their layout (compression is transparent to every reader); they are compressed when
rewritten (a reload, or ``VACUUM FULL variants`` by an administrator). Partitions are fixed (migration 0002
creates them all); none is created at run time, so no setting needs to reach new ones.

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0017"
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
    _set_on_partitions("RESET (toast_tuple_target)")
    op.drop_index("ix_variants_rs_id", table_name="variants")


def downgrade() -> None:
    op.create_index("ix_variants_rs_id", "variants", ["rs_id"], postgresql_where=sa.text("rs_id IS NOT NULL"))
    _set_on_partitions("SET (toast_tuple_target = 8160)")
