"""A variant's allele probe answered from the index (issue 18): ``ix_variants_allele_id`` includes ``chrom``;
loads found by BRIN.

The ClinVar filter goes from each matching link to its variants by allele, in the link's partition (the probe says
``v.allele_id = l.allele_id AND v.chrom = l.chrom``; the contig prunes the other partitions at run time). The
capped count of the filter ("10,000+") made 10,001 such probes, and each read the variant's row only to check its
contig: ≈ 200 ms at 10M variants. With the contig in the index's entries (``INCLUDE (chrom)``, ≈ 8 bytes more per
entry) the probe is an index-only scan (≈ 45 ms for the same count). Same name, same key: every other use of the
index is unchanged. Built during a load (random keys: pages ≈ 70 % full) it costs ≈ 11 bytes per variant more.

``ix_variants_load_batch_id`` pays for it: a load's rows are appended together, so a BRIN index (each range of 128
pages holds one load or two) finds them as the btree did — deleting a replaced load, the load filter — at almost no
size, where the deduplicated btree took ≈ 7 bytes per variant. ``autosummarize`` summarises each range as a load
fills it; ranges not yet summarised are read, never skipped, so the answer is the same either way.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_variants_allele_id", table_name="variants")
    op.create_index("ix_variants_allele_id", "variants", ["allele_id"], postgresql_include=["chrom"])
    op.drop_index("ix_variants_load_batch_id", table_name="variants")
    op.create_index(
        "ix_variants_load_batch_id",
        "variants",
        ["load_batch_id"],
        postgresql_using="brin",
        postgresql_with={"autosummarize": "on"},
    )


def downgrade() -> None:
    op.drop_index("ix_variants_load_batch_id", table_name="variants")
    op.create_index("ix_variants_load_batch_id", "variants", ["load_batch_id"])
    op.drop_index("ix_variants_allele_id", table_name="variants")
    op.create_index("ix_variants_allele_id", "variants", ["allele_id"])
