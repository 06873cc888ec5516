"""Gene Ontology records: OntologySnapshot, GOTerm, GOTermRelationship.

Invariants (guarded by the schema in migration 0003):
1. A snapshot is one OBO file's content: ``uq_ontology_snapshot_content_hash`` (SHA-256 of the decompressed
   text) makes loading the same file twice a no-op; ``obo_version`` (the ``data-version`` header) is NOT
   unique, because go.obo and go-basic.obo of one release share it.
2. A term id appears once per snapshot (``uq_go_term_ontology_snapshot_id_go_id``); terms belong to exactly
   one snapshot and go with it (ON DELETE CASCADE).
3. ``aspect`` is F, P or C for the three GO namespaces and NULL for any other namespace
   (``ck_go_term_aspect``); obsolete terms are kept with their ``replaced_by`` / ``consider`` ids.
4. A relationship joins two terms of its own snapshot (composite foreign keys to
   ``uq_go_term_ontology_snapshot_id_id``), once per type
   (``uq_go_term_relationship_child_id_parent_id_relation_type``), never a term to itself
   (``ck_go_term_relationship_no_self_loop``), and its type is one of ``RELATION_TYPES``
   (``ck_go_term_relationship_relation_type``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import conv

from services.db.base import Base

ASPECTS = {"molecular_function": "F", "biological_process": "P", "cellular_component": "C"}
ASPECT_NAMES = {v: k for k, v in ASPECTS.items()}
PROPAGATING_RELATIONS = ("is_a", "part_of")
REGULATES_RELATIONS = ("regulates", "positively_regulates", "negatively_regulates")
RELATION_TYPES = PROPAGATING_RELATIONS + REGULATES_RELATIONS


class OntologySnapshot(Base):
    """One loaded OBO file (a GO release, or go-basic of it)."""

    __tablename__ = "ontology_snapshot"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    obo_version: Mapped[str | None] = mapped_column(String(200), index=True)
    format_version: Mapped[str | None] = mapped_column(String(20))
    ontology: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source_file: Mapped[str | None] = mapped_column(Text)
    term_count: Mapped[int] = mapped_column(Integer, default=0)
    obsolete_count: Mapped[int] = mapped_column(Integer, default=0)
    relationship_count: Mapped[int] = mapped_column(Integer, default=0)
    loaded_by: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    terms: Mapped[list[GOTerm]] = relationship(back_populates="snapshot", viewonly=True)


class GOTerm(Base):
    """One term of one snapshot (live or obsolete)."""

    __tablename__ = "go_term"
    __table_args__ = (
        UniqueConstraint("ontology_snapshot_id", "go_id"),
        # The target of the relationships' (snapshot, term) foreign keys.
        UniqueConstraint("ontology_snapshot_id", "id"),
        CheckConstraint("aspect IN ('F', 'P', 'C')", name="aspect"),
        Index("ix_go_term_alt_ids", "alt_ids", postgresql_using="gin"),  # alt id -> primary term look-ups
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    ontology_snapshot_id: Mapped[int] = mapped_column(Integer, ForeignKey("ontology_snapshot.id", ondelete="CASCADE"))
    go_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    namespace: Mapped[str | None] = mapped_column(String(100))
    aspect: Mapped[str | None] = mapped_column(String(1))
    definition: Mapped[str | None] = mapped_column(Text)
    is_obsolete: Mapped[bool] = mapped_column(Boolean, default=False)
    alt_ids: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    replaced_by: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    consider: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)

    snapshot: Mapped[OntologySnapshot] = relationship(back_populates="terms")


class GOTermRelationship(Base):
    """A directed edge child → parent of one type (is_a, part_of, regulates family) within a snapshot."""

    __tablename__ = "go_term_relationship"
    __table_args__ = (
        UniqueConstraint("child_id", "parent_id", "relation_type"),
        CheckConstraint(
            "relation_type IN ('is_a', 'part_of', 'regulates', 'positively_regulates', 'negatively_regulates')",
            name="relation_type",
        ),
        CheckConstraint("child_id <> parent_id", name="no_self_loop"),
        # Both ends are terms OF THIS SNAPSHOT (and go with it).
        ForeignKeyConstraint(
            ["ontology_snapshot_id", "child_id"],
            ["go_term.ontology_snapshot_id", "go_term.id"],
            ondelete="CASCADE",
            name=conv("fk_go_term_relationship_child_go_term"),
        ),
        ForeignKeyConstraint(
            ["ontology_snapshot_id", "parent_id"],
            ["go_term.ontology_snapshot_id", "go_term.id"],
            ondelete="CASCADE",
            name=conv("fk_go_term_relationship_parent_go_term"),
        ),
        Index("ix_go_term_relationship_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    ontology_snapshot_id: Mapped[int] = mapped_column(Integer, index=True)
    child_id: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int] = mapped_column(Integer)
    relation_type: Mapped[str] = mapped_column(String(30))
