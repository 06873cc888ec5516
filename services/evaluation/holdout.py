"""Evaluation sets: the CAFA temporal holdout between two annotation sets (NK, LK, PK ground truth).

Contract (per protein and namespace S in BPO/MFO/CCO; only annotations whose evidence code is in the set's
list, experimental by default):
1. Terms of both annotation sets are first mapped to the evaluation's snapshot (``term_mapping`` in
   queries.sql): the same id, else the term that lists it as an alt_id, else an obsolete term's replaced_by
   when there is exactly one. What cannot be mapped is dropped and counted in ``stats`` (per side, with
   examples), never silently.
2. A NOT-qualified annotation (in either release) removes that term and all its descendants (is_a, part_of)
   from the protein's positive annotations on both sides, before propagation.
3. Both releases are then propagated over is_a and part_of (the term itself and every ancestor).
4. gained(S) = new(S) − old(S). The protein is NK in S when it had no term in any namespace at the old
   release; LK when it had some, but none in S; PK when it had terms in S — those old terms in S are its
   **known** terms, stored beside the ground truth and excluded when scoring. Ground truth = gained(S).
5. Two annotation sets that share no protein at all (different proteomes) are refused with one sentence.
6. One unit of work: the set row, its ground truth, known terms and stats are written together or not at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.pg_copy import copy_rows
from services.errors import InvalidInput, NotFound
from services.evaluation.graph import TermGraph
from services.evaluation.models import CATEGORIES, NAMESPACES
from services.evaluation.snapshot_graph import SnapshotGraph, load_snapshot_graph
from services.jobs.progress import ProgressReporter
from services.ontology.snapshots import resolve_snapshot
from services.predictions.reference import EXPERIMENTAL_EVIDENCE

Q = sql_blocks.load(__file__)
DEFAULT_EVIDENCE: tuple[str, ...] = EXPERIMENTAL_EVIDENCE
MAPPING_KINDS = ("same", "alt_id", "replaced_by", "unmapped")


@dataclass(frozen=True)
class Holdout:
    """Ground truth (protein, term index, category, namespace) and known terms (protein, term index, namespace)."""

    ground_truth: pd.DataFrame
    known: pd.DataFrame
    removed_by_not: dict[str, int]


@dataclass
class EvaluationSetCreated:
    evaluation_set_id: int
    stats: dict[str, Any]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"seconds": round(self.seconds, 3)}


def _bool_matrix(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    data = np.ones(len(rows), dtype=np.float32)
    m = sp.csr_matrix((data, (rows, cols)), shape=shape)
    m.data[:] = 1.0  # duplicates summed: back to 0/1
    return m


def _positive(m: sp.csr_matrix) -> sp.csr_matrix:
    m = m.tocsr()
    m.data = (m.data > 0).astype(np.float32)
    m.eliminate_zeros()
    return m


def compute_holdout(graph: TermGraph, old: pd.DataFrame, new: pd.DataFrame) -> Holdout:
    """The pure holdout (points 2–4 of the module contract) over graph indices.

    ``old`` / ``new``: columns ``protein`` (str), ``term`` (graph index), ``negated`` (bool).
    """
    proteins, codes = np.unique(np.concatenate([old["protein"].to_numpy(str), new["protein"].to_numpy(str)]),
                                return_inverse=True)  # fmt: skip
    old_codes, new_codes = codes[: len(old)], codes[len(old) :]
    n_terms = len(graph.ids)
    shape = (len(proteins), n_terms)
    ancestors = graph.ancestors.astype(np.float32).tocsr()
    descendants = ancestors.T.tocsr()
    ns_names = np.asarray(graph.namespace)
    ns_code = _ns_codes(ns_names)

    old_neg = old["negated"].to_numpy(bool)
    new_neg = new["negated"].to_numpy(bool)
    negated = _bool_matrix(
        np.concatenate([old_codes[old_neg], new_codes[new_neg]]),
        np.concatenate([old["term"].to_numpy(np.int64)[old_neg], new["term"].to_numpy(np.int64)[new_neg]]),
        shape,
    )
    blocked = _positive(negated @ descendants)

    removed: dict[str, int] = {}

    def propagated(frame: pd.DataFrame, pcodes: np.ndarray, side: str) -> sp.csr_matrix:
        keep = ~frame["negated"].to_numpy(bool)
        direct = _bool_matrix(pcodes[keep], frame["term"].to_numpy(np.int64)[keep], shape)
        hit = direct.multiply(blocked).tocsr()
        hit.eliminate_zeros()
        removed[side] = int(hit.nnz)
        direct = _positive(direct - hit)
        return _positive(direct @ ancestors)

    old_prop = propagated(old, old_codes, "old")
    new_prop = propagated(new, new_codes, "new")
    gained = _positive(new_prop - new_prop.multiply(old_prop))

    onehot = sp.csr_matrix(
        (np.ones(n_terms, dtype=np.float32), (np.arange(n_terms), ns_code)), shape=(n_terms, len(NAMESPACES))
    )
    old_ns = np.asarray((old_prop @ onehot).todense()) > 0
    gained_ns = np.asarray((gained @ onehot).todense()) > 0
    old_any = old_ns.any(axis=1)

    g = gained.tocoo()
    g_ns = ns_code[g.col]
    category = np.where(~old_any[g.row], 0, np.where(~old_ns[g.row, g_ns], 1, 2))
    ground_truth = pd.DataFrame(
        {
            "protein": proteins[g.row],
            "term": g.col.astype(np.int64),
            "category": np.array(CATEGORIES)[category],
            "namespace": np.array(NAMESPACES)[g_ns],
        }
    )
    pk_pairs = old_ns & gained_ns
    o = old_prop.tocoo()
    o_ns = ns_code[o.col]
    keep = pk_pairs[o.row, o_ns]
    known = pd.DataFrame(
        {
            "protein": proteins[o.row[keep]],
            "term": o.col[keep].astype(np.int64),
            "namespace": np.array(NAMESPACES)[o_ns[keep]],
        }
    )
    return Holdout(ground_truth, known, removed)


def _ns_codes(names: np.ndarray) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(NAMESPACES)}
    return np.fromiter((lookup[str(n)] for n in names), dtype=np.int64, count=len(names))


# -- the database side -----------------------------------------------------------------------------------------


def annotation_set_snapshot(session: Session, annotation_set_id: int) -> int:
    row = session.execute(Q.annotation_set_by_id, {"id": annotation_set_id}).first()
    if row is None:
        raise NotFound(f"annotation set {annotation_set_id} does not exist")
    return int(row.ontology_snapshot_id)


def normalise_evidence(codes: Iterable[str] | None) -> tuple[str, ...]:
    if codes is None:
        return DEFAULT_EVIDENCE
    chosen = tuple(dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()))
    if not chosen:
        raise InvalidInput("choose at least one evidence code for the evaluation set")
    bad = [c for c in chosen if not c.isalnum() or len(c) > 5]
    if bad:
        raise InvalidInput(f"evidence code(s) {', '.join(bad)} are not GO evidence codes (e.g. EXP, IDA)")
    return chosen


def term_mapping(session: Session, term_ids: Sequence[int], snapshot_id: int) -> pd.DataFrame:
    """``term_ids`` (rows of any snapshot) → columns go_term_id, go_id, target_id (NULL: unmapped), how."""
    return pd.DataFrame(
        session.execute(Q.term_mapping, {"ids": [int(t) for t in term_ids], "dst": snapshot_id}).all(),
        columns=["go_term_id", "go_id", "target_id", "how"],
    )


def mapped_annotations(
    session: Session, annotation_set_id: int, sg: SnapshotGraph, codes: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The set's annotations with ``codes``, their terms mapped to ``sg``'s graph; and what mapping did."""
    used = list(session.execute(Q.annotation_terms, {"set": annotation_set_id, "codes": list(codes)}).scalars())
    mapping = term_mapping(session, used, sg.snapshot_id)
    rows = pd.DataFrame(
        session.execute(Q.evidence_annotations, {"set": annotation_set_id, "codes": list(codes)}).all(),
        columns=["protein", "go_term_id", "negated"],
    )
    rows = rows.merge(mapping, on="go_term_id", how="left")
    target = rows["target_id"].fillna(-1).to_numpy(np.int64)
    rows["term"] = sg.indices(target)
    outside = (rows["how"] != "unmapped") & (rows["term"] < 0)
    rows.loc[outside, "how"] = "outside_namespaces"
    counts = {k: int(v) for k, v in rows["how"].value_counts().items()}
    dropped = rows[rows["term"] < 0]
    info = {
        "annotations": int(len(rows)),
        "not_qualified": int(rows["negated"].sum()),
        "mapped": {k: counts.get(k, 0) for k in ("same", "alt_id", "replaced_by")},
        "dropped": {k: counts.get(k, 0) for k in ("unmapped", "outside_namespaces")},
        "dropped_examples": sorted(dropped["go_id"].dropna().unique().tolist())[:10],
    }
    kept = rows[rows["term"] >= 0][["protein", "term", "negated"]].reset_index(drop=True)
    return kept, info


def check_request(
    session: Session,
    *,
    old: int,
    new: int,
    ontology: int | str | None = None,
    evidence: Iterable[str] | None = None,
) -> tuple[int, tuple[str, ...]]:
    """Refuse a request that cannot make an evaluation set (one sentence); returns (snapshot, evidence codes).

    Pages call it before queuing the job, so bad input is answered at once rather than in a failed job."""
    if old == new:
        raise InvalidInput("the old and the new annotation set must be different sets")
    annotation_set_snapshot(session, old)
    new_snapshot = annotation_set_snapshot(session, new)
    snapshot = resolve_snapshot(session, ontology) if ontology not in (None, "") else new_snapshot
    codes = normalise_evidence(evidence)
    if not session.execute(Q.shared_proteins, {"old": old, "new": new}).scalar():
        raise InvalidInput(
            f"annotation sets {old} and {new} share no protein (different proteomes?): "
            "an evaluation set needs two releases over the same proteins"
        )
    return snapshot, codes


def create_evaluation_set(
    session: Session,
    identity: Identity,
    *,
    old: int,
    new: int,
    ontology: int | str | None = None,
    evidence: Iterable[str] | None = None,
    name: str | None = None,
    progress: ProgressReporter | None = None,
    job_id: Any = None,
) -> EvaluationSetCreated:
    """Compute and store the holdout between annotation sets ``old`` and ``new`` (see the module contract)."""
    require(identity, Role.LEAD, "create evaluation sets")
    started = time.perf_counter()
    snapshot, codes = check_request(session, old=old, new=new, ontology=ontology, evidence=evidence)

    def phase(message: str) -> None:
        if progress is not None:
            progress.event("phase", message)
            progress.check_cancelled()

    phase("reading the ontology snapshot")
    sg = load_snapshot_graph(session, snapshot)
    phase("mapping and propagating annotations")
    old_rows, old_info = mapped_annotations(session, old, sg, codes)
    new_rows, new_info = mapped_annotations(session, new, sg, codes)
    holdout = compute_holdout(sg.graph, old_rows, new_rows)
    old_info["removed_by_not"] = holdout.removed_by_not["old"]
    new_info["removed_by_not"] = holdout.removed_by_not["new"]

    phase("storing the ground truth")
    set_id = int(
        session.execute(
            Q.insert_evaluation_set,
            {
                "name": name,
                "old": old,
                "new": new,
                "s": snapshot,
                "codes": list(codes),
                "stats": "{}",
                "job": job_id,
                "by": identity.user,
            },
        ).scalar_one()
    )
    gt = holdout.ground_truth
    copy_rows(
        session,
        "evaluation_ground_truth",
        ("evaluation_set_id", "protein_accession", "go_term_id", "category", "namespace"),
        zip(
            [set_id] * len(gt),
            gt["protein"].tolist(),
            sg.term_ids[gt["term"].to_numpy()].tolist(),
            gt["category"].tolist(),
            gt["namespace"].tolist(),
            strict=True,
        ),
    )
    kn = holdout.known
    copy_rows(
        session,
        "evaluation_known_term",
        ("evaluation_set_id", "protein_accession", "go_term_id", "namespace"),
        zip(
            [set_id] * len(kn),
            kn["protein"].tolist(),
            sg.term_ids[kn["term"].to_numpy()].tolist(),
            kn["namespace"].tolist(),
            strict=True,
        ),  # fmt: skip
    )
    stats = {
        "ontology_snapshot_id": snapshot,
        "evidence_codes": list(codes),
        "categories": _category_counts(session, set_id),
        "known": _known_counts(session, set_id),
        "delta_proteins": int(gt["protein"].nunique()),
        "old": old_info,
        "new": new_info,
    }
    session.execute(Q.update_evaluation_set_stats, {"id": set_id, "stats": json.dumps(stats)})
    if progress is not None:
        progress.event("done", f"evaluation set {set_id}: {stats['delta_proteins']:,} proteins with new terms")
    return EvaluationSetCreated(set_id, stats, time.perf_counter() - started)


def _category_counts(session: Session, set_id: int) -> dict[str, dict[str, dict[str, int]]]:
    counts = {c: {ns: {"proteins": 0, "annotations": 0} for ns in NAMESPACES} for c in CATEGORIES}
    for category, namespace, proteins, rows in session.execute(Q.ground_truth_counts, {"id": set_id}):
        counts[category][namespace] = {"proteins": int(proteins), "annotations": int(rows)}
    return counts


def _known_counts(session: Session, set_id: int) -> dict[str, dict[str, int]]:
    counts = {ns: {"proteins": 0, "annotations": 0} for ns in NAMESPACES}
    for namespace, proteins, rows in session.execute(Q.known_counts, {"id": set_id}):
        counts[namespace] = {"proteins": int(proteins), "annotations": int(rows)}
    return counts
