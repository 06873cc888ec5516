"""Evaluation results: a prediction set scored against an evaluation set, the CAFA way, from the database.

Contract:
1. Needs the lead role. The inputs are read from the database only: the evaluation set's snapshot (terms and
   is_a / part_of edges → the evaluator's graph), its ground truth and known terms, and the stored predictions
   for the set's proteins. Prediction terms are mapped to the evaluation's snapshot like annotations
   (``holdout.term_mapping``); unmappable ones are dropped and counted in ``dropped``.
2. Scores are the stored ones, or a scoring config's re-scoring of the stored features (``scoring``): nothing
   is predicted again.
3. Each category NK, LK, PK is evaluated separately with ``services.evaluation.cafa.evaluate`` (the
   reference's semantics); PK passes its known terms (excluded when scoring). IA, when chosen, weights the
   ``*_w`` columns.
4. A prediction set that predicts none of the evaluation set's proteins is refused with one sentence.
5. One unit of work: the result row, its best rows (per category × namespace × metric) and its whole
   threshold curve are stored together or not at all.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.pg_copy import copy_rows
from services.errors import InvalidInput, NotFound
from services.evaluation.cafa import EvalOptions, evaluate
from services.evaluation.holdout import term_mapping
from services.evaluation.models import CATEGORIES, METRIC_COLUMNS, NAMESPACES
from services.evaluation.scoring import FEATURE_COLUMNS, ScoringConfig, get_scoring_config, score_frame
from services.evaluation.snapshot_graph import SnapshotGraph, fetch_tuples, load_snapshot_graph
from services.jobs.progress import ProgressReporter

Q = sql_blocks.load(__file__)
BEST_COLUMNS = ("tau", "n", "tp", "fp", "fn", *METRIC_COLUMNS)
CURVE_COLUMNS = ("tau", "n", *METRIC_COLUMNS)
_NAMESPACE_LABEL = {
    "BPO": "BPO",
    "MFO": "MFO",
    "CCO": "CCO",
    "biological_process": "BPO",
    "molecular_function": "MFO",
    "cellular_component": "CCO",
}


@dataclass(frozen=True)
class EvaluationInputs:
    """What the evaluator reads, in memory (GO ids): for tests and the benchmark as much as for ``run``."""

    sg: SnapshotGraph
    predictions: pd.DataFrame  # target, term, score
    ground_truth: pd.DataFrame  # target, term, category
    known: pd.DataFrame  # target, term
    dropped: dict[str, int]


@dataclass
class EvaluationRun:
    evaluation_result_id: int
    results: dict[str, dict[str, dict[str, float | int | None]]]
    dropped: dict[str, Any]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"seconds": round(self.seconds, 3)}


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """Tuples to a frame column by column (faster than row-wise construction for 10⁵ rows)."""
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({name: list(values) for name, values in zip(columns, zip(*rows, strict=True), strict=True)})


def check_request(
    session: Session,
    *,
    evaluation_set_id: int,
    prediction_set_id: int,
    scoring: str | int | None = None,
    ia: dict | None = None,
) -> None:
    """Refuse an evaluation that cannot run, in one sentence, before a job is queued for it: unknown sets or
    scoring config, a prediction set that predicts none of the set's proteins, an IA file with junk."""
    from services.evaluation.information_accretion import read_ia_file

    if session.execute(Q.evaluation_set_by_id, {"id": evaluation_set_id}).first() is None:
        raise NotFound(f"evaluation set {evaluation_set_id} does not exist")
    if session.execute(Q.prediction_set_by_id, {"id": prediction_set_id}).first() is None:
        raise NotFound(f"prediction set {prediction_set_id} does not exist")
    if scoring not in (None, ""):
        get_scoring_config(session, scoring)
    if not session.execute(Q.predicted_delta_proteins, {"p": prediction_set_id, "e": evaluation_set_id}).scalar():
        raise InvalidInput(
            f"prediction set {prediction_set_id} predicts none of the proteins of evaluation set "
            f"{evaluation_set_id}: predict for its proteins first (download their FASTA)"
        )
    if ia and ia.get("file"):
        read_ia_file(ia["file"])


def read_inputs(
    session: Session,
    evaluation_set_id: int,
    prediction_set_id: int,
    scoring: ScoringConfig | None = None,
    sg: SnapshotGraph | None = None,
    *,
    cached: bool = True,
) -> EvaluationInputs:
    """Read the evaluator's inputs from the database (points 1, 2 and 4 of the module contract)."""
    es = session.execute(Q.evaluation_set_by_id, {"id": evaluation_set_id}).first()
    if es is None:
        raise NotFound(f"evaluation set {evaluation_set_id} does not exist")
    ps = session.execute(Q.prediction_set_by_id, {"id": prediction_set_id}).first()
    if ps is None:
        raise NotFound(f"prediction set {prediction_set_id} does not exist")
    sg = sg if sg is not None and sg.snapshot_id == es.ontology_snapshot_id else None
    sg = sg or load_snapshot_graph(session, es.ontology_snapshot_id, cached=cached)
    ids = np.asarray(sg.graph.ids, dtype=object)

    gt = _frame(
        fetch_tuples(session, "ground_truth_rows", {"id": evaluation_set_id}), ["target", "go_term_id", "category"]
    )
    known = _frame(fetch_tuples(session, "known_rows", {"id": evaluation_set_id}), ["target", "go_term_id"])
    gt["term"] = ids[sg.indices(gt["go_term_id"].to_numpy(np.int64))]
    known["term"] = ids[sg.indices(known["go_term_id"].to_numpy(np.int64))]

    columns = ["target", "go_term_id", "score", *FEATURE_COLUMNS]
    preds = _frame(fetch_tuples(session, "prediction_rows", {"p": prediction_set_id, "e": evaluation_set_id}), columns)
    if preds.empty:
        raise InvalidInput(
            f"prediction set {prediction_set_id} predicts none of the {gt['target'].nunique():,} proteins of "
            f"evaluation set {evaluation_set_id}: predict for its proteins first (download their FASTA)"
        )
    if scoring is not None:
        preds["score"] = score_frame(preds, ps.metric, scoring)
    if ps.ontology_snapshot_id == sg.snapshot_id:
        index = sg.indices(preds["go_term_id"].to_numpy(np.int64))
        unmapped = index < 0
        how = {"same": int((~unmapped).sum())}
        if unmapped.any():
            # obsolete or outside the graph in its own snapshot: map like annotations
            mapped = _mapped_indices(session, sg, preds.loc[unmapped, "go_term_id"])
            index[unmapped] = mapped
            how["mapped"] = int((mapped >= 0).sum())
    else:
        index = _mapped_indices(session, sg, preds["go_term_id"])
        how = {"same_or_mapped": int((index >= 0).sum())}
    preds["term"] = ids[np.where(index >= 0, index, 0)]
    dropped = {"predictions_unmapped": int((index < 0).sum()), "predictions_read": int(len(preds)), **how}
    preds = preds[index >= 0]
    # One row per (target, term) after mapping: two old terms merged into one keep the best score.
    preds = preds.groupby(["target", "term"], as_index=False, sort=False)["score"].max()
    return EvaluationInputs(sg, preds, gt[["target", "term", "category"]], known[["target", "term"]], dropped)


def _mapped_indices(session: Session, sg: SnapshotGraph, term_ids: pd.Series) -> np.ndarray:
    """Graph indices of prediction terms mapped to the snapshot (``term_mapping``); -1 where unmappable."""
    mapping = term_mapping(session, term_ids.unique().tolist(), sg.snapshot_id)
    target = pd.Series(mapping["target_id"].fillna(-1).astype(np.int64).to_numpy(), index=mapping["go_term_id"])
    return sg.indices(target.reindex(term_ids.to_numpy()).fillna(-1).astype(np.int64).to_numpy())


def evaluate_inputs(
    inputs: EvaluationInputs, ia: dict[str, float] | None = None, options: EvalOptions | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Run the evaluator once per category; best rows and curves with ``category`` and BPO/MFO/CCO labels."""
    options = options or EvalOptions()
    bests, curves, dropped = [], [], {}
    for category in CATEGORIES:
        gt = inputs.ground_truth[inputs.ground_truth["category"] == category][["target", "term"]]
        if gt.empty:
            continue
        targets = set(gt["target"])
        preds = inputs.predictions[inputs.predictions["target"].isin(targets)]
        known = inputs.known[inputs.known["target"].isin(targets)] if category == "PK" else None
        result = evaluate(inputs.sg.graph, preds, gt, ia=ia, known=known, options=options)
        for frame, out in ((result.best, bests), (result.curve, curves)):
            frame = frame.copy()
            frame["category"] = category
            frame["namespace"] = frame["namespace"].map(lambda n: _NAMESPACE_LABEL.get(str(n), str(n)))
            out.append(frame)
        for key, value in dict(result.dropped).items():
            dropped[f"{category}_{key}"] = int(value)
    best = pd.concat(bests, ignore_index=True) if bests else pd.DataFrame(columns=["category", "namespace", "metric"])
    curve = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=["category", "namespace", "tau"])
    return best, curve, dropped


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def summarise(best: pd.DataFrame) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """The CLI's ``results`` shape: per category and namespace, Fmax with its row, micro F, Smin, weighted."""
    out: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for (category, namespace), rows in best.groupby(["category", "namespace"], sort=False):
        by_metric = {r["metric"]: r for _, r in rows.iterrows()}
        f = by_metric.get("f")

        def pick(metric: str, column: str, by_metric: dict = by_metric) -> float | int | None:
            row = by_metric.get(metric)
            return None if row is None else _number(row.get(column))

        out.setdefault(category, {})[namespace] = {
            "fmax": pick("f", "f"),
            "tau": pick("f", "tau"),
            "precision": pick("f", "pr"),
            "recall": pick("f", "rc"),
            "coverage": pick("f", "cov"),
            "n": None if f is None or _number(f.get("n")) is None else int(f["n"]),
            "f_micro": pick("f_micro", "f_micro"),
            "smin": pick("s", "s"),
            "fmax_w": pick("f_w", "f_w"),
            "f_micro_w": pick("f_micro_w", "f_micro_w"),
        }
    return {c: {ns: out[c][ns] for ns in NAMESPACES if ns in out.get(c, {})} for c in CATEGORIES if c in out}


def run_evaluation(
    session: Session,
    identity: Identity,
    *,
    evaluation_set_id: int,
    prediction_set_id: int,
    scoring: str | int | None = None,
    ia_set_id: int | None = None,
    options: EvalOptions | None = None,
    reranker_id: int | None = None,
    progress: ProgressReporter | None = None,
    job_id: Any = None,
    cached_graph: bool = True,
) -> EvaluationRun:
    """Evaluate and store (the module contract); returns the result id and the summary."""
    from services.evaluation.information_accretion import load_ia

    require(identity, Role.LEAD, "run evaluations")
    started = time.perf_counter()
    options = options or EvalOptions()
    config = get_scoring_config(session, scoring) if scoring not in (None, "") else None
    ia = load_ia(session, ia_set_id) if ia_set_id is not None else None
    if progress is not None:
        progress.event("phase", "reading the evaluation set and the predictions")
    inputs = read_inputs(session, evaluation_set_id, prediction_set_id, config, cached=cached_graph)
    if progress is not None:
        progress.check_cancelled()
        progress.event("phase", f"evaluating {len(inputs.predictions):,} predictions")
    best, curve, evaluator_dropped = evaluate_inputs(inputs, ia, options)
    dropped = {**inputs.dropped, **evaluator_dropped}
    seconds = time.perf_counter() - started
    result_id = int(
        session.execute(
            Q.insert_result,
            {
                "e": evaluation_set_id,
                "p": prediction_set_id,
                "c": None if config is None else config.id,
                "r": reranker_id,
                "ia": ia_set_id,
                "options": json.dumps(asdict(options)),
                "dropped": json.dumps(dropped),
                "seconds": seconds,
                "job": job_id,
                "by": identity.user,
            },
        ).scalar_one()
    )
    store_result_rows(session, result_id, best, curve)
    return EvaluationRun(result_id, summarise(best), dropped, seconds)


def store_result_rows(session: Session, result_id: int, best: pd.DataFrame, curve: pd.DataFrame) -> None:
    """Write an evaluation result's best rows and threshold curve (every result, re-ranked ones included)."""
    _copy_frame(session, "evaluation_best_row", result_id, best, ("category", "namespace", "metric", *BEST_COLUMNS))
    _copy_frame(session, "evaluation_curve_point", result_id, curve, ("category", "namespace", *CURVE_COLUMNS))


def _copy_frame(session: Session, table: str, result_id: int, frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    if frame.empty:
        return
    present = [c for c in columns if c in frame.columns]
    values = frame[present].astype(object).where(frame[present].notna(), None)
    if "n" in values.columns:
        values["n"] = [None if v is None else int(v) for v in values["n"]]
    copy_rows(
        session,
        table,
        ("evaluation_result_id", *present),
        ((result_id, *row) for row in values.itertuples(index=False, name=None)),
    )
