"""Loading an OBO file as an ontology snapshot.

Contract:
1. All or nothing: the file is parsed and checked completely (syntax, dangling parents) before anything
   is written; terms go in with COPY and relationships by one set-based insert from a staging table.
2. A snapshot is keyed by the SHA-256 of the file's text (``uq_ontology_snapshot_content_hash``) and
   labelled with its ``data-version``: loading the same file again creates nothing and only backfills
   relationships that are missing (``already_loaded`` is true, ``relationships_backfilled`` counts them).
   go.obo and go-basic.obo of one release share a data-version but are different snapshots.
3. Reflexive edges (a term its own parent, e.g. BFO's ``part_of`` in go-plus extracts) are not stored
   (``ck_go_term_relationship_no_self_loop``): they add nothing to a closure.
4. Writers must be curators.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.pg_copy import copy_rows
from services.input_files import InputFile
from services.jobs.progress import ProgressReporter
from services.ontology.obo import OboDocument, read_obo

TERM_COLUMNS = (
    "ontology_snapshot_id",
    "go_id",
    "name",
    "namespace",
    "aspect",
    "definition",
    "is_obsolete",
    "alt_ids",
    "replaced_by",
    "consider",
)
Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class OboLoadResult:
    snapshot_id: int
    obo_version: str | None
    terms: int
    relationships: int
    obsolete: int
    already_loaded: bool
    relationships_backfilled: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_obo(
    session: Session,
    source: str | os.PathLike[str] | BinaryIO,
    identity: Identity,
    *,
    source_name: str | None = None,
    progress: ProgressReporter | None = None,
) -> OboLoadResult:
    require(identity, Role.CURATOR, "load ontologies")
    progress = progress or ProgressReporter(None)
    with InputFile(source, name=source_name) as infile:
        progress.set_total(infile.total_bytes)
        progress.event("phase", "parsing the OBO file")
        doc = read_obo(infile, on_read=lambda: progress.set(infile.bytes_read))
        name = infile.name
    progress.check_cancelled()

    existing = session.execute(Q.snapshot_by_hash, {"h": doc.content_hash}).scalar()
    already = existing is not None
    if already:
        snapshot_id = int(existing)
    else:
        progress.event("phase", f"writing {len(doc.terms):,} terms")
        snapshot_id = session.execute(
            Q.insert_snapshot,
            {
                "v": doc.obo_version,
                "f": doc.format_version,
                "o": doc.ontology,
                "h": doc.content_hash,
                "s": name,
                "u": identity.user,
            },
        ).scalar_one()
        copy_rows(
            session,
            "go_term",
            TERM_COLUMNS,
            (
                (
                    snapshot_id,
                    t.go_id,
                    t.name,
                    t.namespace,
                    t.aspect,
                    t.definition,
                    t.is_obsolete,
                    t.alt_ids,
                    t.replaced_by,
                    t.consider,
                )
                for t in doc.terms.values()
            ),
        )
    backfilled = _write_relationships(session, snapshot_id, doc)
    counts = session.execute(Q.refresh_snapshot_counts, {"id": snapshot_id}).one()
    return OboLoadResult(
        snapshot_id=snapshot_id,
        obo_version=doc.obo_version,
        terms=counts[0],
        relationships=counts[1],
        obsolete=counts[2],
        already_loaded=already,
        relationships_backfilled=backfilled if already else 0,
    )


def _write_relationships(session: Session, snapshot_id: int, doc: OboDocument) -> int:
    """Insert the document's edges that the snapshot lacks; returns how many were inserted."""
    session.execute(Q.create_edge_stage)
    copy_rows(session, "obo_edge_stage", ("child", "parent", "relation_type"), doc.relationships())
    inserted = session.execute(Q.insert_staged_edges, {"s": snapshot_id}).rowcount
    session.execute(Q.drop_edge_stage)
    return inserted
