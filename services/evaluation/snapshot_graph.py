"""The evaluator's term graph of a stored ontology snapshot, read from the database (no OBO file).

Contract:
1. Only live terms of the three GO namespaces are nodes, and only ``is_a`` / ``part_of`` edges between live
   terms are followed (what CAFA propagates over); obsolete terms are reached through ``term_mapping``.
2. ``term_index`` maps a ``go_term.id`` row of this snapshot to its index in ``graph`` (and ``term_ids`` back),
   so stored rows (annotations, predictions, ground truth) become index arrays without string look-ups.
3. Graphs are kept per process (the last ``CACHE_SIZE``), keyed by database, snapshot id, content hash and
   term / relationship counts: a snapshot's content never changes except that reloading its file may backfill
   missing edges, which changes ``relationship_count`` and so the key. ``cached=False`` always reads anew.
4. ``fetch_tuples`` runs a named block on the session's own connection and returns plain tuples (bulk reads
   of ground truth and predictions without per-row objects).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.pg_copy import driver_connection
from services.evaluation.graph import TermGraph, graph_from_edges

Q = sql_blocks.load(__file__)
NAMESPACE_OF_ASPECT = {"P": "BPO", "F": "MFO", "C": "CCO"}
CACHE_SIZE = 4
_PARAM = re.compile(r"(?<![:\w]):(\w+)")
_cache: OrderedDict[tuple, SnapshotGraph] = OrderedDict()
_cache_lock = threading.Lock()


def fetch_tuples(session: Session, block: str, params: dict[str, Any]) -> list[tuple]:
    """Rows of the named block of queries.sql as tuples, through the session's psycopg connection."""
    sql = _PARAM.sub(r"%(\1)s", Q.sql(block))
    with driver_connection(session).cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@dataclass(frozen=True, eq=False)
class SnapshotGraph:
    snapshot_id: int
    graph: TermGraph
    term_ids: np.ndarray  # graph index -> go_term.id
    term_index: dict[int, int]  # go_term.id -> graph index

    def indices(self, term_ids: np.ndarray) -> np.ndarray:
        """Graph indices of ``go_term.id`` values (-1 for a row that is not a live term of the snapshot)."""
        term_ids = np.asarray(term_ids, dtype=np.int64)
        if len(self.term_ids) == 0:
            return np.full(len(term_ids), -1, dtype=np.int64)
        order = self._order
        sorted_ids = self.term_ids[order]
        pos = np.minimum(np.searchsorted(sorted_ids, term_ids), len(sorted_ids) - 1)
        return np.where(sorted_ids[pos] == term_ids, order[pos], -1).astype(np.int64)

    @cached_property
    def _order(self) -> np.ndarray:
        return np.argsort(self.term_ids, kind="stable")


def load_snapshot_graph(session: Session, snapshot_id: int, *, cached: bool = True) -> SnapshotGraph:
    identity = session.execute(Q.snapshot_identity, {"s": snapshot_id}).first()
    key = (str(session.get_bind().url), snapshot_id, *(identity or ()))
    if cached:
        with _cache_lock:
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                return found
    built = _build(session, snapshot_id)
    with _cache_lock:
        _cache[key] = built
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return built


def _build(session: Session, snapshot_id: int) -> SnapshotGraph:
    terms = fetch_tuples(session, "snapshot_terms", {"s": snapshot_id})
    edges = fetch_tuples(session, "snapshot_edges", {"s": snapshot_id})
    graph = graph_from_edges(
        ((go_id, NAMESPACE_OF_ASPECT[aspect], tuple(alt_ids or ())) for _, go_id, aspect, alt_ids in terms),
        ((child, parent) for child, parent in edges),
    )
    term_ids = np.full(len(graph.ids), -1, dtype=np.int64)
    term_index: dict[int, int] = {}
    for row_id, go_id, _, _ in terms:
        i = graph.index[go_id]
        term_ids[i] = row_id
        term_index[int(row_id)] = int(i)
    return SnapshotGraph(snapshot_id, graph, term_ids, term_index)
