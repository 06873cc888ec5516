"""Protein catalog records: Sequence, Protein, ProteinUniProtMetadata, QuerySet, QuerySetEntry.

Invariants (guarded by the schema in migration 0003):
1. One ``sequence`` row per distinct residue string: ``uq_sequence_sequence_hash`` on the MD5 of the
   sequence; ``ck_sequence_length`` keeps ``length`` equal to the stored sequence's length.
2. Many proteins may share one sequence: ``protein.sequence_id`` is deliberately NOT unique.
3. A protein is either canonical (``isoform_index`` NULL, ``canonical_accession = accession``) or an
   isoform ``<canonical>-<n>`` (``isoform_index`` = n): ``ck_protein_isoform_shape``.
4. UniProt metadata is stored once per canonical accession; isoforms read it through
   ``canonical_accession`` (no foreign key: metadata may be loaded before or without the proteins).
5. A query set's entries keep their original FASTA headers; an entry id (first header word) appears once
   per set (``uq_query_set_entry_query_set_id_accession``); query set names are unique.
6. Every sequence a reference accession has had is kept in ``protein_sequence_version`` (migration 0010),
   numbered from 1; exactly one per accession is live (``replaced_at IS NULL``,
   ``uq_protein_sequence_version_live``) and it is the one ``protein.sequence_id`` points to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.db.base import Base


class Sequence(Base):
    """A distinct amino-acid sequence (upper-case residues), shared by every protein/entry that has it."""

    __tablename__ = "sequence"
    __table_args__ = (CheckConstraint("length = char_length(sequence)", name="length"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    sequence_hash: Mapped[str] = mapped_column(String(32), unique=True)
    sequence: Mapped[str] = mapped_column(Text)
    length: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    proteins: Mapped[list[Protein]] = relationship(back_populates="sequence", viewonly=True)


class Protein(Base):
    """One UniProtKB entry or isoform (``P12345``, ``P12345-2``) of the reference catalog."""

    __tablename__ = "protein"
    __table_args__ = (
        CheckConstraint(
            "(is_canonical AND isoform_index IS NULL AND canonical_accession = accession) OR "
            "(NOT is_canonical AND isoform_index IS NOT NULL AND canonical_accession <> accession)",
            name="isoform_shape",
        ),
        # Text search on the Proteins page (accession/gene/organism/name substrings).
        Index(
            "ix_protein_search_trgm",
            literal_column(
                "lower(accession || ' ' || coalesce(entry_name, '') || ' ' || coalesce(gene_name, '') || ' ' || "
                "coalesce(protein_name, '') || ' ' || coalesce(organism, ''))"
            ).label("search_text"),
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    accession: Mapped[str] = mapped_column(String(40), primary_key=True)
    canonical_accession: Mapped[str] = mapped_column(String(40), index=True)
    isoform_index: Mapped[int | None] = mapped_column(Integer)
    is_canonical: Mapped[bool] = mapped_column(Boolean)
    entry_name: Mapped[str | None] = mapped_column(String(60), index=True)
    reviewed: Mapped[bool | None] = mapped_column(Boolean, index=True)
    protein_name: Mapped[str | None] = mapped_column(Text)
    organism: Mapped[str | None] = mapped_column(Text)
    taxonomy_id: Mapped[int | None] = mapped_column(Integer, index=True)
    gene_name: Mapped[str | None] = mapped_column(String(100), index=True)
    protein_existence: Mapped[int | None] = mapped_column(SmallInteger)
    sequence_version: Mapped[int | None] = mapped_column(Integer)
    sequence_id: Mapped[int] = mapped_column(Integer, ForeignKey("sequence.id", ondelete="RESTRICT"), index=True)
    length: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    sequence: Mapped[Sequence] = relationship(back_populates="proteins")


class ProteinSequenceVersion(Base):
    """One sequence a reference accession has had; a reload that changes it adds the next version."""

    __tablename__ = "protein_sequence_version"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        # one live version per accession: the one protein.sequence_id points to
        Index(
            "uq_protein_sequence_version_live", "accession", unique=True, postgresql_where=text("replaced_at IS NULL")
        ),
    )

    accession: Mapped[str] = mapped_column(
        String(40), ForeignKey("protein.accession", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sequence_id: Mapped[int] = mapped_column(Integer, ForeignKey("sequence.id", ondelete="RESTRICT"), index=True)
    uniprot_sequence_version: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProteinUniProtMetadata(Base):
    """UniProt annotation text for one canonical accession (from a UniProt TSV export or the REST API)."""

    __tablename__ = "protein_uniprot_metadata"

    canonical_accession: Mapped[str] = mapped_column(String(40), primary_key=True)
    protein_name: Mapped[str | None] = mapped_column(Text)
    function_cc: Mapped[str | None] = mapped_column(Text)
    ec_number: Mapped[str | None] = mapped_column(Text)
    catalytic_activity: Mapped[str | None] = mapped_column(Text)
    cofactor: Mapped[str | None] = mapped_column(Text)
    activity_regulation: Mapped[str | None] = mapped_column(Text)
    pathway: Mapped[str | None] = mapped_column(Text)
    kinetics: Mapped[str | None] = mapped_column(Text)
    ph_dependence: Mapped[str | None] = mapped_column(Text)
    temperature_dependence: Mapped[str | None] = mapped_column(Text)
    subcellular_location: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[str | None] = mapped_column(Text)
    rhea_id: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    source: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class QuerySet(Base):
    """A named FASTA upload whose sequences are queries for prediction (not reference proteins)."""

    __tablename__ = "query_set"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    entries: Mapped[list[QuerySetEntry]] = relationship(
        back_populates="query_set", order_by="QuerySetEntry.position", viewonly=True
    )


class QuerySetEntry(Base):
    """One FASTA record of a query set: its original header, its id (first word) and its sequence."""

    __tablename__ = "query_set_entry"
    __table_args__ = (
        UniqueConstraint("query_set_id", "accession"),
        UniqueConstraint("query_set_id", "position"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    query_set_id: Mapped[int] = mapped_column(Integer, ForeignKey("query_set.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    accession: Mapped[str] = mapped_column(Text)
    header: Mapped[str] = mapped_column(Text)
    sequence_id: Mapped[int] = mapped_column(Integer, ForeignKey("sequence.id", ondelete="RESTRICT"), index=True)

    query_set: Mapped[QuerySet] = relationship(back_populates="entries")
    sequence: Mapped[Sequence] = relationship()
