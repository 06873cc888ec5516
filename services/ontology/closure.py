"""Ancestor and descendant closure over a snapshot's relationships (recursive SQL, no stored closure).

Contract:
1. By default only ``is_a`` and ``part_of`` are followed (the relations annotations propagate over);
   pass ``relations=ALL_RELATIONS`` (or any subset of ``RELATION_TYPES``) to follow the regulates family.
2. Terms are named by GO id within one snapshot; an alt id resolves to its primary term; unknown ids raise
   ``NotFound`` naming them.
3. ``include_self`` puts the start terms in their own closure (the true-path view); results are sorted
   by GO id and carry name, aspect and obsolescence.
4. Closure walks use ``UNION`` (set semantics), so a cycle in a non-basic ontology cannot loop forever.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import TextClause
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.errors import InvalidInput, NotFound
from services.ontology.models import PROPAGATING_RELATIONS, RELATION_TYPES

ALL_RELATIONS = RELATION_TYPES
Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class TermRef:
    id: int
    go_id: str
    name: str | None
    aspect: str | None
    is_obsolete: bool


@dataclass(frozen=True)
class Edge:
    child: str
    parent: str
    relation_type: str


def _relations(relations: Iterable[str] | None) -> list[str]:
    chosen = list(relations) if relations is not None else list(PROPAGATING_RELATIONS)
    unknown = sorted(set(chosen) - set(RELATION_TYPES))
    if unknown:
        raise InvalidInput(f"unknown relation type(s) {', '.join(unknown)}; use {', '.join(RELATION_TYPES)}")
    return chosen


def resolve_term_ids(session: Session, snapshot_id: int, go_ids: Iterable[str]) -> dict[str, int]:
    """GO id (or alt id) → term row id in the snapshot; raises NotFound for ids it does not know."""
    wanted = sorted({g.strip() for g in go_ids if g and g.strip()})
    if not wanted:
        return {}
    rows = session.execute(Q.resolve_terms, {"ids": wanted, "s": snapshot_id}).all()
    missing = [g for g, tid in rows if tid is None]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise NotFound(f"term(s) {shown} not in ontology snapshot {snapshot_id}")
    return {g: int(tid) for g, tid in rows}


def _closure(session: Session, query: TextClause, start: list[int], include_self: bool, rels: list[str]):
    rows = session.execute(query, {"start": start, "rels": rels, "self": include_self}).all()
    return [TermRef(*r) for r in rows]


def ancestors(
    session: Session,
    snapshot_id: int,
    go_ids: Iterable[str],
    *,
    relations: Iterable[str] | None = None,
    include_self: bool = False,
) -> list[TermRef]:
    """The union of the ancestors of ``go_ids`` (one term or a set) in the snapshot."""
    ids = list(resolve_term_ids(session, snapshot_id, go_ids).values())
    return _closure(session, Q.ancestors, ids, include_self, _relations(relations)) if ids else []


def descendants(
    session: Session,
    snapshot_id: int,
    go_ids: Iterable[str],
    *,
    relations: Iterable[str] | None = None,
    include_self: bool = False,
) -> list[TermRef]:
    """The union of the descendants of ``go_ids`` in the snapshot."""
    ids = list(resolve_term_ids(session, snapshot_id, go_ids).values())
    return _closure(session, Q.descendants, ids, include_self, _relations(relations)) if ids else []


def ancestor_ids(session: Session, term_ids: list[int], relations: Iterable[str] | None = None) -> set[int]:
    """Row-id level ancestors (start terms excluded): the fast path for propagation and benchmarks."""
    if not term_ids:
        return set()
    rows = session.execute(Q.ancestor_ids, {"start": term_ids, "rels": _relations(relations)}).scalars()
    return set(rows) - set(term_ids)


def ancestor_map(
    session: Session,
    snapshot_id: int,
    go_ids: Iterable[str],
    *,
    relations: Iterable[str] | None = None,
) -> dict[str, set[str]]:
    """For each given term, its own ancestor set (GO ids, the term itself included): propagation."""
    resolved = resolve_term_ids(session, snapshot_id, go_ids)
    if not resolved:
        return {}
    rows = session.execute(Q.ancestor_map, {"start": list(resolved.values()), "rels": _relations(relations)}).all()
    by_id: dict[int, set[str]] = {}
    for start, go_id in rows:
        by_id.setdefault(start, set()).add(go_id)
    return {g: by_id.get(tid, set()) for g, tid in resolved.items()}


def ancestor_graph(
    session: Session,
    snapshot_id: int,
    go_ids: Iterable[str],
    *,
    relations: Iterable[str] | None = None,
) -> tuple[list[TermRef], list[Edge]]:
    """The given terms with all their ancestors, and the edges among them (for drawing the DAG)."""
    rels = _relations(relations)
    terms = ancestors(session, snapshot_id, go_ids, relations=rels, include_self=True)
    if not terms:
        return [], []
    rows = session.execute(Q.edges_among, {"ids": [t.id for t in terms], "rels": rels}).all()
    return terms, [Edge(*r) for r in rows]
