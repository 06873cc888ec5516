"""The ClinVar filter's page in position order (issue 18): each link carries its allele's position.

The Variants page lists variants in (chrom, pos, variant_id) order. With the ClinVar filter it walked the variants
in that order and probed each one's link: a significance held by 0.3 % of the variants read ~330 rows per page row
(1.5 s p50, 12 s p95 at 10M variants). An allele's contig and position never change (``alleles.id`` is the key's
hash), and a variant's ``chrom``/``pos`` are its allele's (the loader writes the normalised allele's; see
``services/variants/models.py``), so the link can carry them:

1. ``annotation_link.chrom`` / ``pos``: the allele's, copied by the one writer of links (the lifecycle's
   ``open_links``, from ``alleles``) and filled here for the links already there; NOT NULL so that a writer that
   forgets them fails.
2. ``ix_annotation_link_clinvar_position`` (``lower(value->>'clnsig'), chrom, pos, allele_id``, current ClinVar
   links) replaces ``ix_annotation_link_clinvar_sig``: one significance's current links in position order, so the
   page goes from the links to their variants (one partition's ``ix_variants_allele_id`` probe each) in the page's
   order and stops after a page; several significances are merged (``services/variants/filter_query.py``, ``_by_link``).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE annotation_link ADD COLUMN chrom text, ADD COLUMN pos bigint")
    op.execute("UPDATE annotation_link l SET chrom = a.chrom, pos = a.pos FROM alleles a WHERE a.id = l.allele_id")
    op.execute("ALTER TABLE annotation_link ALTER COLUMN chrom SET NOT NULL, ALTER COLUMN pos SET NOT NULL")
    op.drop_index("ix_annotation_link_clinvar_sig", table_name="annotation_link")
    op.execute(
        "CREATE INDEX ix_annotation_link_clinvar_position ON annotation_link "
        "(lower(value ->> 'clnsig'), chrom, pos, allele_id) WHERE source = 'clinvar' AND valid_to IS NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_annotation_link_clinvar_position", table_name="annotation_link")
    op.execute(
        "CREATE INDEX ix_annotation_link_clinvar_sig ON annotation_link (lower(value ->> 'clnsig'), allele_id) "
        "WHERE source = 'clinvar' AND valid_to IS NULL"
    )
    op.execute("ALTER TABLE annotation_link DROP COLUMN pos, DROP COLUMN chrom")
