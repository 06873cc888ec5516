"""A prediction run: queries × the embedded, annotated proteins of a reference annotation set.

Contract:
1. Needs the curator role. Queries are a query set (by name) or catalog accessions; query sequences
   without vectors under the config are embedded first (``embed_missing``), reference proteins are used
   only if they already have vectors.
2. Leakage: a query never has itself (same accession) as a neighbour, and by default
   (``exclude_identical``) no reference protein with an identical sequence either.
3. Neighbours: exact KNN (``engine`` numpy or faiss; ``hnsw`` approximate) with ``metric`` and ``k``;
   neighbours beyond ``distance_threshold`` are dropped; with ``per_aspect`` the search runs separately
   over the references annotated in each aspect (F, P, C) and transfers only that aspect's terms.
4. Transfer and features: ``transfer.transfer_terms``; alignments (parasail NW and SW) for each predicted
   (query, reference) pair when ``alignments`` is on; taxonomy when ``taxdump`` names an NCBI dump.
5. One unit of work: the prediction set, its neighbours, predictions and their columnar copy
   (``columns.build_copy``) are written together (COPY) or not at all; a cancel stops it at the next block of
   queries.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.engine import session_scope
from services.db.pg_copy import copy_rows
from services.embeddings.compute import EmbedTarget, compute_embeddings
from services.embeddings.configs import get_config
from services.errors import InvalidInput, NotFound
from services.jobs.progress import ProgressReporter
from services.predictions.alignment import align_global, align_local
from services.predictions.columns import build_copy
from services.predictions.knn import ENGINES, METRICS, exact_knn
from services.predictions.reference import (
    EXPERIMENTAL_EVIDENCE,
    Protein,
    Reference,
    accession_queries,
    load_reference,
    query_set_queries,
    sequence_vectors,
    sequences_of,
)
from services.predictions.taxonomy import load_taxonomy
from services.predictions.transfer import Neighbor, TermPrediction, transfer_terms

Q = sql_blocks.load(__file__)
ASPECTS = ("F", "P", "C")
ALL_ASPECTS = "*"
QUERY_BLOCK = 512


@dataclass(frozen=True)
class PredictParams:
    k: int = 5
    metric: str = "cosine"
    distance_threshold: float | None = None
    per_aspect: bool = False
    exclude_identical: bool = True
    evidence_codes: tuple[str, ...] = EXPERIMENTAL_EVIDENCE
    engine: str = "numpy"
    alignments: bool = True
    taxdump: str | None = None
    embed_missing: bool = True
    device: str = "auto"

    def validate(self) -> None:
        if self.k < 1:
            raise InvalidInput("k must be at least 1")
        if self.metric not in METRICS:
            raise InvalidInput(f"unknown metric {self.metric!r}: choose cosine or l2")
        if self.engine not in ENGINES:
            raise InvalidInput(f"unknown search engine {self.engine!r}: choose {', '.join(ENGINES)}")
        if not self.evidence_codes:
            raise InvalidInput("choose at least one evidence code to transfer")

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> PredictParams:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in payload.items() if k in known and v is not None}
        if "evidence_codes" in values:
            values["evidence_codes"] = tuple(c.strip().upper() for c in values["evidence_codes"] if c.strip())
        return cls(**values)


@dataclass
class PredictResult:
    prediction_set_id: int
    queries: int
    predictions: int
    references: int
    seconds: float
    embedded: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"seconds": round(self.seconds, 3)}


@dataclass
class _Row:
    query: Protein
    prediction: TermPrediction


def predict(
    config: str | int,
    annotation_set_id: int,
    identity: Identity,
    *,
    query_set: str | None = None,
    accessions: list[str] | None = None,
    params: PredictParams | None = None,
    progress: ProgressReporter | None = None,
    job_id: Any = None,
) -> PredictResult:
    require(identity, Role.CURATOR, "run predictions")
    params = params or PredictParams()
    params.validate()
    progress = progress or ProgressReporter(None)
    if (query_set is None) == (not accessions):
        raise InvalidInput("choose a query set or a list of accessions")
    started = time.perf_counter()
    timings: dict[str, float] = {}
    with session_scope() as session:
        cfg = get_config(session, config)
        snapshot = session.execute(Q.snapshot_of_annotation_set, {"id": annotation_set_id}).scalar()
        if snapshot is None:
            raise NotFound(f"no annotation set {annotation_set_id}")
        query_set_id, queries = query_set_queries(session, query_set) if query_set is not None else (None, None)
        if queries is None:
            queries = accession_queries(session, accessions or [])
    if not queries:
        raise InvalidInput("there are no queries to predict for")
    embedded = 0
    if params.embed_missing:
        target = EmbedTarget(sequence_ids=tuple(q.sequence_id for q in queries))
        embedded = compute_embeddings(cfg.id, target, identity, device=params.device).computed

    with session_scope() as session:
        t0 = time.perf_counter()
        ref = load_reference(session, annotation_set_id, cfg.id, params.evidence_codes)
        timings["load_reference"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        seq_ids = {p.sequence_id for p in ref.proteins} | {q.sequence_id for q in queries}
        vectors = sequence_vectors(session, cfg.id, sorted(seq_ids))
        timings["load_vectors"] = time.perf_counter() - t0
        missing = [q.accession for q in queries if q.sequence_id not in vectors]
        if missing:
            raise InvalidInput(
                f"{len(missing)} queries have no vectors under {cfg.name!r} (e.g. {missing[0]}): embed them first"
            )
        t0 = time.perf_counter()
        neighbours, rows = _search_and_transfer(queries, ref, vectors, params, progress)
        timings["search_transfer"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        features = _pair_features(session, rows, ref, params)
        timings["features"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        set_id = _write(
            session, cfg.id, annotation_set_id, snapshot, query_set_id, params, identity, job_id,
            queries, ref, neighbours, rows, features,
        )  # fmt: skip
        timings["write"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        build_copy(session, set_id)  # the columnar copy, from the rows just written (columns.py, contract 2)
        timings["columnar_copy"] = time.perf_counter() - t0
    return PredictResult(
        prediction_set_id=set_id,
        queries=len(queries),
        predictions=len(rows),
        references=len(ref.proteins),
        seconds=time.perf_counter() - started,
        embedded=embedded,
        timings={k: round(v, 3) for k, v in timings.items()},
    )


def _exclusions(queries: list[Protein], subset: list[int], ref: Reference, identical: bool) -> list[list[int]]:
    """Per query, the positions in ``subset`` it may not have as neighbours (contract 2)."""
    by_seq: dict[int, list[int]] = {}
    by_acc: dict[str, int] = {}
    for pos, row in enumerate(subset):
        protein = ref.proteins[row]
        by_seq.setdefault(protein.sequence_id, []).append(pos)
        by_acc[protein.accession] = pos
    result = []
    for q in queries:
        banned = set(by_seq.get(q.sequence_id, ())) if identical else set()
        if q.accession in by_acc:
            banned.add(by_acc[q.accession])
        result.append(sorted(banned))
    return result


def _search_and_transfer(
    queries: list[Protein],
    ref: Reference,
    vectors: dict[int, np.ndarray],
    params: PredictParams,
    progress: ProgressReporter,
) -> tuple[list[tuple[Protein, str, Neighbor]], list[_Row]]:
    searches: list[tuple[str, list[int]]]
    all_rows = list(range(len(ref.proteins)))
    if params.per_aspect:
        searches = [
            (aspect, [r for r in all_rows if any(a.aspect == aspect for a in ref.terms.get(r, ()))])
            for aspect in ASPECTS
        ]
    else:
        searches = [(ALL_ASPECTS, all_rows)]
    progress.set_total(len(queries) * len(searches))
    neighbours: list[tuple[Protein, str, Neighbor]] = []
    rows: list[_Row] = []
    q_matrix = np.stack([vectors[q.sequence_id] for q in queries]) if queries else np.zeros((0, 1))
    for aspect, subset in searches:
        if not subset:
            progress.advance(len(queries))
            continue
        r_matrix = np.stack([vectors[ref.proteins[r].sequence_id] for r in subset])
        excluded = _exclusions(queries, subset, ref, params.exclude_identical)
        for start in range(0, len(queries), QUERY_BLOCK):
            progress.check_cancelled()
            stop = start + QUERY_BLOCK
            dist, idx = exact_knn(
                q_matrix[start:stop], r_matrix, params.k, metric=params.metric,
                exclude=excluded[start:stop], engine=params.engine,
            )  # fmt: skip
            for offset, query in enumerate(queries[start:stop]):
                found = [
                    Neighbor(rank + 1, subset[int(i)], float(d))
                    for rank, (d, i) in enumerate(zip(dist[offset], idx[offset], strict=True))
                    if i >= 0 and (params.distance_threshold is None or d <= params.distance_threshold)
                ]
                neighbours.extend((query, aspect, nb) for nb in found)
                only = None if aspect == ALL_ASPECTS else aspect
                for prediction in transfer_terms(found, ref.terms, ref.term_frequency, params.metric, only):
                    rows.append(_Row(query, prediction))
            progress.advance(len(queries[start:stop]))
    return neighbours, rows


def _pair_features(
    session: Session, rows: list[_Row], ref: Reference, params: PredictParams
) -> dict[tuple[str, int], dict[str, Any]]:
    """Alignment, length and taxonomy features per (query index, reference row) pair."""
    pairs = {(r.query.accession, r.prediction.ref): r for r in rows}
    sequences = sequences_of(
        session,
        [r.query.sequence_id for r in pairs.values()] + [ref.proteins[k[1]].sequence_id for k in pairs],
    )
    taxonomy = load_taxonomy(params.taxdump) if params.taxdump else None
    features: dict[tuple[str, int], dict[str, Any]] = {}
    aligned: dict[tuple[str, int], dict[str, Any]] = {}
    for key, row in pairs.items():
        protein = ref.proteins[key[1]]
        q_seq, r_seq = sequences[row.query.sequence_id], sequences[protein.sequence_id]
        values: dict[str, Any] = {"length_query": len(q_seq), "length_ref": len(r_seq)}
        if params.alignments:
            seq_key = (row.query.sequence_id, protein.sequence_id)
            if seq_key not in aligned:
                nw, sw = align_global(q_seq, r_seq), align_local(q_seq, r_seq)
                aligned[seq_key] = {
                    f"{name}_{suffix}": getattr(result, attr)
                    for suffix, result in (("nw", nw), ("sw", sw))
                    for name, attr in (
                        ("identity", "identity"), ("similarity", "similarity"), ("alignment_score", "score"),
                        ("gaps_pct", "gaps_pct"), ("alignment_length", "length"),
                    )
                }  # fmt: skip
            values |= aligned[seq_key]
        if taxonomy is not None:
            values |= {"query_taxonomy_id": row.query.taxonomy_id, "ref_taxonomy_id": protein.taxonomy_id}
            tax = taxonomy.compare(row.query.taxonomy_id, protein.taxonomy_id)
            if tax is not None:
                values |= {
                    "taxonomic_lca": tax.lca,
                    "taxonomic_distance": tax.distance,
                    "taxonomic_common_ancestors": tax.common_ancestors,
                    "taxonomic_relation": tax.relation,
                }
        features[key] = values
    return features


FEATURE_COLUMNS = (
    "identity_nw", "similarity_nw", "alignment_score_nw", "gaps_pct_nw", "alignment_length_nw",
    "identity_sw", "similarity_sw", "alignment_score_sw", "gaps_pct_sw", "alignment_length_sw",
    "length_query", "length_ref",
    "query_taxonomy_id", "ref_taxonomy_id", "taxonomic_lca", "taxonomic_distance",
    "taxonomic_common_ancestors", "taxonomic_relation",
    "vote_count", "k_position", "go_term_frequency", "ref_annotation_density", "neighbor_distance_std",
    "neighbor_vote_fraction", "neighbor_min_distance", "neighbor_mean_distance",
)  # fmt: skip
BASE_COLUMNS = (
    "prediction_set_id", "protein_accession", "query_sequence_id", "go_term_id", "aspect",
    "ref_protein_accession", "distance", "score", "qualifier", "evidence_code",
)  # fmt: skip


def _write(
    session: Session,
    config_id: int,
    annotation_set_id: int,
    snapshot_id: int,
    query_set_id: int | None,
    params: PredictParams,
    identity: Identity,
    job_id: Any,
    queries: list[Protein],
    ref: Reference,
    neighbours: list[tuple[Protein, str, Neighbor]],
    rows: list[_Row],
    features: dict[tuple[str, int], dict[str, Any]],
) -> int:
    set_id = session.execute(
        Q.insert_prediction_set,
        {
            "cfg": config_id,
            "aset": annotation_set_id,
            "snap": snapshot_id,
            "qs": query_set_id,
            "k": params.k,
            "metric": params.metric,
            "thr": params.distance_threshold,
            "pa": params.per_aspect,
            "ei": params.exclude_identical,
            "codes": list(params.evidence_codes),
            "params": _json({"engine": params.engine, "alignments": params.alignments, "taxdump": params.taxdump}),
            "nq": len(queries),
            "nr": len(ref.proteins),
            "np": len(rows),
            "job": job_id,
            "by": identity.user,
        },
    ).scalar_one()
    copy_rows(
        session,
        "prediction_neighbor",
        ["prediction_set_id", "protein_accession", "aspect", "rank", "ref_protein_accession", "distance"],
        (
            (set_id, q.accession, aspect, nb.rank, ref.proteins[nb.ref].accession, nb.distance)
            for q, aspect, nb in neighbours
        ),
    )
    copy_rows(
        session,
        "go_prediction",
        [*BASE_COLUMNS, *FEATURE_COLUMNS],
        (
            (
                set_id, r.query.accession, r.query.sequence_id, p.go_term_id, p.aspect,
                ref.proteins[p.ref].accession, p.distance, p.score, p.qualifier, p.evidence_code,
                *_feature_values(features.get((r.query.accession, p.ref), {}) | p.features),
            )
            for r in rows
            for p in (r.prediction,)
        ),
    )  # fmt: skip
    return set_id


def _feature_values(values: dict[str, Any]) -> list[Any]:
    return [values.get(column) for column in FEATURE_COLUMNS]


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data)
