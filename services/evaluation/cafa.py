"""The CAFA evaluator, vectorised over sparse matrices: Fmax, Smin, micro-averaged F and their IA-weighted forms.

Semantics are those of the reference CAFA evaluator, cafaeval 1.3.0, and of its partial-knowledge fork
cafaeval-protea 0.1.0 for known terms and terms of interest (neither is imported here: they are GPLv3 and serve
only as test and benchmark oracles). The contract, rule by rule:

1. Ground truth. Each (target, term) pair is mapped to the graph (an alt_id stands for every term that lists
   it; a term absent from the graph is dropped and counted) and propagated to all ancestors. A target belongs
   to a namespace when it has a term there; its rows keep the order targets first appear in the input.
2. Predictions. A pair counts when its term is in the graph and its target is in the ground truth of the term's
   namespace (others are dropped and counted); a repeated pair keeps its highest score; a score <= 0 is no
   prediction. Propagation ``max`` gives every ancestor the highest score below it; ``fill`` gives a term with
   no score of its own the highest score among its direct children, after they were filled the same way.
3. Terms scored. All terms of the namespace, or only those with a parent (``no_orphans``), intersected with the
   terms of interest when given. Weighted metrics use the terms with IA > 0 (intersected with the terms of
   interest when given), each counted with its IA as weight. IA is looked up by primary id; NaN/inf count 0.
4. Known terms (PK). Known pairs are mapped and propagated like the ground truth; for a target, its known terms
   are neither counted in its ground truth nor in its predictions.
5. Targets counted. Without known terms or terms of interest every ground-truth target of the namespace counts
   (cafaeval 1.3.0). With either, only targets with a ground-truth term among the terms scored count, and the
   denominator ``ne`` counts those that keep one after the known terms are removed (cafaeval-protea 0.1.0).
6. Thresholds tau = ``numpy.arange(th_step, 1, th_step)``; a score s is predicted at tau when s >= tau.
   Per target: tp, predicted and ground-truth counts (IA sums when weighted). ``n`` = targets with a predicted
   term; pr = sum of per-target precision over targets with a prediction; rc = sum of per-target recall.
   Normalisation ``cafa``: pr / n and every other sum / ne; ``pred``: all / n; ``gt``: all / ne. cov = n / ne;
   f = 2 pr rc / (pr + rc); s = sqrt(fn^2 + fp^2) on the normalised sums; f_micro from tp / (tp + fp) and
   tp / (tp + fn). Thresholds with cov = 0 are left out.
7. Best rows: per namespace the first tau (lowest) with the highest f, f_micro, f_w, f_micro_w, and with the
   lowest s. Weighted rows exist only when IA is given.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from services.errors import InvalidInput
from services.evaluation.graph import TermGraph

NORMS = ("cafa", "pred", "gt")
PROPS = ("max", "fill")
METRICS = ("f", "f_micro", "f_w", "f_micro_w", "s")
BEST_COLUMNS = (
    "namespace",
    "metric",
    "tau",
    "n",
    "tp",
    "fp",
    "fn",
    "pr",
    "rc",
    "cov",
    "f",
    "s",
    "f_micro",
    "pr_w",
    "rc_w",
    "f_w",
    "f_micro_w",
)
_SUMS = ("n", "tp", "fp", "fn", "pr", "rc")


@dataclass(frozen=True)
class EvalOptions:
    """How to score: normalisation, propagation, threshold step, and whether roots/orphans are scored."""

    norm: str = "cafa"
    prop: str = "max"
    th_step: float = 0.01
    no_orphans: bool = False

    def __post_init__(self) -> None:
        if self.norm not in NORMS:
            raise InvalidInput(f"norm must be one of {', '.join(NORMS)}, not {self.norm!r}")
        if self.prop not in PROPS:
            raise InvalidInput(f"prop must be one of {', '.join(PROPS)}, not {self.prop!r}")
        if not (0 < float(self.th_step) < 1):
            raise InvalidInput(f"th_step must lie between 0 and 1 (exclusive), not {self.th_step!r}")

    @property
    def taus(self) -> np.ndarray:
        return np.arange(self.th_step, 1, self.th_step)


@dataclass(frozen=True)
class EvalResult:
    """Best rows (one per namespace x metric), the whole threshold curve, and what was dropped (by reason)."""

    best: pd.DataFrame
    curve: pd.DataFrame
    dropped: Mapping[str, int]


@dataclass(frozen=True)
class _Namespace:
    """One namespace's ground truth: rows are targets in first-seen order; matrices are propagated."""

    name: str
    targets: tuple[str, ...]
    row_of: Mapping[str, int]
    truth: sp.csr_matrix
    known: sp.csr_matrix | None


@dataclass(frozen=True)
class PreparedTruth:
    """Ground truth (and known terms, IA, terms scored) ready to score any number of prediction sets."""

    graph: TermGraph
    options: EvalOptions
    namespaces: tuple[_Namespace, ...]
    scored: np.ndarray
    weights: np.ndarray | None
    scored_weighted: np.ndarray | None
    restrict_targets: bool
    dropped: Mapping[str, int] = field(default_factory=dict)


def _map_pairs(graph: TermGraph, terms: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(input row position, term index) for every term of the input that the graph knows (alt_ids expanded)."""
    codes, uniques = pd.factorize(terms.astype(str), sort=False)
    resolved = [graph.resolve(t) for t in uniques]
    lengths = np.fromiter((len(r) for r in resolved), dtype=np.int64, count=len(resolved))
    flat = np.fromiter((i for r in resolved for i in r), dtype=np.int64, count=int(lengths.sum()))
    starts = np.zeros(len(resolved) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    counts = lengths[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    positions = np.repeat(np.arange(len(codes), dtype=np.int64), counts)
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    term_idx = flat[np.repeat(starts[:-1][codes], counts) + offsets] if len(codes) else flat[:0]
    return positions, term_idx


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(f"the {what} lack the column(s) {', '.join(missing)}")


def prepare(
    graph: TermGraph,
    ground_truth: pd.DataFrame,
    *,
    ia: Mapping[str, float] | None = None,
    toi: Collection[str] | None = None,
    known: pd.DataFrame | None = None,
    options: EvalOptions = EvalOptions(),
) -> PreparedTruth:
    """Map and propagate the ground truth (and known terms) once, for scoring one or more prediction sets."""
    _require_columns(ground_truth, ("target", "term"), "ground truth")
    dropped: dict[str, int] = {}
    targets = ground_truth["target"].astype(str).to_numpy()
    pos, term_idx = _map_pairs(graph, ground_truth["term"])
    mapped = np.zeros(len(ground_truth), dtype=bool)
    mapped[pos] = True
    dropped["ground_truth_term_not_in_ontology"] = int((~mapped).sum())

    known_targets = known_pos = known_idx = None
    if known is not None:
        _require_columns(known, ("target", "term"), "known terms")
        known_targets = known["target"].astype(str).to_numpy()
        known_pos, known_idx = _map_pairs(graph, known["term"])
        kmapped = np.zeros(len(known), dtype=bool)
        kmapped[known_pos] = True
        dropped["known_term_not_in_ontology"] = int((~kmapped).sum())

    n_terms = len(graph)
    namespaces: list[_Namespace] = []
    term_ns = graph.namespace
    for ns in graph.namespaces:
        in_ns = term_ns[term_idx] == ns
        if not in_ns.any():
            continue
        ns_targets = targets[pos[in_ns]]
        order = pd.unique(ns_targets)
        row_of = {t: i for i, t in enumerate(order)}
        rows = pd.Series(ns_targets).map(row_of).to_numpy(dtype=np.int64)
        truth = graph.propagate_terms(rows, term_idx[in_ns], len(order))
        known_matrix = None
        if known_targets is not None:
            k_in = term_ns[known_idx] == ns
            k_rows = pd.Series(known_targets[known_pos[k_in]]).map(row_of)
            keep = k_rows.notna().to_numpy()
            known_matrix = graph.propagate_terms(
                k_rows.to_numpy()[keep].astype(np.int64), known_idx[k_in][keep], len(order)
            )
        namespaces.append(_Namespace(ns, tuple(order), row_of, truth, known_matrix))

    scored = np.ones(n_terms, dtype=bool) if not options.no_orphans else graph.has_parent.copy()
    weights = scored_weighted = None
    if ia is not None:
        weights = np.zeros(n_terms, dtype=np.float64)
        for term, i in graph.primary.items():
            value = ia.get(term)
            if value:
                weights[i] = value
        weights[~np.isfinite(weights)] = 0.0
        scored_weighted = weights > 0
    if toi is not None:
        wanted = np.zeros(n_terms, dtype=bool)
        for term in toi:
            wanted[list(graph.resolve(str(term)))] = True
        scored &= wanted
        if scored_weighted is not None:
            scored_weighted &= wanted
    return PreparedTruth(
        graph=graph,
        options=options,
        namespaces=tuple(namespaces),
        scored=scored,
        weights=weights,
        scored_weighted=scored_weighted,
        restrict_targets=toi is not None or known is not None,
        dropped=dropped,
    )


def _propagate_max(graph: TermGraph, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, n_rows: int):
    """Every (row, ancestor) pair with the highest score among the (row, descendant) pairs: COO arrays."""
    anc = graph.ancestors
    counts = np.diff(anc.indptr)[cols]
    total = int(counts.sum())
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    anc_cols = anc.indices[np.repeat(anc.indptr[cols], counts) + offsets].astype(np.int64)
    keys = np.repeat(rows, counts) * np.int64(len(graph)) + anc_cols
    vals = np.repeat(scores, counts)
    return _group_max(keys, vals, len(graph))


def _group_max(keys: np.ndarray, vals: np.ndarray, n_terms: int):
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], vals[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    best = np.maximum.reduceat(vals, starts) if len(starts) else vals[:0]
    unique = keys[starts]
    return unique // n_terms, unique % n_terms, best


def _propagate_fill(graph: TermGraph, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, n_rows: int):
    """``fill``: a term keeps its own score; one without takes the highest filled score of its direct children.

    Works level by level (leaves first) over the terms that have a scored descendant, on dense blocks of rows.
    """
    n_terms = len(graph)
    relevant = np.unique(graph.ancestors[np.unique(cols)].indices)
    local = np.full(n_terms, -1, dtype=np.int64)
    local[relevant] = np.arange(len(relevant))
    sub = graph.parents[relevant][:, relevant].tocsr()  # child -> parent, inside the relevant terms
    child_of = sub.T.tocsr()  # parent -> children
    # Levels: a term's level is one more than its deepest relevant child.
    remaining = np.diff(child_of.indptr).copy()
    frontier = np.flatnonzero(remaining == 0)
    levels: list[np.ndarray] = []
    while len(frontier):
        levels.append(frontier)
        parent_hits = sub[frontier].indices
        np.subtract.at(remaining, parent_hits, 1)
        remaining[frontier] = -1
        frontier = np.flatnonzero(remaining == 0)
    out_rows, out_cols, out_vals = [], [], []
    block = max(1, 4_000_000 // max(1, len(relevant)))
    raw = sp.csr_matrix((scores, (rows, local[cols])), shape=(n_rows, len(relevant)))
    for start in range(0, n_rows, block):
        dense = raw[start : start + block].toarray()
        for level in levels[1:]:
            child_ptr = child_of.indptr
            counts = child_ptr[level + 1] - child_ptr[level]
            kids = np.concatenate([child_of.indices[child_ptr[t] : child_ptr[t + 1]] for t in level])
            starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
            child_best = np.maximum.reduceat(dense[:, kids], starts, axis=1)
            own = dense[:, level]
            dense[:, level] = np.where(own == 0, child_best, own)
        r, c = np.nonzero(dense)
        out_rows.append(r + start)
        out_cols.append(relevant[c])
        out_vals.append(dense[r, c])
    return np.concatenate(out_rows), np.concatenate(out_cols), np.concatenate(out_vals)


def _sums(
    taus: np.ndarray,
    pred: tuple[np.ndarray, np.ndarray, np.ndarray],
    ns: _Namespace,
    scored: np.ndarray,
    weights: np.ndarray | None,
    restrict: bool,
) -> tuple[np.ndarray, int]:
    """Per threshold: n, tp, fp, fn, pr (sum of precisions), rc (sum of recalls); and ne (targets counted)."""
    n_terms = scored.shape[0]
    truth = ns.truth.tocoo()
    t_rows, t_cols = truth.row.astype(np.int64), truth.col.astype(np.int64)
    keep = scored[t_cols]
    if restrict:
        rows_with_truth = np.zeros(truth.shape[0], dtype=bool)
        rows_with_truth[t_rows[keep]] = True
    if ns.known is not None:
        known_keys = _keys(ns.known, n_terms)
        keep &= ~_member(t_rows * n_terms + t_cols, known_keys)
    t_rows, t_cols = t_rows[keep], t_cols[keep]
    w_truth = weights[t_cols] if weights is not None else np.ones(len(t_cols))
    n_gt = np.bincount(t_rows, weights=w_truth, minlength=truth.shape[0])
    if restrict:
        ne = int(np.unique(t_rows).size)
        target_rows = np.flatnonzero(rows_with_truth)
    else:
        ne = truth.shape[0]
        target_rows = np.arange(truth.shape[0])
    p_rows, p_cols, p_vals = pred
    keep = scored[p_cols]
    if restrict:
        keep &= rows_with_truth[p_rows]
    if ns.known is not None:
        keep &= ~_member(p_rows * n_terms + p_cols, known_keys)
    p_rows, p_cols, p_vals = p_rows[keep], p_cols[keep], p_vals[keep]
    is_tp = _member(p_rows * n_terms + p_cols, _keys(ns.truth, n_terms))
    last = np.searchsorted(taus, p_vals, side="right") - 1
    live = last >= 0
    p_rows, p_cols, is_tp, last = p_rows[live], p_cols[live], is_tp[live], last[live]
    w_pred = weights[p_cols] if weights is not None else np.ones(len(p_cols))
    # Re-number the counted targets 0..m-1 (keeps their order) and bin each prediction at its last threshold.
    renumber = np.full(truth.shape[0], -1, dtype=np.int64)
    renumber[target_rows] = np.arange(len(target_rows))
    m, n_tau = len(target_rows), len(taus)
    flat = (last * m + renumber[p_rows]).astype(np.int64)
    pred_w = np.bincount(flat, weights=w_pred, minlength=n_tau * m).reshape(n_tau, m)
    tp_w = np.bincount(flat, weights=w_pred * is_tp, minlength=n_tau * m).reshape(n_tau, m)
    # Predicted at tau_k = predicted at its last threshold >= k: cumulative sum from the top threshold down.
    pred_at = np.cumsum(pred_w[::-1], axis=0)[::-1]
    tp_at = np.cumsum(tp_w[::-1], axis=0)[::-1]
    gt_per = n_gt[target_rows]
    out = np.zeros((n_tau, 6), dtype=np.float64)
    out[:, 0] = (pred_at > 0).sum(axis=1)
    out[:, 1] = tp_at.sum(axis=1)
    out[:, 2] = pred_at.sum(axis=1) - out[:, 1]
    out[:, 3] = gt_per.sum() - out[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, 4] = np.where(pred_at > 0, tp_at / np.where(pred_at > 0, pred_at, 1.0), 0.0).sum(axis=1)
        gt_pos = gt_per > 0
        out[:, 5] = (tp_at[:, gt_pos] / gt_per[gt_pos]).sum(axis=1)
    return out, ne


def _keys(matrix: sp.csr_matrix, n_terms: int) -> np.ndarray:
    coo = matrix.tocoo()
    return np.sort(coo.row.astype(np.int64) * n_terms + coo.col.astype(np.int64))


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(sorted_keys, keys)
    at[at == len(sorted_keys)] = 0
    return sorted_keys[at] == keys


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros_like(num, dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _normalise(sums: np.ndarray, ne: int, taus: np.ndarray, norm: str) -> pd.DataFrame:
    n = sums[:, 0]
    ne_arr = np.full(len(taus), float(ne))
    cols = {"tau": taus, "n": n}
    for j, name in enumerate(_SUMS[1:], start=1):
        den = n if norm == "pred" or (norm == "cafa" and name == "pr") else ne_arr
        cols[name] = _divide(sums[:, j], den)
    frame = pd.DataFrame(cols)
    frame["cov"] = n / ne if ne else np.zeros(len(taus))
    frame["mi"] = frame["fp"]
    frame["ru"] = frame["fn"]
    frame["f"] = _f(frame["pr"].to_numpy(), frame["rc"].to_numpy())
    frame["s"] = np.sqrt(frame["ru"] ** 2 + frame["mi"] ** 2)
    tp, fp, fn = frame["tp"].to_numpy(), frame["fp"].to_numpy(), frame["fn"].to_numpy()
    frame["pr_micro"] = _divide(tp, tp + fp)
    frame["rc_micro"] = _divide(tp, tp + fn)
    frame["f_micro"] = _f(frame["pr_micro"].to_numpy(), frame["rc_micro"].to_numpy())
    return frame


def _f(pr: np.ndarray, rc: np.ndarray) -> np.ndarray:
    return _divide(2 * pr * rc, pr + rc)


def score(prepared: PreparedTruth, predictions: pd.DataFrame) -> EvalResult:
    """Score one prediction set (columns target, term, score) against prepared ground truth."""
    _require_columns(predictions, ("target", "term", "score"), "predictions")
    graph, options = prepared.graph, prepared.options
    taus = options.taus
    dropped = dict(prepared.dropped)
    scores = pd.to_numeric(predictions["score"], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(scores).any():
        bad = int(np.flatnonzero(np.isnan(scores))[0])
        raise InvalidInput(f"prediction row {bad + 1} has a score that is not a number")
    targets = predictions["target"].astype(str).to_numpy()
    pos, term_idx = _map_pairs(graph, predictions["term"])
    mapped = np.zeros(len(predictions), dtype=bool)
    mapped[pos] = True
    dropped["prediction_term_not_in_ontology"] = int((~mapped).sum())
    unmatched = np.ones(len(predictions), dtype=bool)
    unmatched[~mapped] = False

    curves: list[pd.DataFrame] = []
    for ns in prepared.namespaces:
        in_ns = graph.namespace[term_idx] == ns.name
        rows = pd.Series(targets[pos[in_ns]]).map(ns.row_of)
        found = rows.notna().to_numpy()
        unmatched[pos[in_ns][found]] = False
        r = rows.to_numpy()[found].astype(np.int64)
        c = term_idx[in_ns][found]
        v = scores[pos[in_ns][found]]
        positive = v > 0
        r, c, v = r[positive], c[positive], v[positive]
        if not len(r):
            continue
        r, c, v = _group_max(r * np.int64(len(graph)) + c, v, len(graph))
        n_rows = len(ns.targets)
        if options.prop == "max":
            pred = _propagate_max(graph, r, c, v, n_rows)
        else:
            pred = _propagate_fill(graph, r, c, v, n_rows)
        sums, ne = _sums(taus, pred, ns, prepared.scored, None, prepared.restrict_targets)
        frame = _normalise(sums, ne, taus, options.norm)
        if prepared.weights is not None:
            sums_w, ne_w = _sums(taus, pred, ns, prepared.scored_weighted, prepared.weights, prepared.restrict_targets)
            weighted = _normalise(sums_w, ne_w, taus, options.norm).drop(columns="tau")
            frame = pd.concat([frame, weighted.add_suffix("_w")], axis=1)
        frame.insert(0, "namespace", ns.name)
        curves.append(frame[frame["cov"] > 0])
    dropped["prediction_target_not_in_ground_truth"] = int(unmatched.sum())
    curve = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=["namespace", "tau"])
    return EvalResult(best=_best(curve, prepared.weights is not None), curve=curve, dropped=dropped)


def _best(curve: pd.DataFrame, weighted: bool) -> pd.DataFrame:
    rows = []
    metrics = [m for m in METRICS if weighted or not m.endswith("_w")]
    for _, frame in curve.groupby("namespace", sort=False):
        for metric in metrics:
            values = frame[metric].to_numpy()
            at = int(np.argmin(values)) if metric == "s" else int(np.argmax(values))
            row = frame.iloc[at].to_dict()
            row["metric"] = metric
            rows.append(row)
    best = pd.DataFrame(rows)
    if best.empty:
        return pd.DataFrame(columns=list(BEST_COLUMNS))
    for col in BEST_COLUMNS:
        if col not in best.columns:
            best[col] = np.nan
    for col in ("n", "n_w"):
        if col in best.columns:
            best[col] = best[col].astype("int64")
    extra = [c for c in best.columns if c not in BEST_COLUMNS]
    return best[list(BEST_COLUMNS) + extra].reset_index(drop=True)


def evaluate(
    graph: TermGraph,
    predictions: pd.DataFrame,
    ground_truth: pd.DataFrame,
    *,
    ia: Mapping[str, float] | None = None,
    toi: Collection[str] | None = None,
    known: pd.DataFrame | None = None,
    options: EvalOptions = EvalOptions(),
) -> EvalResult:
    """Score predictions (target, term, score) against ground truth (target, term), CAFA style.

    ``known`` (target, term) are the partial-knowledge terms excluded when scoring; ``toi`` the terms of
    interest; ``ia`` information accretion per term id (weighted metrics). Nothing is written anywhere.
    """
    prepared = prepare(graph, ground_truth, ia=ia, toi=toi, known=known, options=options)
    return score(prepared, predictions)
