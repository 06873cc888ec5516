"""Comparing 2 to 8 experiment runs on one evaluation set, with paired-bootstrap confidence intervals.

Contract:
1. Each run is represented by its newest linked evaluation result on the evaluation set all runs share (the
   newest such set when they share several, or the one asked for). A run without an evaluation result, or runs
   evaluated on different evaluation sets, are refused with a sentence saying why: different sets have
   different proteins and ground truth, so their Fmax values do not measure the same thing.
2. The metric is Fmax; weighted F (``f_w``) when every compared result was evaluated with IA.
3. Per category × namespace the per-protein scores of every run are recomputed from the stored inputs (the
   evaluator's ``read_inputs``: ground truth, known terms, predictions mapped and re-scored as the result was)
   and fed to ``bootstrap.paired_bootstrap`` with the same seed; each cell has its own draw stream.
4. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.errors import InvalidInput, NotFound
from services.evaluation.cafa import EvalOptions
from services.evaluation.models import CATEGORIES, NAMESPACES
from services.experiments.bootstrap import DEFAULT_RESAMPLES, ProteinScores, paired_bootstrap, protein_scores
from services.experiments.runs import evaluation_result_ids, get_run

Q = sql_blocks.load(__file__)
MIN_RUNS, MAX_RUNS = 2, 8
METRIC_LABELS = {"f": "Fmax", "f_w": "weighted Fmax"}
TABLE_COLUMNS = [
    "category", "namespace", "run", "metric", "value", "ci_low", "ci_high", "diff", "diff_low", "diff_high",
    "n_proteins",
]  # fmt: skip


@dataclass(frozen=True)
class ComparisonPlan:
    """Which evaluation result stands for each run, on which evaluation set, with which metric."""

    runs: tuple[str, ...]
    result_ids: dict[str, int]
    evaluation_set_id: int
    evaluation_set_label: str
    metric: str

    @property
    def metric_label(self) -> str:
        return METRIC_LABELS[self.metric]


@dataclass(frozen=True)
class Comparison:
    plan: ComparisonPlan
    baseline: str
    resamples: int
    seed: int
    table: pd.DataFrame  # TABLE_COLUMNS, one row per category × namespace × run
    curves: pd.DataFrame = field(repr=False)  # run, category, namespace, tau, precision, recall

    def as_dict(self) -> dict[str, Any]:
        cells = []
        for row in self.table.to_dict("records"):
            cells.append({k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()})
        return {
            "runs": list(self.plan.runs),
            "baseline": self.baseline,
            "evaluation_set": self.plan.evaluation_set_label,
            "evaluation_result_ids": self.plan.result_ids,
            "metric": self.plan.metric_label,
            "resamples": self.resamples,
            "seed": self.seed,
            "cells": cells,
        }


def plan_comparison(session: Session, refs: Sequence[str], evaluation_set_id: int | None = None) -> ComparisonPlan:
    """Resolve runs to evaluation results on one shared evaluation set (contract points 1 and 2)."""
    names = list(dict.fromkeys(str(r) for r in refs))
    if not MIN_RUNS <= len(names) <= MAX_RUNS:
        raise InvalidInput(f"compare {MIN_RUNS} to {MAX_RUNS} different runs, not {len(names)}")
    by_run: dict[str, dict[int, tuple[int, dict]]] = {}
    labels: dict[int, str] = {}
    for ref in names:
        run = get_run(session, ref)
        per_set: dict[int, tuple[int, dict]] = {}
        for result_id in evaluation_result_ids(session, run.id):
            row = session.execute(Q.result_inputs, {"id": result_id}).mappings().one()
            labels[row["evaluation_set_id"]] = row["set_label"]
            per_set.setdefault(row["evaluation_set_id"], (result_id, dict(row)))
        if not per_set:
            raise InvalidInput(f"run {run.name!r} has no evaluation result yet: attach one before comparing it")
        by_run[run.name] = per_set
    shared = set.intersection(*(set(v) for v in by_run.values()))
    if evaluation_set_id is not None:
        if evaluation_set_id not in shared:
            raise InvalidInput(f"not every run was evaluated on evaluation set {evaluation_set_id}")
        shared = {evaluation_set_id}
    if not shared:
        described = "; ".join(
            f"{name} on {', '.join(labels[s] for s in sorted(sets))}" for name, sets in by_run.items()
        )
        raise InvalidInput(
            "these runs were evaluated on different evaluation sets, so their scores do not measure the same "
            f"proteins and ground truth and cannot be compared ({described}): evaluate them on one set first"
        )
    chosen = max(shared, key=lambda s: max(by_run[n][s][0] for n in by_run))
    picked = {name: sets[chosen] for name, sets in by_run.items()}
    weighted = all(row["information_accretion_set_id"] is not None for _, row in picked.values())
    return ComparisonPlan(
        runs=tuple(by_run),
        result_ids={name: result_id for name, (result_id, _) in picked.items()},
        evaluation_set_id=chosen,
        evaluation_set_label=labels[chosen],
        metric="f_w" if weighted else "f",
    )


def _options(raw: dict | None) -> EvalOptions:
    known = {k: v for k, v in (raw or {}).items() if k in EvalOptions.__dataclass_fields__}
    return EvalOptions(**known)


def result_protein_scores(session: Session, result_id: int, weighted: bool) -> dict[tuple[str, str], ProteinScores]:
    """Per (category, namespace), the per-protein scores of one stored evaluation result (contract point 3)."""
    from services.evaluation.information_accretion import load_ia
    from services.evaluation.results import read_inputs
    from services.evaluation.scoring import get_scoring_config

    row = session.execute(Q.result_inputs, {"id": result_id}).mappings().first()
    if row is None:
        raise NotFound(f"evaluation result {result_id} does not exist")
    config = get_scoring_config(session, row["scoring_config_id"]) if row["scoring_config_id"] else None
    ia = load_ia(session, row["information_accretion_set_id"]) if row["information_accretion_set_id"] else None
    options = _options(row["options"])
    inputs = read_inputs(session, row["evaluation_set_id"], row["prediction_set_id"], config)
    out: dict[tuple[str, str], ProteinScores] = {}
    for category in CATEGORIES:
        gt = inputs.ground_truth[inputs.ground_truth["category"] == category][["target", "term"]]
        if gt.empty:
            continue
        targets = set(gt["target"])
        preds = inputs.predictions[inputs.predictions["target"].isin(targets)]
        known = inputs.known[inputs.known["target"].isin(targets)] if category == "PK" else None
        scores = protein_scores(inputs.sg.graph, preds, gt, known=known, ia=ia, weighted=weighted, options=options)
        for namespace, value in scores.items():
            out[(category, namespace)] = value
    return out


def compare(
    session: Session,
    plan: ComparisonPlan,
    *,
    baseline: str | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Comparison:
    """The comparison of the plan's runs (contract point 3); ``baseline`` defaults to the first run."""
    baseline = baseline or plan.runs[0]
    if baseline not in plan.runs:
        raise InvalidInput(f"the baseline {baseline!r} is not one of the compared runs ({', '.join(plan.runs)})")
    weighted = plan.metric == "f_w"
    per_run = {name: result_protein_scores(session, rid, weighted) for name, rid in plan.result_ids.items()}
    options = {name: _options(_stored_options(session, rid)) for name, rid in plan.result_ids.items()}
    norms = {o.norm for o in options.values()}
    if len(norms) > 1:
        raise InvalidInput("the compared results were normalised differently (norm): evaluate them the same way")
    norm = norms.pop()
    frames = []
    for stream, (category, namespace) in enumerate((c, n) for c in CATEGORIES for n in NAMESPACES):
        cell = {
            name: scores[(category, namespace)] for name, scores in per_run.items() if (category, namespace) in scores
        }
        if len(cell) != len(per_run):
            continue
        table = paired_bootstrap(cell, baseline, resamples=resamples, seed=seed, norm=norm, stream=stream)
        table.insert(0, "namespace", namespace)
        table.insert(0, "category", category)
        table.insert(3, "metric", plan.metric_label)
        frames.append(table)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TABLE_COLUMNS)
    return Comparison(plan, baseline, resamples, seed, table[TABLE_COLUMNS], stored_curves(session, plan))


def _stored_options(session: Session, result_id: int) -> dict:
    return dict(session.execute(Q.result_inputs, {"id": result_id}).mappings().one()["options"] or {})


def stored_curves(session: Session, plan: ComparisonPlan) -> pd.DataFrame:
    """The stored precision-recall curves of the plan's results, labelled by run (weighted when the metric is)."""
    run_of = {rid: name for name, rid in plan.result_ids.items()}
    rows = session.execute(Q.curves_of_results, {"ids": list(run_of)}).mappings().all()
    frame = pd.DataFrame(rows, columns=["evaluation_result_id", "category", "namespace", "tau", "pr", "rc", "f",
                                        "pr_w", "rc_w", "f_w"])  # fmt: skip
    suffix = "_w" if plan.metric == "f_w" else ""
    out = pd.DataFrame(
        {
            "run": frame["evaluation_result_id"].map(run_of),
            "category": frame["category"],
            "namespace": frame["namespace"],
            "tau": frame["tau"],
            "precision": frame[f"pr{suffix}"],
            "recall": frame[f"rc{suffix}"],
        }
    )
    return out


def comparison_csv(comparison: Comparison) -> str:
    """The comparison table for download (one row per category × namespace × run)."""
    frame = comparison.table.copy()
    frame.insert(0, "evaluation_set", comparison.plan.evaluation_set_label)
    frame["baseline"] = comparison.baseline
    frame["resamples"] = comparison.resamples
    frame["seed"] = comparison.seed
    return frame.to_csv(index=False)
