"""Variant store records: alleles, samples, the partitioned ``variants`` table and the load audit.

Invariants (guarded by the schema in migration 0002 unless said otherwise):
1. ``alleles.id`` is a deterministic 64-bit key of the normalised (genome_build, chrom, pos, ref, alt): the
   check ``ck_alleles_id_is_key_hash`` forces ``id = workbench_allele_id(genome_build, chrom, pos, ref, alt)``
   (SQL function; ``services.alleles.keys.allele_id`` computes the same value in Python). Being the
   primary key, it also makes the normalised key unique: one row per allele, whatever the allele's length.
   Loaders compute ids without a round trip; a 64-bit collision of two different keys is detected and refused
   (``services.alleles.keys.upsert_sql``), never merged.
2. ``variants`` is partitioned by ``LIST (chrom)``: chr1–chr22, chrX, chrY, chrM and ``variants_default`` for
   every other contig (alt, decoy, chrUn, HLA, EBV, non-human genomes). ``chrom`` holds the contig name
   normalised for the load's genome build (``services.alleles.normalize``).
3. ``variants.allele_id`` names an ``alleles`` row. It is not a foreign key (a per-row check would slow bulk
   COPY); the loader inserts a file's alleles in the same transaction as its variants, before commit.
4. Each variant row belongs to one ``variant_load_audit`` row (``load_batch_id``) and names its sample
   (``sample_id``, or none). Both are references written by the loader, the only writer, after it created the
   audit row and the samples; they are not foreign keys (a per-row check costs a third of a bulk COPY) but the
   parents are guarded: deleting or re-keying a referenced sample or load is refused (revision 0006). A load is
   one transaction: its variants are all visible or none are.
5. ``variant_load_audit``: at most one ``completed`` load per (file_hash, genome_build) (partial unique index
   ``uq_variant_load_audit_live_content``); a forced reload marks the earlier row ``replaced`` in the same
   transaction that deletes its variants and inserts the new ones.
6. The annotation columns of ``variants`` (gene … clinvar_review, vep_annotations) say what the file said;
   the curated annotation of an allele comes from the lifecycle's read path, never from these columns.
7. ``vep_annotations`` holds every consequence of the row's ALT compactly, as
   ``{"CSQ": ["G|missense_variant|MODERATE|…", …], "ANN": […], "EFF": […]}``: each entry is the file's own
   ``|``-joined values (no keys); the field names are stored once per load in
   ``variant_load_audit.consequence_fields`` and ``services.alleles.consequences.expand`` names them.
   ``info`` and ``vep_annotations`` are ``bytea``: the JSON compressed by ``services.variants.packed_json``
   (read them with ``packed_json.unpack``; rows loaded before revision 0020 hold plain JSON text, which it
   reads too). No query filters on them; the row's picked consequence and mapped annotations are columns.
8. ``pos``/``end_pos`` are 1-based inclusive; ``pos_range`` is ``[pos, end_pos + 1)``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Sequence,
    Text,
    column,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INT8RANGE, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, with_triggers

LOAD_STATUSES = ("running", "completed", "failed", "skipped_duplicate", "replaced")

#: Human contigs with their own partition (``variants_<lower(name)>``); other contigs go to the default.
PARTITION_CONTIGS: tuple[str, ...] = tuple([f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY", "chrM"])

#: Variants at most this long are found by the (chrom, pos) btree; longer ones through the partial GiST index.
LONG_VARIANT_SPAN = 1000

#: The row's picked consequence as lower-case terms (``missense_variant&splice_region_variant`` → two terms): the
#: expression of ``ix_variants_consequence_terms``, which the consequence filter repeats verbatim.
CONSEQUENCE_TERMS_SQL = "string_to_array(lower(consequence), '&')"

variant_id_seq = Sequence("variants_variant_id_seq", metadata=Base.metadata)


class Allele(Base):
    """A normalised (genome_build, chrom, pos, ref, alt): the unit annotations attach to."""

    __tablename__ = "alleles"
    __table_args__ = (
        CheckConstraint(
            "id = workbench_allele_id(genome_build, chrom, pos, ref, alt)", name="ck_alleles_id_is_key_hash"
        ),
        CheckConstraint("end_pos >= pos", name="ck_alleles_positions"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    genome_build: Mapped[str] = mapped_column(Text)
    chrom: Mapped[str] = mapped_column(Text)
    pos: Mapped[int] = mapped_column(BigInteger)
    ref: Mapped[str] = mapped_column(Text)
    alt: Mapped[str] = mapped_column(Text)
    end_pos: Mapped[int] = mapped_column(BigInteger)
    variant_type: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Sample(Base):
    """A sample named in a VCF header (``external_id``), with pedigree facts from an optional PED file."""

    __tablename__ = "samples"
    __table_args__ = (with_triggers("guard_variant_reference"),)  # no delete or re-id while variants point here

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(Text, unique=True)
    sex: Mapped[str | None] = mapped_column(Text)
    phenotype: Mapped[str | None] = mapped_column(Text)
    family_id: Mapped[str | None] = mapped_column(Text)
    paternal_id: Mapped[str | None] = mapped_column(Text)
    maternal_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class VariantLoadAudit(Base):
    """One attempt to load one VCF file: what was found, what was loaded or skipped, or why it failed."""

    __tablename__ = "variant_load_audit"
    __table_args__ = (
        CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'skipped_duplicate', 'replaced')",
            name="ck_variant_load_audit_status",
        ),
        # One completed load per (file content, genome build): a re-load of the same bytes is skipped.
        Index(
            "uq_variant_load_audit_live_content",
            "file_hash",
            "genome_build",
            unique=True,
            postgresql_where=text("status = 'completed'"),
        ),
        Index("ix_variant_load_audit_started_at", text("started_at DESC")),
        with_triggers("guard_variant_reference"),  # no delete or re-id while variants point here
    )

    load_batch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    file_path: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text)
    file_hash: Mapped[str | None] = mapped_column(Text)
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    genome_build: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
    is_reload: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_load_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("variant_load_audit.load_batch_id", ondelete="SET NULL")
    )
    reference_genome: Mapped[str | None] = mapped_column(Text)
    reference_fasta: Mapped[str | None] = mapped_column(Text)
    tool_versions: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    consequence_fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    records_total: Mapped[int] = mapped_column(BigInteger, default=0)
    variants_loaded: Mapped[int] = mapped_column(BigInteger, default=0)
    variants_skipped: Mapped[int] = mapped_column(BigInteger, default=0)
    skip_reasons: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    warnings: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    samples_count: Mapped[int] = mapped_column(Integer, default=0)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_line: Mapped[int | None] = mapped_column(BigInteger)
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    loaded_by: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seconds: Mapped[float | None] = mapped_column(Double)


class Variant(Base):
    """One call: a sample's genotype at an allele (or a site row with no sample), as the file said it.

    The columns but ``variant_id`` and ``created_at`` are ``services.variants.columns.VARIANT_COPY_COLUMNS``, in
    that order — the one definition of the row a load writes (tests/variants/test_row_layout.py)."""

    __tablename__ = "variants"
    __table_args__ = (
        CheckConstraint("end_pos >= pos", name="ck_variants_positions"),
        Index("ix_variants_chrom_pos", "chrom", "pos"),
        # The allele's contig in the entries (revision 0025): the ClinVar filter's probe by (allele, contig) is read
        # from the index alone.
        Index("ix_variants_allele_id", "allele_id", postgresql_include=["chrom"]),
        # A load's rows are appended together: a BRIN index finds them (revision 0025; the btree took ≈ 7 B a row).
        Index(
            "ix_variants_load_batch_id",
            "load_batch_id",
            postgresql_using="brin",
            postgresql_with={"autosummarize": "on"},
        ),
        # The Variants page's filters (issue 18): a gene prefix (case-insensitive) whose next columns give a whole
        # gene's rows in page order, a sample, an impact, a consequence term.
        Index(
            "ix_variants_gene_position",
            literal_column("lower(gene)").label("gene_lower"),
            "gene",
            "chrom",
            "pos",
            postgresql_ops={"gene_lower": "text_pattern_ops"},  # not partial: its statistics size gene filters
        ),
        Index("ix_variants_sample_id", "sample_id"),
        # MODIFIER (most variants of a genome) is found by the position order itself; the rarer impacts need this.
        Index("ix_variants_impact", "impact", postgresql_where=text("impact <> 'MODIFIER'")),
        # fastupdate off: a bulk load's pending list would leave the index ~20x its compact size.
        Index(
            "ix_variants_consequence_terms",
            literal_column(CONSEQUENCE_TERMS_SQL).label("consequence_terms"),
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
        Index(
            "ix_variants_long_range",
            "pos_range",
            postgresql_using="gist",
            postgresql_where=(column("end_pos") - column("pos")) >= LONG_VARIANT_SPAN,
        ),
        {"postgresql_partition_by": "LIST (chrom)"},
    )

    variant_id: Mapped[int] = mapped_column(
        BigInteger, variant_id_seq, primary_key=True, server_default=variant_id_seq.next_value()
    )
    chrom: Mapped[str] = mapped_column(Text, primary_key=True)
    pos_range: Mapped[Any] = mapped_column(INT8RANGE)
    pos: Mapped[int] = mapped_column(BigInteger)
    end_pos: Mapped[int] = mapped_column(BigInteger)
    ref: Mapped[str] = mapped_column(Text)
    alt: Mapped[str] = mapped_column(Text)
    qual: Mapped[float | None] = mapped_column(Float)
    filter: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    variant_type: Mapped[str] = mapped_column(Text)
    rs_id: Mapped[str | None] = mapped_column(Text)
    gene: Mapped[str | None] = mapped_column(Text)
    transcript: Mapped[str | None] = mapped_column(Text)
    hgvs_c: Mapped[str | None] = mapped_column(Text)
    hgvs_p: Mapped[str | None] = mapped_column(Text)
    consequence: Mapped[str | None] = mapped_column(Text)
    impact: Mapped[str | None] = mapped_column(Text)
    is_coding: Mapped[bool | None] = mapped_column(Boolean)
    is_lof: Mapped[bool | None] = mapped_column(Boolean)
    af_gnomad: Mapped[float | None] = mapped_column(Double)
    af_gnomad_popmax: Mapped[float | None] = mapped_column(Double)
    af_1kg: Mapped[float | None] = mapped_column(Double)
    cadd_phred: Mapped[float | None] = mapped_column(Float)
    clinvar_sig: Mapped[str | None] = mapped_column(Text)
    clinvar_review: Mapped[str | None] = mapped_column(Text)
    info: Mapped[bytes | None] = mapped_column(LargeBinary)  # packed_json (contract point 7)
    vep_annotations: Mapped[bytes | None] = mapped_column(LargeBinary)  # packed_json (contract point 7)
    sample_id: Mapped[int | None] = mapped_column(Integer)  # references samples.id (contract point 4)
    gt: Mapped[str | None] = mapped_column(Text)
    gq: Mapped[int | None] = mapped_column(Integer)
    dp: Mapped[int | None] = mapped_column(Integer)
    ad: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    sample_format: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    allele_id: Mapped[int] = mapped_column(BigInteger)
    load_batch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # references variant_load_audit (point 4)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
