"""Evaluation results from the database equal the evaluator run on the same inputs through files (and the
reference oracles where installed); scoring configs re-score stored features; bad input is one sentence."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from services.db.engine import session_scope
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.evaluation import browse
from services.evaluation.cafa import evaluate
from services.evaluation.files import read_pairs, read_prediction_file
from services.evaluation.graph import graph_from_obo
from services.evaluation.holdout import create_evaluation_set
from services.evaluation.results import read_inputs, run_evaluation
from services.evaluation.scoring import FEATURE_COLUMNS, get_scoring_config, score_frame
from tests.evaluation.fixtures import CURATOR, LEAD, PREDICTIONS, seed_prediction_set, seed_releases
from tests.evaluation.oracles import load_oracle, oracle_best

COLUMNS = ("tau", "n", "pr", "rc", "cov", "f", "s", "f_micro")


def _setup(tmp_path):
    seeded = seed_releases(tmp_path)
    with session_scope() as s:
        set_id = create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set).evaluation_set_id
    pred_id = seed_prediction_set(seeded.new_snapshot, seeded.old_set)
    return seeded, set_id, pred_id


def _write_inputs(tmp_path, set_id: int, category: str) -> tuple:
    """The evaluation's inputs as the files a lab would download: ground truth, known terms, predictions."""
    with session_scope() as s:
        (tmp_path / f"gt_{category}.tsv").write_text(browse.ground_truth_tsv(s, set_id, category))
        (tmp_path / "known.tsv").write_text(browse.known_tsv(s, set_id))
    folder = tmp_path / "preds"
    folder.mkdir(exist_ok=True)
    (folder / "method.tsv").write_text("".join(f"{p}\t{t}\t{score}\n" for p, t, score, *_ in PREDICTIONS))
    return tmp_path / f"gt_{category}.tsv", tmp_path / "known.tsv", folder / "method.tsv"


def test_stored_results_equal_the_evaluator_on_files(db_url, tmp_path) -> None:
    seeded, set_id, pred_id = _setup(tmp_path)
    with session_scope() as s:
        run = run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=pred_id)
    with session_scope() as s:
        stored = browse.best_rows(s, run.evaluation_result_id)
        stored_curve = browse.curve(s, run.evaluation_result_id)
    graph = graph_from_obo(seeded.new_obo)
    assert set(stored["category"]) == {"NK", "LK", "PK"}
    for category in ("NK", "LK", "PK"):
        gt_path, known_path, pred_path = _write_inputs(tmp_path, set_id, category)
        known = read_pairs(known_path) if category == "PK" else None
        expected = evaluate(graph, read_prediction_file(pred_path).frame, read_pairs(gt_path), known=known).best
        ours = stored[stored["category"] == category]
        assert len(ours) == len(expected) > 0
        for _, row in expected.iterrows():
            mine = ours[(ours["namespace"] == row["namespace"]) & (ours["metric"] == row["metric"])].iloc[0]
            for col in COLUMNS:
                a, b = float(mine[col]), float(row[col])
                assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-9), (category, col)
        # the whole curve is stored: one point per threshold and namespace evaluated
        assert len(stored_curve[stored_curve["category"] == category]) >= ours["namespace"].nunique()

        dist = "cafaeval-protea" if category == "PK" else "cafaeval"
        if load_oracle(dist) is None:
            continue
        oracle = oracle_best(
            dist, seeded.new_obo, pred_path.parent, gt_path, known=known_path if known is not None else None
        )
        oracle_f = oracle[oracle["metric"] == "f"]
        names = {"biological_process": "BPO", "molecular_function": "MFO", "cellular_component": "CCO"}
        for _, row in oracle_f.iterrows():
            mine = ours[(ours["namespace"] == names[row["ns"]]) & (ours["metric"] == "f")].iloc[0]
            assert float(mine["f"]) == pytest.approx(float(row["f"]), abs=1e-6)
            assert float(mine["cov"]) == pytest.approx(float(row["cov"]), abs=1e-6)

    # the summary the CLI prints comes from the same rows
    assert run.results["PK"]["BPO"]["fmax"] == pytest.approx(
        float(stored[(stored["category"] == "PK") & (stored["metric"] == "f")]["f"].iloc[0])
    )
    assert run.dropped["predictions_read"] == len(PREDICTIONS) - 1  # P10004 is no delta protein


def test_scoring_config_rescores_stored_features(db_url, tmp_path) -> None:
    seeded, set_id, pred_id = _setup(tmp_path)
    with session_scope() as s:
        config = get_scoring_config(s, "alignment")
        inputs = read_inputs(s, set_id, pred_id, config)
    p = inputs.predictions
    scores = {(t, term): score for t, term, score in p[["target", "term", "score"]].itertuples(index=False)}
    assert scores[("P10001", "GO:0000103")] == pytest.approx((0.9 + 0.95) / 2)
    assert scores[("P10001", "GO:0000102")] == pytest.approx(0.3)  # SW identity missing: the mean of what is there
    assert scores[("P10002", "GO:0000101")] == 0.0  # no alignment at all
    with session_scope() as s:
        stored = run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=pred_id)
        rescored = run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=pred_id, scoring="alignment")
        results = browse.results_of_set(s, set_id)
    assert stored.results != rescored.results
    assert set(results["scoring"]) == {"stored scores", "alignment"}
    frame = pd.DataFrame([r[3:] for r in PREDICTIONS], columns=list(FEATURE_COLUMNS))
    with session_scope() as s:
        similarity = score_frame(frame, "cosine", get_scoring_config(s, "similarity"))
    assert similarity == pytest.approx([r[2] for r in PREDICTIONS])  # the preset reproduces stored scores


def test_obsolete_prediction_terms_are_mapped_or_counted(db_url, tmp_path) -> None:
    seeded, set_id, _ = _setup(tmp_path)
    rows = [("P10007", "GO:0000400", 0.9, 0.1, None, None, None, None, "IDA"),  # obsolete → GO:0000201
            ("P10007", "GO:0000401", 0.8, 0.2, None, None, None, None, "IDA")]  # fmt: skip  # no single replacement
    pred_id = seed_prediction_set(seeded.new_snapshot, seeded.new_set, rows, config="comp2")
    with session_scope() as s:
        inputs = read_inputs(s, set_id, pred_id)
    assert list(inputs.predictions["term"]) == ["GO:0000201"]
    assert inputs.dropped["predictions_unmapped"] == 1 and inputs.dropped["mapped"] == 1


def test_bad_input_is_one_sentence(db_url, tmp_path) -> None:
    seeded, set_id, pred_id = _setup(tmp_path)
    other = seed_prediction_set(seeded.new_snapshot, seeded.new_set, [PREDICTIONS[-1]], config="comp2")
    with session_scope() as s:
        with pytest.raises(NotFound, match="evaluation set 999 does not exist"):
            run_evaluation(s, LEAD, evaluation_set_id=999, prediction_set_id=pred_id)
        with pytest.raises(NotFound, match="prediction set 999 does not exist"):
            run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=999)
        with pytest.raises(InvalidInput, match="predicts none of the 5 proteins"):
            run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=other)
        with pytest.raises(NotFound, match="no scoring config named 'nope'"):
            run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=pred_id, scoring="nope")
        with pytest.raises(PermissionDenied):
            run_evaluation(s, CURATOR, evaluation_set_id=set_id, prediction_set_id=pred_id)
