"""Variant store: alleles, samples, the partitioned variants table, the load audit, annotation sources.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PARTITION_CONTIGS = [f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY", "chrM"]

# The allele key: the first 64 bits of md5("build<TAB>chrom<TAB>pos<TAB>ref<TAB>alt") as a signed bigint.
# services/alleles/keys.py computes the same value in Python; a test checks that they agree.
ALLELE_ID_FUNCTION = r"""
CREATE FUNCTION workbench_allele_id(genome_build text, chrom text, pos bigint, ref text, alt text)
RETURNS bigint LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || left(md5(genome_build || E'\t' || chrom || E'\t' || pos::text || E'\t' || ref
                            || E'\t' || alt), 16))::bit(64)::bigint
$$;
"""


def upgrade() -> None:
    op.execute(ALLELE_ID_FUNCTION)

    op.create_table(
        "alleles",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("genome_build", sa.Text(), nullable=False),
        sa.Column("chrom", sa.Text(), nullable=False),
        sa.Column("pos", sa.BigInteger(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("alt", sa.Text(), nullable=False),
        sa.Column("end_pos", sa.BigInteger(), nullable=False),
        sa.Column("variant_type", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        # The id IS the normalised key, so the primary key makes the key unique (services/variants/models.py).
        sa.CheckConstraint(
            "id = workbench_allele_id(genome_build, chrom, pos, ref, alt)", name="ck_alleles_id_is_key_hash"
        ),
        sa.CheckConstraint("end_pos >= pos", name="ck_alleles_positions"),
    )
    op.create_index("ix_alleles_locus", "alleles", ["genome_build", "chrom", "pos"])

    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("sex", sa.Text()),
        sa.Column("phenotype", sa.Text()),
        sa.Column("family_id", sa.Text()),
        sa.Column("paternal_id", sa.Text()),
        sa.Column("maternal_id", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("external_id", name="uq_samples_external_id"),
    )

    op.create_table(
        "variant_load_audit",
        sa.Column("load_batch_id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("file_path", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.Text()),
        sa.Column("file_size", sa.BigInteger()),
        sa.Column("genome_build", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("is_reload", sa.Boolean(), nullable=False),
        sa.Column(
            "previous_load_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey(
                "variant_load_audit.load_batch_id",
                name="fk_variant_load_audit_previous_load_id_variant_load_audit",
                ondelete="SET NULL",
            ),
        ),
        sa.Column("reference_genome", sa.Text()),
        sa.Column("reference_fasta", sa.Text()),
        sa.Column("tool_versions", pg.JSONB(), nullable=False),
        sa.Column("consequence_fields", pg.JSONB(), nullable=False),
        sa.Column("records_total", sa.BigInteger(), nullable=False),
        sa.Column("variants_loaded", sa.BigInteger(), nullable=False),
        sa.Column("variants_skipped", sa.BigInteger(), nullable=False),
        sa.Column("skip_reasons", pg.JSONB(), nullable=False),
        sa.Column("warnings", pg.JSONB(), nullable=False),
        sa.Column("samples_count", sa.Integer(), nullable=False),
        sa.Column("error_message", sa.Text()),
        sa.Column("error_line", sa.BigInteger()),
        sa.Column("job_id", pg.UUID(as_uuid=True)),
        sa.Column("loaded_by", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("seconds", sa.Double()),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'skipped_duplicate', 'replaced')",
            name="ck_variant_load_audit_status",
        ),
    )
    # One live (completed) load per file content and genome build: what the duplicate check relies on.
    op.create_index(
        "uq_variant_load_audit_live_content",
        "variant_load_audit",
        ["file_hash", "genome_build"],
        unique=True,
        postgresql_where=sa.text("status = 'completed'"),
    )
    op.create_index("ix_variant_load_audit_started_at", "variant_load_audit", [sa.text("started_at DESC")])

    op.execute("CREATE SEQUENCE variants_variant_id_seq AS bigint")
    op.create_table(
        "variants",
        sa.Column(
            "variant_id",
            sa.BigInteger(),
            server_default=sa.text("nextval('variants_variant_id_seq')"),
            nullable=False,
        ),
        sa.Column("chrom", sa.Text(), nullable=False),
        sa.Column("pos_range", pg.INT8RANGE(), nullable=False),
        sa.Column("pos", sa.BigInteger(), nullable=False),
        sa.Column("end_pos", sa.BigInteger(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("alt", sa.Text(), nullable=False),
        sa.Column("qual", sa.Float()),
        sa.Column("filter", pg.ARRAY(sa.Text())),
        sa.Column("variant_type", sa.Text(), nullable=False),
        sa.Column("rs_id", sa.Text()),
        sa.Column("gene", sa.Text()),
        sa.Column("transcript", sa.Text()),
        sa.Column("hgvs_c", sa.Text()),
        sa.Column("hgvs_p", sa.Text()),
        sa.Column("consequence", sa.Text()),
        sa.Column("impact", sa.Text()),
        sa.Column("is_coding", sa.Boolean()),
        sa.Column("is_lof", sa.Boolean()),
        sa.Column("af_gnomad", sa.Double()),
        sa.Column("af_gnomad_popmax", sa.Double()),
        sa.Column("af_1kg", sa.Double()),
        sa.Column("cadd_phred", sa.Float()),
        sa.Column("clinvar_sig", sa.Text()),
        sa.Column("clinvar_review", sa.Text()),
        sa.Column("info", pg.JSONB()),
        sa.Column("vep_annotations", pg.JSONB()),
        sa.Column("sample_id", sa.Integer(), sa.ForeignKey("samples.id", name="fk_variants_sample_id_samples")),
        sa.Column("gt", sa.Text()),
        sa.Column("gq", sa.Integer()),
        sa.Column("dp", sa.Integer()),
        sa.Column("ad", pg.ARRAY(sa.Integer())),
        sa.Column("sample_format", pg.JSONB()),
        sa.Column("allele_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "load_batch_id",
            pg.UUID(as_uuid=True),
            sa.ForeignKey("variant_load_audit.load_batch_id", name="fk_variants_load_batch_id_variant_load_audit"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("variant_id", "chrom", name="pk_variants"),
        sa.CheckConstraint("end_pos >= pos", name="ck_variants_positions"),
        postgresql_partition_by="LIST (chrom)",
    )
    op.execute("ALTER SEQUENCE variants_variant_id_seq OWNED BY variants.variant_id")
    for contig in PARTITION_CONTIGS:
        op.execute(f"CREATE TABLE variants_{contig.lower()} PARTITION OF variants FOR VALUES IN ('{contig}')")
    op.execute("CREATE TABLE variants_default PARTITION OF variants DEFAULT")
    # Region queries: the (chrom, pos) btree finds every variant shorter than LONG_VARIANT_SPAN (1 kb) that
    # overlaps a window (pos BETWEEN start - 1000 AND end); the few longer ones (SVs) come from a small
    # partial GiST index. The btree also serves keyset paging in (chrom, pos) order.
    op.create_index("ix_variants_chrom_pos", "variants", ["chrom", "pos"])
    op.create_index(
        "ix_variants_long_range",
        "variants",
        ["pos_range"],
        postgresql_using="gist",
        postgresql_where=sa.text("end_pos - pos >= 1000"),
    )
    op.create_index("ix_variants_gene", "variants", ["gene"], postgresql_where=sa.text("gene IS NOT NULL"))
    op.create_index("ix_variants_rs_id", "variants", ["rs_id"], postgresql_where=sa.text("rs_id IS NOT NULL"))
    op.create_index("ix_variants_allele_id", "variants", ["allele_id"])
    op.create_index("ix_variants_load_batch_id", "variants", ["load_batch_id"])

    op.create_table(
        "annotation_sources",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("genome_build", sa.Text(), nullable=False),
        sa.Column("file_path", sa.Text()),
        sa.Column("file_hash", sa.Text(), nullable=False),
        sa.Column("record_count", sa.BigInteger(), nullable=False),
        sa.Column("allele_count", sa.BigInteger(), nullable=False),
        sa.Column("duplicate_count", sa.BigInteger(), nullable=False),
        sa.Column("contigs", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("field_config", pg.JSONB(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("loaded_by", sa.Text(), nullable=False),
        sa.UniqueConstraint("name", "version", "genome_build", name="uq_annotation_sources_name_version_genome_build"),
        sa.CheckConstraint(
            "kind IN ('vep', 'gnomad', 'clinvar', 'dbsnp', 'custom')", name="ck_annotation_sources_kind"
        ),
        sa.CheckConstraint("name ~ '^[a-z][a-z0-9_]{0,39}$'", name="ck_annotation_sources_name"),
        sa.CheckConstraint("table_name = 'anno_' || name", name="ck_annotation_sources_table_name"),
    )


def downgrade() -> None:
    # anno_<source> tables are created by `workbench source add` (one per source name): drop them too.
    op.execute(
        """
        DO $$
        DECLARE r record;
        BEGIN
            FOR r IN SELECT DISTINCT table_name FROM annotation_sources LOOP
                EXECUTE format('DROP TABLE IF EXISTS %I', r.table_name);
            END LOOP;
        END $$;
        """
    )
    op.drop_table("annotation_sources")
    op.drop_table("variants")
    op.drop_table("variant_load_audit")
    op.drop_table("samples")
    op.drop_table("alleles")
    op.execute("DROP FUNCTION workbench_allele_id(text, text, bigint, text, text)")
