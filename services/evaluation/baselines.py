"""The two CAFA baselines, stored as ordinary prediction sets beside the methods they are compared with.

Contract:
1. Both read the reference annotation set's transferable annotations: evidence code in the filter
   (experimental by default), not NOT-qualified, and the (protein, term) pair not negated in the set.
2. **Naive**: every query gets every term of every namespace scored by the term's frequency among the
   reference proteins annotated in that namespace, annotations propagated over is_a and part_of first (so a
   root scores 1). Terms below ``min_score`` are left out (default 0.01, the evaluator's lowest threshold, so
   nothing that could count is dropped). No reference protein or distance stands behind a Naive term.
3. **Homology** (BLAST-kNN): a Smith-Waterman database search (pyswrd: SWORD filter + Opal alignment,
   BLOSUM62, gap open 10, extend 1) of each query against the reference proteins' sequences, keeping up to
   ``max_hits`` hits with E-value <= ``max_evalue`` (default 1e-3: looser, a few aligned residues of junk
   would transfer terms at a high identity). Each hit's annotated terms transfer to the query, a term
   scored by the highest identity (identical positions over the alignment) among the hits carrying it; the
   best such hit is the term's reference protein, ``distance`` = 1 - identity and ``identity_sw`` the identity.
4. Leakage: a query never takes terms from itself (same accession), nor, with ``exclude_identical`` (the
   default), from a reference protein with the identical sequence.
5. One unit of work: the set (``params.method`` = naive | homology, no embedding config, k = max_hits for
   homology), its predictions and, for homology, the hits as neighbours are written together or not at all.
   Needs the curator role, like every prediction run.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.engine import session_scope
from services.db.pg_copy import copy_rows
from services.errors import InvalidInput, NotFound
from services.evaluation.graph import graph_from_edges
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter
from services.ontology.models import PROPAGATING_RELATIONS
from services.predictions.predict import BASE_COLUMNS, FEATURE_COLUMNS
from services.predictions.reference import (
    EXPERIMENTAL_EVIDENCE,
    Protein,
    accession_queries,
    query_set_queries,
    sequences_of,
)

METHODS = ("naive", "homology")
ASPECT_LABEL = {"F": "MFO", "P": "BPO", "C": "CCO"}
Q = sql_blocks.load(__file__, "baselines.sql")
# Residues BLOSUM62 knows; anything else (U, O, J, lower case after upper-casing) is searched as X.
_NOT_BLOSUM = re.compile(r"[^ARNDCQEGHILKMFPSTWYVBZX*]")


@dataclass(frozen=True)
class BaselineParams:
    evidence_codes: tuple[str, ...] = EXPERIMENTAL_EVIDENCE
    min_score: float = 0.01
    max_hits: int = 10
    max_evalue: float = 1e-3
    exclude_identical: bool = True
    threads: int = 0

    def validate(self) -> None:
        if not self.evidence_codes:
            raise InvalidInput("choose at least one evidence code to transfer")
        if not 0 <= self.min_score <= 1:
            raise InvalidInput("min_score must lie between 0 and 1")
        if self.max_hits < 1:
            raise InvalidInput("max_hits must be at least 1")
        if self.max_evalue <= 0:
            raise InvalidInput("max_evalue must be positive")

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> BaselineParams:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in payload.items() if k in known and v is not None}
        if "evidence_codes" in values:
            values["evidence_codes"] = tuple(c.strip().upper() for c in values["evidence_codes"] if c.strip())
        return cls(**values)


@dataclass
class BaselineResult:
    prediction_set_id: int
    method: str
    queries: int
    predictions: int
    references: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class _Annotation:
    accession: str
    term_id: int
    aspect: str
    qualifier: str | None
    evidence_code: str | None
    sequence_id: int


@dataclass(frozen=True)
class _Prediction:
    query: Protein
    term_id: int
    aspect: str
    score: float
    ref_accession: str | None = None
    identity: float | None = None
    qualifier: str | None = None
    evidence_code: str | None = None
    features: dict[str, Any] = field(default_factory=dict)


def _reference(session: Session, annotation_set_id: int, codes: Sequence[str]) -> list[_Annotation]:
    rows = session.execute(Q.reference_annotations, {"aset": annotation_set_id, "codes": list(codes)}).all()
    return [_Annotation(*r) for r in rows]


def naive_scores(session: Session, snapshot_id: int, annotations: list[_Annotation]) -> pd.DataFrame:
    """Per namespace, each term's frequency among the reference proteins annotated there (propagated).

    Returns columns term_id, aspect, score, proteins (how many reference proteins carry the term).
    """
    terms = session.execute(Q.snapshot_terms, {"snap": snapshot_id}).all()
    edges = session.execute(Q.snapshot_edges, {"snap": snapshot_id, "rels": list(PROPAGATING_RELATIONS)}).all()
    graph = graph_from_edges(
        [(str(tid), ASPECT_LABEL[aspect], ()) for tid, aspect in terms if aspect in ASPECT_LABEL],
        [(str(c), str(p)) for c, p in edges],
    )
    proteins = {a.accession: i for i, a in enumerate({a.accession: a for a in annotations}.values())}
    rows, cols = [], []
    for a in annotations:
        col = graph.primary.get(str(a.term_id))
        if col is not None:
            rows.append(proteins[a.accession])
            cols.append(col)
    if not rows:
        return pd.DataFrame({"term_id": [], "aspect": [], "score": [], "proteins": []})
    closed = graph.propagate_terms(np.asarray(rows), np.asarray(cols), len(proteins)).tocsc()
    carriers = np.diff(closed.indptr)  # proteins per term
    frames = []
    label_to_aspect = {v: k for k, v in ASPECT_LABEL.items()}
    for label, aspect in label_to_aspect.items():
        in_ns = np.flatnonzero(graph.namespace == label)
        annotated = np.unique(closed[:, in_ns].tocoo().row).size
        if not annotated:
            continue
        present = in_ns[carriers[in_ns] > 0]
        frames.append(
            pd.DataFrame(
                {
                    "term_id": [int(graph.ids[i]) for i in present],
                    "aspect": aspect,
                    "score": carriers[present] / annotated,
                    "proteins": carriers[present],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _naive(
    session: Session, snapshot_id: int, annotations: list[_Annotation], queries: list[Protein], params: BaselineParams
) -> list[_Prediction]:
    scores = naive_scores(session, snapshot_id, annotations)
    scores = scores[scores["score"] >= params.min_score]
    table = list(scores[["term_id", "aspect", "score"]].itertuples(index=False, name=None))
    return [
        _Prediction(q, int(t), a, float(s), features={"go_term_frequency": float(s)})
        for q in queries
        for t, a, s in table
    ]


def _search_sequence(sequence: str) -> str:
    return _NOT_BLOSUM.sub("X", sequence.upper())


def homology_hits(
    queries: list[Protein],
    references: list[Protein],
    sequences: dict[int, str],
    params: BaselineParams,
) -> list[list[tuple[int, float, float, int]]]:
    """Per query, its hits as (reference position, identity, E-value, score), best E-value first; the query
    itself and (with ``exclude_identical``) identical sequences are never hits (contract 4)."""
    import pyswrd

    per_query: list[list[tuple[int, float, float, int]]] = [[] for _ in queries]
    if not queries or not references:
        return per_query
    # Search for more than max_hits so that excluded (leaking) hits do not leave a query short.
    by_accession = {p.accession: i for i, p in enumerate(references)}
    hits = pyswrd.search(
        [_search_sequence(sequences[q.sequence_id]) for q in queries],
        [_search_sequence(sequences[p.sequence_id]) for p in references],
        max_alignments=params.max_hits + 2,
        max_evalue=params.max_evalue,
        algorithm="sw",
        threads=params.threads,
    )
    for hit in hits:
        query = queries[hit.query_index]
        ref = references[hit.target_index]
        if by_accession.get(query.accession) == hit.target_index:
            continue
        if params.exclude_identical and (
            ref.sequence_id == query.sequence_id or sequences[ref.sequence_id] == sequences[query.sequence_id]
        ):
            continue
        found = per_query[hit.query_index]
        if len(found) < params.max_hits:
            found.append((hit.target_index, float(hit.result.identity()), float(hit.evalue), int(hit.score)))
    return per_query


def _homology(
    annotations: list[_Annotation], queries: list[Protein], sequences: dict[int, str], params: BaselineParams
) -> tuple[list[_Prediction], list[tuple[Protein, int, str, float]]]:
    by_protein: dict[str, list[_Annotation]] = {}
    references: list[Protein] = []
    for a in annotations:
        if a.accession not in by_protein:
            references.append(Protein(a.accession, a.sequence_id, None))
        by_protein.setdefault(a.accession, []).append(a)
    hits = homology_hits(queries, references, sequences, params)
    predictions: list[_Prediction] = []
    neighbours: list[tuple[Protein, int, str, float]] = []
    for query, found in zip(queries, hits, strict=True):
        best: dict[int, tuple[float, _Annotation, tuple[int, float, float, int]]] = {}
        for rank, hit in enumerate(found, start=1):
            ref = references[hit[0]]
            neighbours.append((query, rank, ref.accession, 1.0 - hit[1]))
            for a in by_protein[ref.accession]:
                if a.term_id not in best or hit[1] > best[a.term_id][0]:
                    best[a.term_id] = (hit[1], a, hit)
        for term_id, (identity, a, hit) in best.items():
            predictions.append(
                _Prediction(
                    query,
                    term_id,
                    a.aspect,
                    identity,
                    ref_accession=a.accession,
                    identity=identity,
                    qualifier=a.qualifier,
                    evidence_code=a.evidence_code,
                    features={
                        "identity_sw": identity,
                        "alignment_score_sw": float(hit[3]),
                        "length_query": len(sequences[query.sequence_id]),
                        "length_ref": len(sequences[references[hit[0]].sequence_id]),
                    },
                )
            )
    return predictions, neighbours


def predict_baseline(
    method: str,
    annotation_set_id: int,
    identity: Identity,
    *,
    query_set: str | None = None,
    accessions: list[str] | None = None,
    params: BaselineParams | None = None,
    progress: ProgressReporter | None = None,
    job_id: Any = None,
) -> BaselineResult:
    """Make a Naive or homology prediction set for the queries against a reference annotation set."""
    require(identity, Role.CURATOR, "run predictions")
    if method not in METHODS:
        raise InvalidInput(f"unknown baseline {method!r}: choose {' or '.join(METHODS)}")
    params = params or BaselineParams()
    params.validate()
    progress = progress or ProgressReporter(None)
    if (query_set is None) == (not accessions):
        raise InvalidInput("choose a query set or a list of accessions")
    started = time.perf_counter()
    timings: dict[str, float] = {}
    with session_scope() as session:
        snapshot = session.execute(Q.annotation_set_snapshot, {"aset": annotation_set_id}).scalar()
        if snapshot is None:
            raise NotFound(f"no annotation set {annotation_set_id}")
        query_set_id, queries = query_set_queries(session, query_set) if query_set is not None else (None, None)
        if queries is None:
            queries = accession_queries(session, accessions or [])
        if not queries:
            raise InvalidInput("there are no queries to predict for")
        t0 = time.perf_counter()
        annotations = _reference(session, annotation_set_id, params.evidence_codes)
        if not annotations:
            raise InvalidInput(f"annotation set {annotation_set_id} has no transferable annotation to learn from")
        timings["load_reference"] = time.perf_counter() - t0
        progress.set_total(2)
        t0 = time.perf_counter()
        neighbours: list[tuple[Protein, int, str, float]] = []
        if method == "naive":
            predictions = _naive(session, snapshot, annotations, queries, params)
        else:
            seq_ids = {a.sequence_id for a in annotations} | {q.sequence_id for q in queries}
            sequences = sequences_of(session, seq_ids)
            predictions, neighbours = _homology(annotations, queries, sequences, params)
        timings[method] = time.perf_counter() - t0
        progress.advance()
        progress.check_cancelled()
        t0 = time.perf_counter()
        references = len({a.accession for a in annotations})
        set_id = _write(
            session, method, annotation_set_id, snapshot, query_set_id, params, identity, job_id,
            queries, references, predictions, neighbours,
        )  # fmt: skip
        timings["write"] = time.perf_counter() - t0
        progress.advance()
    return BaselineResult(
        prediction_set_id=set_id,
        method=method,
        queries=len(queries),
        predictions=len(predictions),
        references=references,
        seconds=time.perf_counter() - started,
        timings={k: round(v, 3) for k, v in timings.items()},
    )


def _write(
    session: Session,
    method: str,
    annotation_set_id: int,
    snapshot_id: int,
    query_set_id: int | None,
    params: BaselineParams,
    identity: Identity,
    job_id: Any,
    queries: list[Protein],
    references: int,
    predictions: list[_Prediction],
    neighbours: list[tuple[Protein, int, str, float]],
) -> int:
    recorded = {"method": method, "min_score": params.min_score} if method == "naive" else {
        "method": method, "max_hits": params.max_hits, "max_evalue": params.max_evalue, "search": "pyswrd sw",
    }  # fmt: skip
    set_id = session.execute(
        Q.insert_baseline_set,
        {
            "aset": annotation_set_id,
            "snap": snapshot_id,
            "qs": query_set_id,
            "k": params.max_hits if method == "homology" else None,
            "per_aspect": method == "naive",
            "exclude_identical": params.exclude_identical if method == "homology" else False,
            "codes": list(params.evidence_codes),
            "params": json.dumps(recorded),
            "nq": len(queries),
            "nr": references,
            "np": len(predictions),
            "job": job_id,
            "by": identity.user,
        },
    ).scalar_one()
    copy_rows(
        session,
        "prediction_neighbor",
        ["prediction_set_id", "protein_accession", "aspect", "rank", "ref_protein_accession", "distance"],
        ((set_id, q.accession, "*", rank, ref, distance) for q, rank, ref, distance in neighbours),
    )
    copy_rows(
        session,
        "go_prediction",
        [*BASE_COLUMNS, *FEATURE_COLUMNS],
        (
            (
                set_id, p.query.accession, p.query.sequence_id, p.term_id, p.aspect, p.ref_accession,
                None if p.identity is None else 1.0 - p.identity, min(1.0, max(0.0, p.score)), p.qualifier,
                p.evidence_code, *[p.features.get(column) for column in FEATURE_COLUMNS],
            )
            for p in predictions
        ),
    )  # fmt: skip
    return set_id


@operation("evaluation.baseline", title="Predict GO terms with a baseline", min_role=Role.CURATOR)
def baseline_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    """Job: ``method`` (naive | homology), ``annotation_set_id``, ``query_set`` or ``accessions``, optional
    BaselineParams fields. Not retry-safe: a rerun makes a second prediction set."""
    if payload.get("method") not in METHODS or payload.get("annotation_set_id") is None:
        raise InvalidInput("the payload needs a method (naive or homology) and an annotation set")
    result = predict_baseline(
        payload["method"],
        int(payload["annotation_set_id"]),
        identity,
        query_set=payload.get("query_set"),
        accessions=payload.get("accessions"),
        params=BaselineParams.from_payload(payload),
        progress=progress,
        job_id=progress.job_id,
    )
    return result.as_dict()
