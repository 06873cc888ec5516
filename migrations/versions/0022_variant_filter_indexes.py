"""Variants filters at 10M rows (issue 18): the gene page off an index in order, the sample and ClinVar filters indexed.

1. ``ix_variants_gene_position`` (``lower(gene) text_pattern_ops, gene, chrom, pos``) replaces
   ``ix_variants_gene_lower`` (``lower(gene) text_pattern_ops``). A typed gene that no other (longer) gene name
   starts with runs as ``lower(gene) = :g`` (``services.variants.browse.resolve``), and the index then returns the
   gene's rows in (gene, chrom, pos) order: a Merge Append of the partitions' index scans and an incremental sort
   of the rows of one position by ``variant_id`` under the LIMIT, instead of reading and sorting every row of the
   gene (~450,000 rows of a gene in the 10M benchmark). ``variant_id`` is left out of the key: with it, the index
   built during a load (inserts spread over every gene's range, so pages split in halves) took 92 B per variant
   against 77 B without (1M real records; 57 B and 50 B when built after the load) — the difference between
   1,608 and 1,590 B per variant. The leading column still serves the case-insensitive prefix (``LIKE 'x%'``) and
   the gene suggestions (a loose index scan over its first two columns); not partial, so that its expression
   statistics size each gene (revision 0020).
2. ``ix_variants_sample_id``: the sample filter compares ``variants.sample_id`` with the sample's id; a sample with
   few of the store's calls is read through this index (deduplicated: about 7 B per variant).
3. ``ix_annotation_link_clinvar_sig`` (``lower(value->>'clnsig'), allele_id``, current ClinVar links only) finds the
   links of the ClinVar filter's significances without reading every link; ``st_annotation_link_clnsig`` (MCV
   statistics on the source and that expression) lets the planner size each significance — a partial index's
   expression statistics are not used, and without them every significance was estimated at 0.5 % of the links.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_variants_gene_lower", table_name="variants")
    op.execute("CREATE INDEX ix_variants_gene_position ON variants (lower(gene) text_pattern_ops, gene, chrom, pos)")
    op.create_index("ix_variants_sample_id", "variants", ["sample_id"])
    op.execute(
        "CREATE INDEX ix_annotation_link_clinvar_sig ON annotation_link (lower(value ->> 'clnsig'), allele_id) "
        "WHERE source = 'clinvar' AND valid_to IS NULL"
    )
    op.execute(
        "CREATE STATISTICS st_annotation_link_clnsig (mcv) ON source, lower(value ->> 'clnsig') FROM annotation_link"
    )


def downgrade() -> None:
    op.execute("DROP STATISTICS st_annotation_link_clnsig")
    op.drop_index("ix_annotation_link_clinvar_sig", table_name="annotation_link")
    op.drop_index("ix_variants_sample_id", table_name="variants")
    op.drop_index("ix_variants_gene_position", table_name="variants")
    op.execute("CREATE INDEX ix_variants_gene_lower ON variants (lower(gene) text_pattern_ops)")
