"""Information accretion (IA) per ontology snapshot: read from a file or computed from an annotation set.

Contract:
1. A file has two tab- or space-separated columns per line, a GO id and its IA (a finite number ≥ 0); blank
   lines and ``#`` comments are skipped. Anything else — a third column, a bad id, a negative or non-numeric
   IA, a term given twice, no rows at all — is an ``InputFileError`` naming the file and the line; nothing
   is stored.
2. Computed: IA(t) = −log2 P(t | all parents of t) = −log2 (n(t) / n(all parents of t)), where n counts
   the proteins of the annotation set (evidence filter and NOT rule of ``holdout``, terms mapped to the
   snapshot) carrying the term after propagation over is_a and part_of. Parents are the direct is_a /
   part_of parents within the term's namespace (the graph's ``parents``). A root (no parents) or a term no
   protein carries gets 0.
3. An IA table is stored once per (snapshot, name): asking again for the same file content or the same
   annotation set and evidence returns the stored one.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.pg_copy import copy_rows
from services.errors import InputFileError, NotFound
from services.evaluation.graph import TermGraph
from services.evaluation.holdout import annotation_set_snapshot, mapped_annotations, normalise_evidence
from services.evaluation.snapshot_graph import fetch_tuples, load_snapshot_graph

Q = sql_blocks.load(__file__)
_GO_ID = re.compile(r"^GO:\d{7}$")


@dataclass(frozen=True)
class IATable:
    id: int
    ontology_snapshot_id: int
    name: str
    source: str
    term_count: int

    def label(self) -> str:
        return f"{self.name} ({self.term_count:,} terms)"


def read_ia_file(path: str | Path) -> dict[str, float]:
    """Parse an IA file (point 1 of the module contract)."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError as exc:
        raise InputFileError(str(path), None, "no such file") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(str(path), None, "not a text file") from exc
    values: dict[str, float] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise InputFileError(str(path), number, f"expected two columns (term, IA), found {len(parts)}")
        term, value = parts
        if not _GO_ID.match(term):
            raise InputFileError(str(path), number, f"{term!r} is not a GO id (GO:0000000)")
        try:
            ia = float(value)
        except ValueError:
            raise InputFileError(str(path), number, f"IA {value!r} is not a number") from None
        if not math.isfinite(ia) or ia < 0:
            raise InputFileError(str(path), number, f"IA {value!r} must be a finite number ≥ 0")
        if term in values:
            raise InputFileError(str(path), number, f"{term} is given twice")
        values[term] = ia
    if not values:
        raise InputFileError(str(path), None, "no IA rows (two columns: term, IA)")
    return values


def compute_information_accretion(graph: TermGraph, annotations: pd.DataFrame) -> dict[str, float]:
    """IA of every term of ``graph`` from ``annotations`` (columns protein, term index, negated)."""
    from services.evaluation.holdout import compute_holdout

    empty = annotations.iloc[0:0]
    # The holdout's NOT rule and propagation, with the annotations as the "new" release and nothing old:
    # every propagated (protein, term) becomes NK ground truth.
    propagated = compute_holdout(graph, empty, annotations).ground_truth
    proteins, rows = np.unique(propagated["protein"].to_numpy(str), return_inverse=True)
    n_terms = len(graph.ids)
    carried = sp.csc_matrix(
        (np.ones(len(rows), dtype=bool), (rows, propagated["term"].to_numpy(np.int64))),
        shape=(len(proteins), n_terms),
    )
    counts = np.diff(carried.indptr)
    parents = graph.parents.tocsr()
    ia = np.zeros(n_terms, dtype=np.float64)
    for term in np.flatnonzero(counts):
        ps = parents.indices[parents.indptr[term] : parents.indptr[term + 1]]
        if len(ps) == 0:
            continue
        if len(ps) == 1:
            with_parents = counts[ps[0]]
        else:
            columns = sorted((carried.indices[carried.indptr[p] : carried.indptr[p + 1]] for p in ps), key=len)
            common = columns[0]
            for other in columns[1:]:
                common = np.intersect1d(common, other, assume_unique=True)
            with_parents = len(common)
        ia[term] = -math.log2(counts[term] / with_parents) if with_parents else 0.0
    return {graph.ids[i]: float(max(ia[i], 0.0)) for i in range(n_terms)}


def _store(
    session: Session,
    identity: Identity,
    snapshot_id: int,
    name: str,
    source: str,
    values: dict[str, float],
    *,
    annotation_set_id: int | None = None,
    source_file: str | None = None,
    stats: dict | None = None,
) -> IATable:
    import json

    row = session.execute(
        Q.insert_ia_set,
        {
            "s": snapshot_id,
            "name": name,
            "source": source,
            "aset": annotation_set_id,
            "file": source_file,
            "n": len(values),
            "stats": json.dumps(stats or {}),
            "by": identity.user,
        },
    ).one()
    copy_rows(
        session,
        "information_accretion",
        ("information_accretion_set_id", "go_id", "ia"),
        ((row.id, term, ia) for term, ia in values.items()),
    )
    return IATable(int(row.id), snapshot_id, name, source, len(values))


def _existing(session: Session, snapshot_id: int, name: str) -> IATable | None:
    row = session.execute(Q.ia_set_by_name, {"s": snapshot_id, "name": name}).first()
    return None if row is None else IATable(int(row.id), snapshot_id, row.name, row.source, int(row.term_count))


def ia_from_file(session: Session, identity: Identity, snapshot_id: int, path: str | Path) -> IATable:
    """Store the IA file for the snapshot (or return the table already stored for the same content)."""
    require(identity, Role.LEAD, "store information accretion")
    values = read_ia_file(path)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    name = f"{Path(path).name} ({digest})"
    known = _existing(session, snapshot_id, name)
    if known is not None:
        return known
    graph_terms = set(session.execute(Q.snapshot_go_ids, {"s": snapshot_id}).scalars())
    stats = {"not_in_snapshot": sum(1 for t in values if t not in graph_terms)}
    return _store(session, identity, snapshot_id, name, "file", values, source_file=str(path), stats=stats)


def ia_from_annotation_set(
    session: Session,
    identity: Identity,
    annotation_set_id: int,
    *,
    snapshot_id: int | None = None,
    evidence: Iterable[str] | None = None,
) -> IATable:
    """Compute (or return the stored) IA of the snapshot's terms from an annotation set."""
    require(identity, Role.LEAD, "compute information accretion")
    own_snapshot = annotation_set_snapshot(session, annotation_set_id)
    snapshot_id = snapshot_id or own_snapshot
    codes = normalise_evidence(evidence)
    name = f"annotation set {annotation_set_id} ({', '.join(codes)})"
    known = _existing(session, snapshot_id, name)
    if known is not None:
        return known
    sg = load_snapshot_graph(session, snapshot_id)
    frame, info = mapped_annotations(session, annotation_set_id, sg, codes)
    values = compute_information_accretion(sg.graph, frame)
    return _store(
        session, identity, snapshot_id, name, "annotation_set", values, annotation_set_id=annotation_set_id,
        stats={"annotations": info},
    )  # fmt: skip


def load_ia(session: Session, ia_set_id: int) -> dict[str, float]:
    rows = fetch_tuples(session, "ia_values", {"id": ia_set_id})
    if not rows and session.execute(Q.ia_set_by_id, {"id": ia_set_id}).first() is None:
        raise NotFound(f"no information accretion table with id {ia_set_id}")
    return {go_id: float(ia) for go_id, ia in rows}


def list_ia_tables(session: Session, snapshot_id: int | None = None) -> list[IATable]:
    return [
        IATable(int(r.id), int(r.ontology_snapshot_id), r.name, r.source, int(r.term_count))
        for r in session.execute(Q.list_ia_sets, {"s": snapshot_id})
    ]


def resolve_ia_choice(
    session: Session, identity: Identity, evaluation_set_id: int, choice: dict | None
) -> IATable | None:
    """The IA table an evaluation asked for: ``{"file": PATH}``, ``{"annotation_set": ID}`` or ``{"table": ID}``
    (stored for the evaluation set's snapshot), or None."""
    if not choice:
        return None
    snapshot = session.execute(Q.evaluation_set_snapshot, {"id": evaluation_set_id}).scalar()
    if snapshot is None:
        raise NotFound(f"evaluation set {evaluation_set_id} does not exist")
    if choice.get("file"):
        return ia_from_file(session, identity, snapshot, choice["file"])
    if choice.get("annotation_set") is not None:
        return ia_from_annotation_set(session, identity, int(choice["annotation_set"]), snapshot_id=snapshot)
    if choice.get("table") is not None:
        table = next((t for t in list_ia_tables(session, snapshot) if t.id == int(choice["table"])), None)
        if table is None:
            raise NotFound(f"no IA table {choice['table']} for the snapshot of evaluation set {evaluation_set_id}")
        return table
    return None
