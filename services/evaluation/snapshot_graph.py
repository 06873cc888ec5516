"""The evaluator's term graph of a stored ontology snapshot, read from the database (no OBO file).

Contract:
1. Only live terms of the three GO namespaces are nodes, and only ``is_a`` / ``part_of`` edges between live
   terms are followed (what CAFA propagates over); obsolete terms are reached through ``term_mapping``.
2. ``term_index`` maps a ``go_term.id`` row of this snapshot to its index in ``graph`` (and ``term_ids`` back),
   so stored rows (annotations, predictions, ground truth) become index arrays without string look-ups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.evaluation.graph import TermGraph, graph_from_edges

Q = sql_blocks.load(__file__)
NAMESPACE_OF_ASPECT = {"P": "BPO", "F": "MFO", "C": "CCO"}


@dataclass(frozen=True)
class SnapshotGraph:
    snapshot_id: int
    graph: TermGraph
    term_ids: np.ndarray  # graph index -> go_term.id
    term_index: dict[int, int]  # go_term.id -> graph index

    def indices(self, term_ids: np.ndarray) -> np.ndarray:
        """Graph indices of ``go_term.id`` values (-1 for a row that is not a live term of the snapshot)."""
        lookup = self.term_index
        return np.fromiter((lookup.get(int(t), -1) for t in term_ids), dtype=np.int64, count=len(term_ids))


def load_snapshot_graph(session: Session, snapshot_id: int) -> SnapshotGraph:
    terms = session.execute(Q.snapshot_terms, {"s": snapshot_id}).all()
    edges = session.execute(Q.snapshot_edges, {"s": snapshot_id}).all()
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
