"""Protein catalog and Gene Ontology: sequences, proteins, UniProt metadata, query sets, ontology snapshots,
GO terms and relationships, annotation sets and GO annotations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _created_at(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "sequence",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("sequence_hash", sa.String(32), nullable=False),
        sa.Column("sequence", sa.Text(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        _created_at(),
        sa.UniqueConstraint("sequence_hash", name="uq_sequence_sequence_hash"),
        sa.CheckConstraint("length = char_length(sequence)", name="ck_sequence_length"),
    )

    op.create_table(
        "protein",
        sa.Column("accession", sa.String(40), primary_key=True),
        sa.Column("canonical_accession", sa.String(40), nullable=False),
        sa.Column("isoform_index", sa.Integer()),
        sa.Column("is_canonical", sa.Boolean(), nullable=False),
        sa.Column("entry_name", sa.String(60)),
        sa.Column("reviewed", sa.Boolean()),
        sa.Column("protein_name", sa.Text()),
        sa.Column("organism", sa.Text()),
        sa.Column("taxonomy_id", sa.Integer()),
        sa.Column("gene_name", sa.String(100)),
        sa.Column("protein_existence", sa.SmallInteger()),
        sa.Column("sequence_version", sa.Integer()),
        sa.Column("sequence_id", sa.Integer(), sa.ForeignKey("sequence.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        _created_at(),
        _created_at("updated_at"),
        sa.CheckConstraint(
            "(is_canonical AND isoform_index IS NULL AND canonical_accession = accession) OR "
            "(NOT is_canonical AND isoform_index IS NOT NULL AND canonical_accession <> accession)",
            name="ck_protein_isoform_shape",
        ),
    )
    op.create_index("ix_protein_canonical_accession", "protein", ["canonical_accession"])
    op.create_index("ix_protein_entry_name", "protein", ["entry_name"])
    op.create_index("ix_protein_reviewed", "protein", ["reviewed"])
    op.create_index("ix_protein_taxonomy_id", "protein", ["taxonomy_id"])
    op.create_index("ix_protein_gene_name", "protein", ["gene_name"])
    op.create_index("ix_protein_sequence_id", "protein", ["sequence_id"])
    # Text search on the Proteins page (accession/gene/organism/name substrings).
    op.execute(
        "CREATE INDEX ix_protein_search_trgm ON protein USING gin ("
        "(lower(accession || ' ' || coalesce(entry_name, '') || ' ' || coalesce(gene_name, '') || ' ' || "
        "coalesce(protein_name, '') || ' ' || coalesce(organism, ''))) gin_trgm_ops)"
    )

    op.create_table(
        "protein_uniprot_metadata",
        sa.Column("canonical_accession", sa.String(40), primary_key=True),
        *[
            sa.Column(name, sa.Text())
            for name in (
                "protein_name",
                "function_cc",
                "ec_number",
                "catalytic_activity",
                "cofactor",
                "activity_regulation",
                "pathway",
                "kinetics",
                "ph_dependence",
                "temperature_dependence",
                "subcellular_location",
                "keywords",
                "rhea_id",
            )
        ],
        sa.Column("extra", pg.JSONB(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        _created_at("updated_at"),
    )

    op.create_table(
        "query_set",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("source_file", sa.Text()),
        sa.Column("created_by", sa.String(200), nullable=False),
        _created_at(),
        sa.UniqueConstraint("name", name="uq_query_set_name"),
    )
    op.create_table(
        "query_set_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("query_set_id", sa.Integer(), sa.ForeignKey("query_set.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("accession", sa.Text(), nullable=False),
        sa.Column("header", sa.Text(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), sa.ForeignKey("sequence.id", ondelete="RESTRICT"), nullable=False),
        sa.UniqueConstraint("query_set_id", "accession", name="uq_query_set_entry_query_set_id_accession"),
        sa.UniqueConstraint("query_set_id", "position", name="uq_query_set_entry_query_set_id_position"),
    )
    op.create_index("ix_query_set_entry_sequence_id", "query_set_entry", ["sequence_id"])

    op.create_table(
        "ontology_snapshot",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("obo_version", sa.String(200)),
        sa.Column("format_version", sa.String(20)),
        sa.Column("ontology", sa.String(100)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source_file", sa.Text()),
        sa.Column("term_count", sa.Integer(), nullable=False),
        sa.Column("obsolete_count", sa.Integer(), nullable=False),
        sa.Column("relationship_count", sa.Integer(), nullable=False),
        sa.Column("loaded_by", sa.String(200), nullable=False),
        _created_at("loaded_at"),
        sa.UniqueConstraint("content_hash", name="uq_ontology_snapshot_content_hash"),
    )
    op.create_index("ix_ontology_snapshot_obo_version", "ontology_snapshot", ["obo_version"])

    op.create_table(
        "go_term",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column(
            "ontology_snapshot_id",
            sa.Integer(),
            sa.ForeignKey("ontology_snapshot.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("go_id", sa.String(40), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("namespace", sa.String(100)),
        sa.Column("aspect", sa.String(1)),
        sa.Column("definition", sa.Text()),
        sa.Column("is_obsolete", sa.Boolean(), nullable=False),
        sa.Column("alt_ids", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("replaced_by", pg.ARRAY(sa.Text()), nullable=False),
        sa.Column("consider", pg.ARRAY(sa.Text()), nullable=False),
        sa.UniqueConstraint("ontology_snapshot_id", "go_id", name="uq_go_term_ontology_snapshot_id_go_id"),
        sa.UniqueConstraint("ontology_snapshot_id", "id", name="uq_go_term_ontology_snapshot_id_id"),
        sa.CheckConstraint("aspect IN ('F', 'P', 'C')", name="ck_go_term_aspect"),
    )
    op.create_index("ix_go_term_go_id", "go_term", ["go_id"])
    # alt id → primary term look-ups (GAF loading, term search).
    op.execute("CREATE INDEX ix_go_term_alt_ids ON go_term USING gin (alt_ids)")

    op.create_table(
        "go_term_relationship",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("ontology_snapshot_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        # Both ends are terms of this relationship's snapshot.
        sa.ForeignKeyConstraint(
            ["ontology_snapshot_id", "child_id"],
            ["go_term.ontology_snapshot_id", "go_term.id"],
            ondelete="CASCADE",
            name="fk_go_term_relationship_child_go_term",
        ),
        sa.ForeignKeyConstraint(
            ["ontology_snapshot_id", "parent_id"],
            ["go_term.ontology_snapshot_id", "go_term.id"],
            ondelete="CASCADE",
            name="fk_go_term_relationship_parent_go_term",
        ),
        sa.Column("relation_type", sa.String(30), nullable=False),
        sa.UniqueConstraint(
            "child_id",
            "parent_id",
            "relation_type",
            name="uq_go_term_relationship_child_id_parent_id_relation_type",
        ),
        sa.CheckConstraint(
            "relation_type IN ('is_a', 'part_of', 'regulates', 'positively_regulates', 'negatively_regulates')",
            name="ck_go_term_relationship_relation_type",
        ),
        sa.CheckConstraint("child_id <> parent_id", name="ck_go_term_relationship_no_self_loop"),
    )
    op.create_index("ix_go_term_relationship_parent_id", "go_term_relationship", ["parent_id"])
    op.create_index("ix_go_term_relationship_ontology_snapshot_id", "go_term_relationship", ["ontology_snapshot_id"])

    op.create_table(
        "annotation_set",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_version", sa.String(100), nullable=False),
        sa.Column(
            "ontology_snapshot_id",
            sa.Integer(),
            sa.ForeignKey("ontology_snapshot.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("gaf_version", sa.String(10)),
        sa.Column("source_file", sa.Text()),
        sa.Column("annotation_count", sa.BigInteger(), nullable=False),
        sa.Column("skipped_count", sa.BigInteger(), nullable=False),
        sa.Column("skipped_reasons", pg.JSONB(), nullable=False),
        sa.Column("job_id", pg.UUID(as_uuid=True), sa.ForeignKey("job.id", ondelete="SET NULL")),
        sa.Column("created_by", sa.String(200), nullable=False),
        _created_at(),
        sa.UniqueConstraint(
            "source",
            "source_version",
            "ontology_snapshot_id",
            name="uq_annotation_set_source_source_version_ontology_snapshot_id",
        ),
        sa.CheckConstraint("source IN ('goa', 'quickgo')", name="ck_annotation_set_source"),
    )
    op.create_index("ix_annotation_set_ontology_snapshot_id", "annotation_set", ["ontology_snapshot_id"])
    op.create_index("ix_annotation_set_job_id", "annotation_set", ["job_id"])

    # Partitioned by annotation set: a load fills a standalone table and attaches it as the set's partition.
    op.create_table(
        "protein_go_annotation",
        sa.Column(
            "annotation_set_id",
            sa.Integer(),
            sa.ForeignKey("annotation_set.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("line_number", sa.BigInteger(), nullable=False),
        sa.Column(
            "protein_accession",
            sa.String(40),
            sa.ForeignKey("protein.accession", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("go_term_id", sa.Integer(), sa.ForeignKey("go_term.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("go_id_as_given", sa.String(40), nullable=False),
        sa.Column("qualifier", sa.Text()),
        sa.Column("negated", sa.Boolean(), nullable=False),
        sa.Column("evidence_code", sa.String(5), nullable=False),
        sa.Column("db_reference", sa.Text()),
        sa.Column("with_from", sa.Text()),
        sa.Column("aspect", sa.String(1), nullable=False),
        sa.Column("assigned_by", sa.Text()),
        sa.Column("annotation_date", sa.String(10)),
        sa.Column("extension", sa.Text()),
        sa.Column("gene_product_form_id", sa.Text()),
        sa.PrimaryKeyConstraint("annotation_set_id", "line_number", name="pk_protein_go_annotation"),
        sa.CheckConstraint(
            "negated = (qualifier IS NOT NULL AND 'NOT' = ANY (string_to_array(qualifier, '|')))",
            name="ck_protein_go_annotation_negated",
        ),
        postgresql_partition_by="LIST (annotation_set_id)",
    )
    op.create_index("ix_protein_go_annotation_protein_accession", "protein_go_annotation", ["protein_accession"])
    op.create_index("ix_protein_go_annotation_go_term_id", "protein_go_annotation", ["go_term_id"])


def downgrade() -> None:
    for table in (
        "protein_go_annotation",
        "annotation_set",
        "go_term_relationship",
        "go_term",
        "ontology_snapshot",
        "query_set_entry",
        "query_set",
        "protein_uniprot_metadata",
        "protein",
        "sequence",
    ):
        op.drop_table(table)
