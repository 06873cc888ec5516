"""A variant's allele probe answered from the index (issue 18): ``ix_variants_allele_id`` includes ``chrom``.

The ClinVar filter goes from each matching link to its variants by allele, in the link's partition (the probe says
``v.allele_id = l.allele_id AND v.chrom = l.chrom``; the contig prunes the other partitions at run time). The
capped count of the filter ("10,000+") made 10,001 such probes, and each read the variant's row only to check its
contig: ≈ 200 ms at 10M variants. With the contig in the index's entries (``INCLUDE (chrom)``, ≈ 8 bytes more per
entry) the probe is an index-only scan (≈ 45 ms for the same count). Same name, same key: every other use of the
index is unchanged.

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


def downgrade() -> None:
    op.drop_index("ix_variants_allele_id", table_name="variants")
    op.create_index("ix_variants_allele_id", "variants", ["allele_id"])
