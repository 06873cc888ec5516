"""Reading ontology snapshots for pages and the CLI: snapshots, term look-up, one term, obsolete terms.

Contract: reads only; plain frozen dataclasses; an unknown term raises ``NotFound`` naming it (alt ids
resolve to their primary term, see ``closure.resolve_term_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.ontology.closure import TermRef, resolve_term_ids

Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class SnapshotView:
    id: int
    obo_version: str | None
    ontology: str | None
    format_version: str | None
    source_file: str | None
    term_count: int
    obsolete_count: int
    relationship_count: int
    loaded_by: str
    loaded_at: datetime
    annotation_sets: int

    @property
    def label(self) -> str:
        name = (self.source_file or "").rsplit("/", 1)[-1]
        return f"#{self.id} {self.obo_version or 'no data-version'}" + (f" ({name})" if name else "")


@dataclass(frozen=True)
class Neighbour:
    go_id: str
    name: str | None
    relation_type: str


@dataclass(frozen=True)
class TermDetail:
    id: int
    go_id: str
    name: str | None
    namespace: str | None
    aspect: str | None
    definition: str | None
    is_obsolete: bool
    alt_ids: list[str]
    replaced_by: list[str]
    consider: list[str]
    parents: list[Neighbour]
    children: list[Neighbour]


@dataclass(frozen=True)
class ObsoleteTerm:
    go_id: str
    name: str | None
    aspect: str | None
    replaced_by: list[str]
    consider: list[str]


def list_snapshots(session: Session) -> list[SnapshotView]:
    return [SnapshotView(*r) for r in session.execute(Q.list_snapshots)]


def find_terms(
    session: Session, snapshot_id: int, text: str, *, aspect: str | None = None, limit: int = 50
) -> list[TermRef]:
    q = (text or "").strip()
    if not q:
        return []
    rows = session.execute(
        Q.find_terms, {"s": snapshot_id, "q": q, "pattern": f"%{q.lower()}%", "aspect": aspect, "limit": limit}
    )
    return [TermRef(*r) for r in rows]


def term_detail(session: Session, snapshot_id: int, go_id: str) -> TermDetail:
    term_id = resolve_term_ids(session, snapshot_id, [go_id])[go_id.strip()]
    row = session.execute(Q.term_by_id, {"id": term_id}).one()
    parents = [Neighbour(*r) for r in session.execute(Q.direct_parents, {"id": term_id})]
    children = [Neighbour(*r) for r in session.execute(Q.direct_children, {"id": term_id})]
    return TermDetail(*row, parents=parents, children=children)


def obsolete_terms(
    session: Session, snapshot_id: int, *, limit: int = 100, offset: int = 0
) -> tuple[list[ObsoleteTerm], int]:
    total = session.execute(Q.count_obsolete, {"s": snapshot_id}).scalar_one()
    rows = session.execute(Q.obsolete_terms, {"s": snapshot_id, "limit": limit, "offset": offset})
    return [ObsoleteTerm(*r) for r in rows], int(total)
