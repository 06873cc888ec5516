"""Annotation sources: one ``annotation_sources`` row per release, its values in an ``anno_<source>`` table.

Invariants:
1. (name, version, genome_build) is unique (``uq_annotation_sources_name_version_genome_build``): several
   releases of one source live side by side; loading the same release twice is refused.
2. ``name`` matches ``^[a-z][a-z0-9_]{0,39}$`` (check ``ck_annotation_sources_name``) and the values table of
   every release of that source is ``anno_<name>`` (check ``ck_annotation_sources_table_name``), created on
   the first release; identifiers are validated before they reach SQL and quoted there all the same.
3. ``field_config`` is the list of fields taken from the source file, each
   ``{"field": INFO key, "alias": column name, "type": "text|integer|float|boolean", "missing": token}``;
   aliases match ``^[a-z][a-z0-9_]{0,62}$``.

Layout of ``anno_<name>`` (one table per source, shared by its releases)::

    release_id  integer  NOT NULL  REFERENCES annotation_sources (id) ON DELETE CASCADE
    allele_id   bigint   NOT NULL  -- alleles.id of the record's normalised allele; the loader inserts the
                                   -- allele into ``alleles`` first, so the row always names one
    record_id   text               -- the record's ID column (rsID, ClinVar Variation ID, …), NULL when '.'
    "<alias>"   <type>             -- one column per field_config alias (text, bigint, double precision,
                                   -- boolean); NULL = missing in the file
    PRIMARY KEY (release_id, allele_id)
    INDEX anno_<name>_allele_id (allele_id)

* Keys: each source record is normalised exactly like a VCF being loaded (contig names per build, trimming,
  one row per ALT with Number=A/R/G values taken per allele), so ``1:12345`` ClinVar keys meet ``chr1:12345``
  variants through the same ``alleles.id`` (``services.alleles.keys.allele_id``).
* One row per (release, allele): when a release names an allele twice the first record wins and the release
  reports the duplicates it dropped.
* A release's values: ``SELECT * FROM anno_<name> WHERE release_id = :id``; an allele on a contig in
  ``annotation_sources.contigs`` but absent from that set is absent from the release (the lifecycle's
  ABSENT signal); an allele on another contig was not covered.
* A later release may configure more fields: new alias columns are added (NULL for earlier releases); an
  alias never changes type (a conflicting type is refused).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base

SOURCE_KINDS = ("vep", "gnomad", "clinvar", "dbsnp", "custom")


class AnnotationSource(Base):
    """One release of an annotation source (e.g. ClinVar 2026-11-03 on GRCh38)."""

    __tablename__ = "annotation_sources"
    __table_args__ = (
        UniqueConstraint("name", "version", "genome_build"),
        CheckConstraint("kind IN ('vep', 'gnomad', 'clinvar', 'dbsnp', 'custom')", name="ck_annotation_sources_kind"),
        CheckConstraint("name ~ '^[a-z][a-z0-9_]{0,39}$'", name="ck_annotation_sources_name"),
        CheckConstraint("table_name = 'anno_' || name", name="ck_annotation_sources_table_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(Text)
    genome_build: Mapped[str] = mapped_column(Text)
    file_path: Mapped[str | None] = mapped_column(Text)
    file_hash: Mapped[str] = mapped_column(Text)
    record_count: Mapped[int] = mapped_column(BigInteger)
    allele_count: Mapped[int] = mapped_column(BigInteger)
    duplicate_count: Mapped[int] = mapped_column(BigInteger, default=0)
    contigs: Mapped[list[str]] = mapped_column(ARRAY(Text))
    field_config: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    table_name: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    loaded_by: Mapped[str] = mapped_column(Text)
