"""Annotation transfer from neighbours, and the re-ranker features of each transferred term.

One function, ``transfer_terms``, turns a query's ranked neighbours into predicted terms; prediction and
re-ranker training both call it, so the features are computed the same way in both.

Contract:
1. Only the reference annotations handed in are transferred: the caller has already dropped
   NOT-qualified ones and applied the evidence filter (``reference.load_reference``).
2. A term is predicted once per query, from the closest neighbour that carries it (its reference protein,
   distance, qualifier and evidence code); ties go to the better rank.
3. Features over the neighbours that carry the term (the voters), for ``n`` neighbours in all:
   ``vote_count``, ``k_position`` (1-based rank of the closest voter), ``go_term_frequency`` (share of
   reference proteins annotated with the term), ``ref_annotation_density`` (transferable terms of the
   closest voter), ``neighbor_distance_std`` (population std of the voters' distances),
   ``neighbor_vote_fraction`` (``vote_count / n``), ``neighbor_min_distance``, ``neighbor_mean_distance``.
4. ``score`` is in [0, 1]: ``1 - distance`` clipped for cosine (the cosine similarity), ``1 / (1 + d)``
   for L2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class RefAnnotation:
    go_term_id: int
    aspect: str
    qualifier: str | None
    evidence_code: str


@dataclass(frozen=True)
class Neighbor:
    rank: int  # 1-based
    ref: int  # row of the reference table
    distance: float


@dataclass
class TermPrediction:
    go_term_id: int
    aspect: str
    ref: int
    distance: float
    score: float
    qualifier: str | None
    evidence_code: str
    features: dict[str, float | int] = field(default_factory=dict)


def score_of(distance: float, metric: str) -> float:
    if metric == "cosine":
        return float(min(1.0, max(0.0, 1.0 - distance)))
    return float(1.0 / (1.0 + max(distance, 0.0)))


def transfer_terms(
    neighbors: Sequence[Neighbor],
    ref_terms: Mapping[int, Sequence[RefAnnotation]],
    term_frequency: Mapping[int, float],
    metric: str,
    aspect: str | None = None,
) -> list[TermPrediction]:
    voters: dict[int, list[tuple[Neighbor, RefAnnotation]]] = {}
    for nb in sorted(neighbors, key=lambda n: n.rank):
        for ann in ref_terms.get(nb.ref, ()):
            if aspect is not None and ann.aspect != aspect:
                continue
            votes = voters.setdefault(ann.go_term_id, [])
            if not votes or votes[-1][0].ref != nb.ref:
                votes.append((nb, ann))
    predictions = []
    n = len(neighbors)
    for term, votes in voters.items():
        best, ann = votes[0]
        distances = np.array([v[0].distance for v in votes], dtype=np.float64)
        features = {
            "vote_count": len(votes),
            "k_position": best.rank,
            "go_term_frequency": float(term_frequency.get(term, 0.0)),
            "ref_annotation_density": len(ref_terms.get(best.ref, ())),
            "neighbor_distance_std": float(distances.std()),
            "neighbor_vote_fraction": len(votes) / n if n else 0.0,
            "neighbor_min_distance": float(distances.min()),
            "neighbor_mean_distance": float(distances.mean()),
        }
        predictions.append(
            TermPrediction(
                go_term_id=term,
                aspect=ann.aspect,
                ref=best.ref,
                distance=float(best.distance),
                score=score_of(best.distance, metric),
                qualifier=ann.qualifier,
                evidence_code=ann.evidence_code,
                features=features,
            )
        )
    predictions.sort(key=lambda p: (-p.score, p.go_term_id))
    return predictions
