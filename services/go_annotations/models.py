"""GO annotation records: AnnotationSet, ProteinGOAnnotation.

Invariants (guarded by the schema in migration 0003):
1. An annotation set is one source release (``goa``/``quickgo`` + version) read against one ontology
   snapshot: ``uq_annotation_set_source_source_version_ontology_snapshot_id``; the snapshot cannot be
   deleted while sets use it (ON DELETE RESTRICT).
2. Every annotation points to a catalog protein and to a term of its set's snapshot (foreign keys); GO alt
   ids were mapped to their primary term at load (``go_id_as_given`` keeps the id the file used).
3. ``negated`` is true exactly when the qualifier contains ``NOT`` (``ck_protein_go_annotation_negated``).
4. Loads are all-or-nothing; lines that could not be stored are counted per reason in
   ``annotation_set.skipped_reasons``, never silently dropped.
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
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base

ANNOTATION_SOURCES = ("goa", "quickgo")


class AnnotationSet(Base):
    """One loaded release of GO annotations (a GAF file or a QuickGO download)."""

    __tablename__ = "annotation_set"
    __table_args__ = (
        UniqueConstraint("source", "source_version", "ontology_snapshot_id"),
        CheckConstraint("source IN ('goa', 'quickgo')", name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    source_version: Mapped[str] = mapped_column(String(100))
    ontology_snapshot_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("ontology_snapshot.id", ondelete="RESTRICT"), index=True
    )
    gaf_version: Mapped[str | None] = mapped_column(String(10))
    source_file: Mapped[str | None] = mapped_column(Text)
    annotation_count: Mapped[int] = mapped_column(BigInteger, default=0)
    skipped_count: Mapped[int] = mapped_column(BigInteger, default=0)
    skipped_reasons: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    job_id: Mapped[Any | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProteinGOAnnotation(Base):
    """One distinct GAF line: a protein annotated with a GO term, with its evidence, verbatim.

    The table is LIST-partitioned by ``annotation_set_id``: each load builds its set's partition in bulk
    and attaches it (indexes and foreign keys are then checked set-wise, not row by row), and removing a set
    drops its partition. ``line_number`` is the file line where the annotation first appears.
    """

    __tablename__ = "protein_go_annotation"
    __table_args__ = (
        CheckConstraint(
            "negated = (qualifier IS NOT NULL AND 'NOT' = ANY (string_to_array(qualifier, '|')))",
            name="negated",
        ),
        {"postgresql_partition_by": "LIST (annotation_set_id)"},
    )

    annotation_set_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("annotation_set.id", ondelete="CASCADE"), primary_key=True
    )
    line_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    protein_accession: Mapped[str] = mapped_column(
        String(40), ForeignKey("protein.accession", ondelete="CASCADE"), index=True
    )
    go_term_id: Mapped[int] = mapped_column(Integer, ForeignKey("go_term.id", ondelete="RESTRICT"), index=True)
    go_id_as_given: Mapped[str] = mapped_column(String(40))
    qualifier: Mapped[str | None] = mapped_column(Text)
    negated: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence_code: Mapped[str] = mapped_column(String(5))
    db_reference: Mapped[str | None] = mapped_column(Text)
    with_from: Mapped[str | None] = mapped_column(Text)
    aspect: Mapped[str] = mapped_column(String(1))
    assigned_by: Mapped[str | None] = mapped_column(Text)
    annotation_date: Mapped[str | None] = mapped_column(String(10))
    extension: Mapped[str | None] = mapped_column(Text)
    gene_product_form_id: Mapped[str | None] = mapped_column(Text)
