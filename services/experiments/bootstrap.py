"""Paired bootstrap over the common target proteins: Fmax (or weighted F) of each run with a confidence interval,
and the difference of each run to a baseline with its interval.

Contract:
1. Per-protein scores. For one category's ground truth (and known terms for PK) and one run's predictions,
   ``protein_scores`` gives, per namespace, each counted protein's precision and recall at every threshold, with
   the rules of the CAFA evaluator (``services.evaluation.cafa``: same ground-truth preparation through its
   public ``prepare``, max propagation of predictions, terms scored, known terms removed, IA weights when
   weighted). Summed over all proteins they reproduce the evaluator's curve, so the point estimate is the stored
   Fmax (tested). Only ``prop = "max"`` is supported: ``fill`` is refused with a sentence.
2. Resampling. Proteins are drawn with replacement ``resamples`` times (1,000 by default) from the proteins
   every run has in common, with ``numpy.random.default_rng(seed)`` (and the cell's position): the same seed
   gives the same intervals. The same draw is applied to every run (paired), so a run compared with itself
   differs by exactly 0 in every resample.
3. On each resample the curve is recomputed from the drawn proteins (precision averaged over drawn proteins
   with a prediction, recall over drawn proteins counted in the denominator, for ``norm = "cafa"``; ``pred`` and
   ``gt`` as the evaluator) and its maximum F taken. Intervals are percentile intervals (2.5 % and 97.5 % for
   95 %). Resampled sums are one float32 matrix product per run and chunk of resamples (draw counts are exact;
   sums keep about 7 significant digits); point estimates are float64.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from services.errors import InvalidInput
from services.evaluation.cafa import EvalOptions, PreparedTruth, prepare
from services.evaluation.graph import TermGraph

DEFAULT_RESAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95
_CHUNK = 250


@dataclass(frozen=True)
class ProteinScores:
    """One run in one namespace: per counted protein (columns) and threshold (rows)."""

    targets: tuple[str, ...]
    taus: np.ndarray
    precision: np.ndarray  # (n_tau, m): tp / predicted where predicted, else 0
    recall: np.ndarray  # (n_tau, m): tp / ground truth where it has ground truth, else 0
    predicted: np.ndarray  # (n_tau, m) bool: the protein has a prediction at the threshold
    counted: np.ndarray  # (m,) bool: the protein counts in the denominator ne

    def align(self, targets: Sequence[str]) -> ProteinScores:
        """The same scores over ``targets`` (each must be one of ours), in that order."""
        position = {t: i for i, t in enumerate(self.targets)}
        idx = np.fromiter((position[t] for t in targets), dtype=np.int64, count=len(targets))
        return ProteinScores(
            tuple(targets), self.taus, self.precision[:, idx], self.recall[:, idx], self.predicted[:, idx],
            self.counted[idx],
        )  # fmt: skip


def _resolve_terms(graph: TermGraph, terms: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(input position, term index) for every input term the graph knows (an alt_id expands to its terms)."""
    codes, uniques = pd.factorize(terms.astype(str), sort=False)
    resolved = [graph.resolve(t) for t in uniques]
    positions, indices = [], []
    for code, found in enumerate(resolved):
        if not found:
            continue
        at = np.flatnonzero(codes == code)
        for index in found:
            positions.append(at)
            indices.append(np.full(len(at), index, dtype=np.int64))
    if not positions:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(positions), np.concatenate(indices)


def _group_max(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else np.zeros(0, int)
    return keys[starts], (np.maximum.reduceat(values, starts) if len(starts) else values[:0])


def _propagate_max(graph: TermGraph, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray):
    """Every (row, ancestor) with the highest score among the row's scored descendants (COO arrays)."""
    anc = graph.ancestors
    n = np.int64(len(graph))
    counts = np.diff(anc.indptr)[cols]
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    anc_cols = anc.indices[np.repeat(anc.indptr[cols], counts) + offsets].astype(np.int64)
    keys, best = _group_max(np.repeat(rows, counts) * n + anc_cols, np.repeat(scores, counts))
    return keys // n, keys % n, best


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(sorted_keys, keys)
    at[at == len(sorted_keys)] = 0
    return sorted_keys[at] == keys


def _sorted_keys(matrix, n_terms: int) -> np.ndarray:
    coo = matrix.tocoo()
    return np.sort(coo.row.astype(np.int64) * n_terms + coo.col.astype(np.int64))


def protein_scores(
    graph: TermGraph,
    predictions: pd.DataFrame,
    ground_truth: pd.DataFrame,
    *,
    known: pd.DataFrame | None = None,
    ia: Mapping[str, float] | None = None,
    weighted: bool = False,
    options: EvalOptions | None = None,
) -> dict[str, ProteinScores]:
    """Per namespace, the per-protein precision and recall at every threshold (module contract, point 1)."""
    options = options or EvalOptions()
    if options.prop != "max":
        raise InvalidInput("the paired bootstrap recomputes max propagation only; this result used fill propagation")
    if weighted and ia is None:
        raise InvalidInput("weighted F needs an information accretion table")
    prepared: PreparedTruth = prepare(graph, ground_truth, ia=ia, known=known, options=options)
    taus = options.taus
    n_terms = len(graph)
    scored = prepared.scored_weighted if weighted else prepared.scored
    weights = prepared.weights if weighted else None
    targets = predictions["target"].astype(str).to_numpy()
    values = pd.to_numeric(predictions["score"], errors="coerce").to_numpy(dtype=np.float64)
    pos, term_idx = _resolve_terms(graph, predictions["term"])
    out: dict[str, ProteinScores] = {}
    for ns in prepared.namespaces:
        # Ground truth of the namespace (evaluator rules 3-5).
        truth = ns.truth.tocoo()
        t_rows, t_cols = truth.row.astype(np.int64), truth.col.astype(np.int64)
        keep = scored[t_cols]
        rows_with_truth = np.zeros(truth.shape[0], dtype=bool)
        rows_with_truth[t_rows[keep]] = True
        known_keys = _sorted_keys(ns.known, n_terms) if ns.known is not None else np.zeros(0, np.int64)
        keep &= ~_member(t_rows * n_terms + t_cols, known_keys)
        t_rows, t_cols = t_rows[keep], t_cols[keep]
        gt = np.bincount(t_rows, weights=weights[t_cols] if weights is not None else None, minlength=truth.shape[0])
        if prepared.restrict_targets:
            target_rows = np.flatnonzero(rows_with_truth)
            counted = np.zeros(truth.shape[0], dtype=bool)
            counted[np.unique(t_rows)] = True
        else:
            target_rows = np.arange(truth.shape[0])
            counted = np.ones(truth.shape[0], dtype=bool)
        m, n_tau = len(target_rows), len(taus)
        # Predictions of the namespace: mapped, best score per pair, propagated (evaluator rule 2).
        in_ns = graph.namespace[term_idx] == ns.name
        rows = pd.Series(targets[pos[in_ns]]).map(ns.row_of)
        found = rows.notna().to_numpy()
        r = rows.to_numpy()[found].astype(np.int64)
        c = term_idx[in_ns][found]
        v = values[pos[in_ns][found]]
        positive = v > 0
        r, c, v = r[positive], c[positive], v[positive]
        tp_at = pred_at = np.zeros((n_tau, m))
        if len(r):
            keys, v = _group_max(r * n_terms + c, v)
            r, c, v = _propagate_max(graph, keys // n_terms, keys % n_terms, v)
            keep = scored[c]
            if prepared.restrict_targets:
                keep &= rows_with_truth[r]
            keep &= ~_member(r * n_terms + c, known_keys)
            r, c, v = r[keep], c[keep], v[keep]
            is_tp = _member(r * n_terms + c, _sorted_keys(ns.truth, n_terms))
            last = np.searchsorted(taus, v, side="right") - 1
            live = last >= 0
            r, c, is_tp, last = r[live], c[live], is_tp[live], last[live]
            w = weights[c] if weights is not None else np.ones(len(c))
            renumber = np.full(truth.shape[0], -1, dtype=np.int64)
            renumber[target_rows] = np.arange(m)
            flat = last * m + renumber[r]
            pred_w = np.bincount(flat, weights=w, minlength=n_tau * m).reshape(n_tau, m)
            tp_w = np.bincount(flat, weights=w * is_tp, minlength=n_tau * m).reshape(n_tau, m)
            pred_at = np.cumsum(pred_w[::-1], axis=0)[::-1]
            tp_at = np.cumsum(tp_w[::-1], axis=0)[::-1]
        gt_per = gt[target_rows]
        precision = np.zeros((n_tau, m))
        np.divide(tp_at, pred_at, out=precision, where=pred_at > 0)
        recall = np.zeros((n_tau, m))
        np.divide(tp_at, np.broadcast_to(gt_per, (n_tau, m)), out=recall, where=np.broadcast_to(gt_per > 0, (n_tau, m)))
        out[ns.name] = ProteinScores(
            tuple(ns.targets[i] for i in target_rows), taus, precision, recall, pred_at > 0, counted[target_rows]
        )
    return out


def _stacked(scores: ProteinScores, dtype: type = np.float64) -> tuple[np.ndarray, int]:
    """One contiguous (m, 3 k + 1) matrix: predicted, precision, recall at the first k thresholds, then counted;
    so a resample's sums over proteins are one matrix product. Thresholds past the last one at which any protein
    has a prediction contribute F = 0 and are left out (predictions only vanish as the threshold rises)."""
    k = int(np.flatnonzero(scores.predicted.any(axis=1))[-1]) + 1 if scores.predicted.any() else 0
    parts = [scores.predicted[:k], scores.precision[:k], scores.recall[:k], scores.counted[None, :]]
    return np.ascontiguousarray(np.vstack(parts).T, dtype=dtype), k


def _fmax(weights: np.ndarray, stacked: np.ndarray, n_tau: int, norm: str) -> np.ndarray:
    """Max F over thresholds for each row of protein weights (counts drawn per protein): shape (B,)."""
    sums = weights @ stacked  # (B, 3 n_tau + 1)
    n, pr_sum, rc_sum = sums[:, :n_tau], sums[:, n_tau : 2 * n_tau], sums[:, 2 * n_tau : 3 * n_tau]
    ne = sums[:, 3 * n_tau :]
    with np.errstate(divide="ignore", invalid="ignore"):
        pr = np.where(n > 0, pr_sum / np.where(n > 0, n, 1), 0.0) if norm in ("cafa", "pred") else pr_sum / ne
        rc = rc_sum / np.where(n > 0, n, 1) if norm == "pred" else rc_sum / ne
        f = np.where((pr + rc) > 0, 2 * pr * rc / (pr + rc), 0.0)
    f = np.where(np.isfinite(f) & (n > 0), f, 0.0)
    return f.max(axis=1) if f.shape[1] else np.zeros(len(weights))


def point_fmax(scores: ProteinScores, norm: str = "cafa") -> float:
    """Fmax over every protein once (equals the evaluator's stored Fmax)."""
    stacked, k = _stacked(scores)
    return float(_fmax(np.ones((1, len(scores.targets))), stacked, k, norm)[0])


def paired_bootstrap(
    runs: Mapping[str, ProteinScores],
    baseline: str,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    confidence: float = DEFAULT_CONFIDENCE,
    norm: str = "cafa",
    stream: int = 0,
) -> pd.DataFrame:
    """One row per run: value (Fmax on all common proteins), its CI, the difference to ``baseline`` and its CI,
    the number of common proteins. ``stream`` separates the draws of different cells under one seed."""
    if baseline not in runs:
        raise InvalidInput(f"the baseline {baseline!r} is not one of the compared runs")
    if resamples < 1:
        raise InvalidInput("the bootstrap needs at least one resample")
    if not 0 < confidence < 1:
        raise InvalidInput("the confidence level must lie between 0 and 1")
    common = sorted(set.intersection(*(set(s.targets) for s in runs.values())))
    aligned = {name: s.align(common) for name, s in runs.items()}
    # Resample sums in float32 (counts are exact; sums of precisions keep ~7 digits, far below any interval's
    # width); point estimates stay float64.
    stacked = {name: _stacked(s, np.float32) for name, s in aligned.items()}
    m = len(common)
    rng = np.random.default_rng([int(seed), int(stream)])
    draws = {name: [] for name in aligned}
    done = 0
    while done < resamples and m:
        size = min(_CHUNK, resamples - done)
        picks = rng.integers(0, m, size=(size, m))
        # How often each protein was drawn in each resample (row r counts the draws of resample r).
        flat = (np.arange(size)[:, None] * m + picks).ravel()
        weights = np.bincount(flat, minlength=size * m).reshape(size, m).astype(np.float32)
        for name, (matrix, k) in stacked.items():
            draws[name].append(_fmax(weights, matrix, k, norm).astype(np.float64))
        done += size
    alpha = (1 - confidence) / 2
    base_point = point_fmax(aligned[baseline], norm) if m else float("nan")
    base_draws = np.concatenate(draws[baseline]) if m else np.zeros(0)
    rows = []
    for name, scores in aligned.items():
        point = point_fmax(scores, norm) if m else float("nan")
        sample = np.concatenate(draws[name]) if m else np.zeros(0)
        diff = sample - base_draws
        rows.append(
            {
                "run": name,
                "value": point,
                "ci_low": float(np.quantile(sample, alpha)) if m else float("nan"),
                "ci_high": float(np.quantile(sample, 1 - alpha)) if m else float("nan"),
                "diff": point - base_point,
                "diff_low": float(np.quantile(diff, alpha)) if m else float("nan"),
                "diff_high": float(np.quantile(diff, 1 - alpha)) if m else float("nan"),
                "n_proteins": m,
            }
        )
    return pd.DataFrame(rows)
