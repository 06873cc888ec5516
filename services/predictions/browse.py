"""Reading prediction sets for the Predictions page and exports (plain DataFrames and dataclasses).

Contract:
1. Read-only; every query is parameterised and scoped to one prediction set.
2. ``predicted_terms`` filters by aspect, minimum score and maximum distance; ``known_terms`` reads the
   set's own reference annotation set for the same accession (what a curator compares against).
3. ``term_neighbours`` lists the query's stored neighbours and marks which of them carry the term
   transferably (not NOT-qualified, evidence in the set's filter) — the neighbours behind a prediction.
4. ``term_graph`` gives the predicted and known terms with all their is_a/part_of ancestors in the set's
   ontology snapshot: nodes (with depth from the roots) and edges, ready to draw.
5. ``prediction_tsv`` is the whole set as tab-separated text with a header line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.embeddings.backends.registry import BASELINE_BACKENDS
from services.errors import NotFound
from services.proteins.fasta import parse_uniprot_header

Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class PredictionSetView:
    id: int
    config: str
    annotation_set_id: int
    annotation_set: str
    ontology_snapshot_id: int
    query_set: str | None
    k: int | None  # None for a baseline set (Naive has no neighbours)
    metric: str | None  # None for a baseline set (no embedding distance)
    per_aspect: bool
    evidence_codes: list[str]
    query_count: int
    prediction_count: int
    created_by: str
    created_at: datetime
    backend: str = ""

    @property
    def baseline(self) -> bool:
        """Made with a weight-free backend (amino-acid composition): a baseline, not a model's predictions."""
        return self.backend in BASELINE_BACKENDS


def list_prediction_sets(session: Session, limit: int = 200) -> list[PredictionSetView]:
    rows = session.execute(Q.list_prediction_sets, {"l": limit}).all()
    return [PredictionSetView(*r) for r in rows]


def get_prediction_set(session: Session, set_id: int) -> PredictionSetView:
    row = session.execute(Q.prediction_set, {"i": set_id}).first()
    if row is None:
        raise NotFound(f"no prediction set {set_id}")
    return PredictionSetView(*row)


def query_accessions(session: Session, set_id: int) -> pd.DataFrame:
    return pd.read_sql_query(
        Q.query_accessions,
        session.connection(),
        params={"s": set_id},
    )


def predicted_terms(
    session: Session,
    set_id: int,
    accession: str,
    *,
    aspects: list[str] | None = None,
    min_score: float = 0.0,
    max_distance: float | None = None,
) -> pd.DataFrame:
    return pd.read_sql_query(
        Q.predicted_terms,
        session.connection(),
        params={
            "s": set_id,
            "a": accession,
            "min": min_score,
            "aspects": aspects or None,
            "maxd": max_distance,
        },
    )


def catalog_accessions(accession: str) -> list[str]:
    """The catalog accessions a query entry stands for: a UniProt-style id (``sp|O13297|CET1_YEAST``, kept
    whole by query sets loaded before entries were resolved) gives ``O13297``; an isoform adds its canonical
    accession; anything else is looked up as it is."""
    header = parse_uniprot_header(accession)
    if header is None:
        return [accession]
    return list(dict.fromkeys([header.accession, header.canonical_accession]))


def known_terms(session: Session, set_id: int, accession: str) -> pd.DataFrame:
    """Rule 2: the reference set's annotations of the query's catalog accession (``catalog_accessions``)."""
    ps = get_prediction_set(session, set_id)
    return pd.read_sql_query(
        Q.known_terms,
        session.connection(),
        params={"aset": ps.annotation_set_id, "acc": catalog_accessions(accession)},
    )


def term_neighbours(session: Session, set_id: int, accession: str, go_term_id: int) -> pd.DataFrame:
    ps = get_prediction_set(session, set_id)
    return pd.read_sql_query(
        Q.term_neighbours,
        session.connection(),
        params={
            "aset": ps.annotation_set_id,
            "term": go_term_id,
            "codes": ps.evidence_codes,
            "s": set_id,
            "acc": accession,
        },
    )


@dataclass(frozen=True)
class TermGraph:
    nodes: pd.DataFrame  # go_term_id, go_id, name, aspect, depth, role (predicted/known/both/ancestor)
    edges: pd.DataFrame  # child_id, parent_id, relation_type
    seed_order: list[int] = field(default_factory=list)  # predicted terms as given (by score), then known


def term_graph(session: Session, snapshot_id: int, predicted: list[int], known: list[int]) -> TermGraph:
    seeds = sorted(set(predicted) | set(known))
    edges = pd.read_sql_query(
        Q.term_graph_edges,
        session.connection(),
        params={"seeds": seeds, "snap": snapshot_id},
    )
    ids = sorted(set(seeds) | set(edges["child_id"]) | set(edges["parent_id"]))
    nodes = pd.read_sql_query(
        Q.term_graph_nodes,
        session.connection(),
        params={"ids": ids},
    )
    parents: dict[int, list[int]] = {}
    for child, parent in zip(edges["child_id"], edges["parent_id"], strict=True):
        parents.setdefault(int(child), []).append(int(parent))
    depth: dict[int, int] = {}

    def depth_of(term: int, trail: frozenset[int] = frozenset()) -> int:
        if term not in depth:
            ups = [p for p in parents.get(term, []) if p not in trail]
            depth[term] = 1 + max((depth_of(p, trail | {term}) for p in ups), default=-1)
        return depth[term]

    pred, kn = set(predicted), set(known)
    nodes["depth"] = [depth_of(int(t)) for t in nodes["go_term_id"]]
    nodes["role"] = [
        "both" if t in pred and t in kn else "predicted" if t in pred else "known" if t in kn else "ancestor"
        for t in nodes["go_term_id"]
    ]
    order = list(dict.fromkeys([*map(int, predicted), *map(int, known)]))
    return TermGraph(nodes, edges, order)


def prediction_tsv(session: Session, set_id: int) -> str:
    get_prediction_set(session, set_id)
    frame = pd.read_sql_query(
        Q.prediction_tsv,
        session.connection(),
        params={"s": set_id},
    )
    return frame.to_csv(sep="\t", index=False)


@dataclass(frozen=True)
class LaunchChoices:
    configs: list[str]
    annotation_sets: dict[int, str]
    query_sets: list[str]


def launch_choices(session: Session) -> LaunchChoices:
    """What the launch forms offer: embedding configs, annotation sets and query sets by name."""
    configs = list(session.execute(Q.embedding_config_names).scalars())
    sets = {r[0]: f"{r[0]} · {r[1]} {r[2]}" for r in session.execute(Q.annotation_set_labels)}
    queries = list(session.execute(Q.query_set_names).scalars())
    return LaunchChoices(configs, sets, queries)
