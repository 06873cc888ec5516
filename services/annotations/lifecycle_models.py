"""Records of the annotation link lifecycle: runs, links (valid time), events, release verifications.

Invariants (guarded by the schema in migration 0004):
1. At most one live link per (allele, source): partial unique index ``uq_annotation_link_live`` on
   (allele_id, source) WHERE valid_to IS NULL. A second live link fails to insert.
2. No overlapping validity for one (allele, source): exclusion constraint ``ex_annotation_link_no_overlap``
   (``btree_gist``) over ``tstzrange(valid_from, valid_to, '[)')``; ``ck_annotation_link_valid_interval``
   keeps every interval non-empty. Together with (1), a supersession must close the old link at exactly the
   instant the new one opens.
3. ``annotation_event`` is append-only: triggers ``annotation_event_append_only`` / ``…_no_truncate`` reject
   UPDATE, DELETE and TRUNCATE, so the log that rebuilds link history can never be rewritten.
4. At most one running or braked run per source: partial unique index ``uq_annotation_run_active`` — the
   database's side of the per-source lock (the run also holds an advisory lock while it works).
5. ``annotation_run.status`` / ``health`` / ``annotation_event.kind`` take only their listed values
   (check constraints ``ck_annotation_run_status``, ``ck_annotation_run_health``, ``ck_annotation_event_kind``).
6. ``annotation_release_verification`` is append-only too: who verified which release, and when, is an audit.
7. ``annotation_link.chrom``/``pos`` are the allele's (``alleles.chrom``/``pos``, which never change: the allele's
   id is their hash): the one writer, the lifecycle's ``open_links``, copies them from ``alleles``; NOT NULL, so a
   writer that forgets them fails (revision 0024).
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
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base, with_triggers
from services.db.valid_time import ValidTimeMixin

RUN_STATUSES = ("running", "applied", "held", "braked", "rejected", "failed")
HEALTHS = ("healthy", "degraded", "partial", "errored")
EVENT_KINDS = ("LINKED", "SUPERSEDED", "ABSENT", "RETIRED", "RELINKED", "HELD")
TRANSITIONS = ("linked", "unchanged", "superseded", "absent", "retired", "relinked", "held")


class AnnotationRun(Base):
    """One pass of a source release over a set of alleles; ``health`` says whether it may change links."""

    __tablename__ = "annotation_run"
    __table_args__ = (
        Index(
            "uq_annotation_run_active",
            "source",
            unique=True,
            postgresql_where=text("status IN ('running', 'braked')"),
        ),
        CheckConstraint(
            "status IN ('running', 'applied', 'held', 'braked', 'rejected', 'failed')", name="ck_annotation_run_status"
        ),
        CheckConstraint(
            "health IS NULL OR health IN ('healthy', 'degraded', 'partial', 'errored')", name="ck_annotation_run_health"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(Text)
    source_kind: Mapped[str] = mapped_column(Text)
    release_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("annotation_sources.id", ondelete="RESTRICT"), index=True
    )
    source_version: Mapped[str] = mapped_column(Text)
    genome_build: Mapped[str] = mapped_column(Text)
    force: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    triggered_by: Mapped[str] = mapped_column(Text)
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    # The run's allele set, snapshotted at its start: alleles of the build created in
    # (alleles_created_after, snapshot_at]; every allele created before complete_before was visible then.
    alleles_created_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    snapshot_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    complete_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    alleles_expected: Mapped[int] = mapped_column(BigInteger, server_default="0")
    alleles_processed: Mapped[int] = mapped_column(BigInteger, server_default="0")
    source_errors: Mapped[int] = mapped_column(BigInteger, server_default="0")
    counts: Mapped[dict[str, int]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    integrity: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(Text)
    health: Mapped[str | None] = mapped_column(Text)
    health_reasons: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    error_message: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AnnotationLink(ValidTimeMixin, Base):
    """The value a source gives an allele over ``[valid_from, valid_to)`` (invariants 1 and 2)."""

    __tablename__ = "annotation_link"
    __table_args__ = (
        Index(
            "uq_annotation_link_live",
            "allele_id",
            "source",
            unique=True,
            postgresql_where=text("valid_to IS NULL"),
        ),
        ExcludeConstraint(
            ("allele_id", "="),
            ("source", "="),
            (text("tstzrange(valid_from, valid_to, '[)')"), "&&"),
            name="ex_annotation_link_no_overlap",
            using="gist",
        ),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="ck_annotation_link_valid_interval"),
        # The Variants page's ClinVar filter (issue 18): current ClinVar links by significance in position order
        # (revision 0024; revision 0022 created the MCV statistics st_annotation_link_clnsig on source and the
        # significance expression).
        Index(
            "ix_annotation_link_clinvar_position",
            literal_column("lower(value ->> 'clnsig')").label("clnsig"),
            "chrom",
            "pos",
            "allele_id",
            postgresql_where=text("source = 'clinvar' AND valid_to IS NULL"),
        ),
        # The read path's latest links (latest_links) for links that have ended; current ones are read through
        # uq_annotation_link_live (revision 0023: 1,000 GiST probes cost ≈ 70 ms at 600k links, btree ≈ 5–15 ms).
        Index("ix_annotation_link_retired_allele", "allele_id", postgresql_where=text("valid_to IS NOT NULL")),
        # No btree on (allele_id, source, valid_from) (dropped in 0007): the exclusion constraint's GiST index
        # (allele_id, source, validity) serves per-(allele, source) lookups, and a supersession writes one
        # index fewer.
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    allele_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("alleles.id"))
    source: Mapped[str] = mapped_column(Text)
    value: Mapped[dict[str, Any]] = mapped_column(JSONB)
    source_version: Mapped[str] = mapped_column(Text)
    # Not indexed on purpose: every index on this table is paid for on each supersession.
    run_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("annotation_run.id"))
    # The allele's contig and position (invariant 7), so that one source's links can be read in position order.
    chrom: Mapped[str] = mapped_column(Text)
    pos: Mapped[int] = mapped_column(BigInteger)


class AnnotationEvent(Base):
    """What a run saw for an allele (invariant 3). UNCHANGED results and never-linked absences are counts."""

    __tablename__ = "annotation_event"
    __table_args__ = (
        Index("ix_annotation_event_allele_id_source", "allele_id", "source", "at"),
        Index("ix_annotation_event_run_id", "run_id", "kind"),
        CheckConstraint(
            "kind IN ('LINKED', 'SUPERSEDED', 'ABSENT', 'RETIRED', 'RELINKED', 'HELD')", name="ck_annotation_event_kind"
        ),
        with_triggers("annotation_event_append_only", "annotation_event_no_truncate"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("annotation_run.id"))
    allele_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("alleles.id"))
    source: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    value: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    previous_value: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    source_version: Mapped[str] = mapped_column(Text)
    # The source's own spelling of the value (e.g. versioned transcript and HGVS ids for VEP).
    original: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReleaseVerification(Base):
    """A lead's audited statement that a release is sound: it lifts the release-integrity check."""

    __tablename__ = "annotation_release_verification"
    # One verification per release (migration 0015): verifying twice is a no-op, not a second audit row.
    __table_args__ = (
        UniqueConstraint("release_id", name="uq_annotation_release_verification_release_id"),
        with_triggers("annotation_release_verification_append_only", "annotation_release_verification_no_truncate"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    release_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("annotation_sources.id", ondelete="CASCADE"), index=True
    )
    verified_by: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, server_default="")
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
