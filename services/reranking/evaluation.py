"""Evaluating re-ranked scores with the evaluation package's evaluator, stored as an ordinary evaluation
result whose ``reranker_id`` names the re-ranker.

Contract: the ground truth, known terms and graph are those ``results.read_inputs`` reads for the pair of sets;
only the scores differ — the stored re-ranked ones (``reranked_score``) instead of the KNN ones, mapped to
the evaluation's snapshot the same way (a term not in it is dropped and counted). A prediction set that was
not re-ranked with that model is refused with one sentence. Needs the lead role; one unit of work.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.errors import InvalidInput
from services.evaluation.cafa import EvalOptions
from services.evaluation.holdout import term_mapping
from services.evaluation.results import (
    EvaluationInputs,
    EvaluationRun,
    evaluate_inputs,
    read_inputs,
    store_result_rows,
    summarise,
)
from services.jobs.progress import ProgressReporter
from services.reranking.rerankers import get_reranker

Q = sql_blocks.load(__file__)


def reranked_inputs(
    session: Session, evaluation_set_id: int, prediction_set_id: int, reranker_id: int
) -> EvaluationInputs:
    """The evaluator's inputs with the re-ranked scores in place of the KNN ones."""
    if not session.execute(Q.has_reranked, {"p": prediction_set_id, "r": reranker_id}).scalar():
        raise InvalidInput(
            f"prediction set {prediction_set_id} has no scores from re-ranker {reranker_id}: re-rank it first"
        )
    base = read_inputs(session, evaluation_set_id, prediction_set_id)
    sg = base.sg
    rows = session.execute(Q.reranked_rows, {"p": prediction_set_id, "r": reranker_id, "e": evaluation_set_id})
    preds = pd.DataFrame(rows.all(), columns=["target", "go_term_id", "score"])
    term_ids = preds["go_term_id"].to_numpy(np.int64)
    index = sg.indices(term_ids)
    unmapped = index < 0
    if unmapped.any():
        mapping = term_mapping(session, sorted(set(term_ids[unmapped].tolist())), sg.snapshot_id)
        target = pd.Series(mapping["target_id"].fillna(-1).astype(np.int64).to_numpy(), index=mapping["go_term_id"])
        index[unmapped] = sg.indices(target.reindex(term_ids[unmapped]).fillna(-1).astype(np.int64).to_numpy())
    ids = np.asarray(sg.graph.ids, dtype=object)
    preds["term"] = ids[np.where(index >= 0, index, 0)] if len(preds) else []
    dropped = {"predictions_unmapped": int((index < 0).sum()), "predictions_read": int(len(preds))}
    preds = preds[index >= 0].groupby(["target", "term"], as_index=False, sort=False)["score"].max()
    return EvaluationInputs(sg, preds, base.ground_truth, base.known, dropped)


def evaluate_reranked(
    session: Session,
    identity: Identity,
    *,
    evaluation_set_id: int,
    prediction_set_id: int,
    reranker: str | int,
    ia_set_id: int | None = None,
    options: EvalOptions | None = None,
    progress: ProgressReporter | None = None,
    job_id: Any = None,
) -> EvaluationRun:
    """Evaluate a prediction set's re-ranked scores and store the result (the module contract)."""
    from services.evaluation.information_accretion import load_ia

    require(identity, Role.LEAD, "run evaluations")
    started = time.perf_counter()
    options = options or EvalOptions()
    model = get_reranker(session, reranker)
    ia = load_ia(session, ia_set_id) if ia_set_id is not None else None
    if progress is not None:
        progress.event("phase", f"reading the re-ranked scores of {model.name}")
    inputs = reranked_inputs(session, evaluation_set_id, prediction_set_id, model.id)
    best, curve, evaluator_dropped = evaluate_inputs(inputs, ia, options)
    dropped = {**inputs.dropped, **evaluator_dropped}
    seconds = time.perf_counter() - started
    result_id = int(
        session.execute(
            Q.insert_evaluation_result,
            {
                "e": evaluation_set_id,
                "p": prediction_set_id,
                "r": model.id,
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
