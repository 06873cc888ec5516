"""The Re-rankers page through AppTest on the real database: model cards (metrics, PR curve, importance chart,
provenance, where used), datasets (manifest, class balance, files, downloads); leads get the forms (jobs),
viewers do not; bad input is one sentence and queues nothing."""

from __future__ import annotations

import pytest

from services.db.engine import session_scope
from services.evaluation.holdout import create_evaluation_set
from services.jobs import service as jobs
from services.reranking.datasets import export_dataset, get_dataset, parse_pairs
from services.reranking.evaluation import evaluate_reranked
from services.reranking.rerankers import rerank
from services.reranking.training import TrainSpec, train_reranker
from tests.reranking.synthetic import CURATOR, LEAD, seed_synthetic
from tests.support.page_frames import frame_with


@pytest.fixture
def trained(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ARTIFACT_DIR", str(tmp_path / "artifacts"))
    syn = seed_synthetic(tmp_path, families=5)
    s = syn.sets
    export_dataset(LEAD, "page-ds", config="comp", k=8, train=parse_pairs(f"{s[0]}:{s[1]}", "t"),
                   eval_pair=parse_pairs(f"{s[2]}:{s[3]}", "e")[0])  # fmt: skip
    train_reranker(LEAD, "page-model", "page-ds", TrainSpec(seed=2))
    with session_scope() as session:
        ps = get_dataset(session, "page-ds").stats["prediction_set_ids"][-1]
    rerank(CURATOR, ps, "page-model")
    with session_scope() as session:
        es = create_evaluation_set(session, LEAD, old=s[2], new=s[3]).evaluation_set_id
        result = evaluate_reranked(session, LEAD, evaluation_set_id=es, prediction_set_id=ps, reranker="page-model")
    return {"prediction_set": ps, "result": result.evaluation_result_id}


def _jobs() -> list:
    with session_scope() as s:
        listed, _ = jobs.list_jobs(s)
    return listed


def test_viewer_reads_model_cards_and_datasets(app, trained) -> None:
    at = app("pages/rerankers.py", role="viewer")
    assert not [b for b in at.button if b.key in ("rr_train", "ri_import", "ds_export")]
    table = frame_with(at, "validation Fmax")
    row = table[table["name"] == "page-model"].iloc[0]
    assert row["source"] == "trained here" and row["dataset"] == "page-ds" and 0 < row["validation Fmax"] <= 1
    assert [m.label for m in at.metric][:2] == ["Validation Fmax", "Threshold at Fmax"]
    provenance = frame_with(at, "what")
    assert "feature schema sha256" in provenance["what"].tolist()
    used = frame_with(at, "prediction set")
    assert trained["prediction_set"] in used["prediction set"].tolist()
    results = frame_with(at, "evaluation result")
    assert results["evaluation result"].tolist() == [trained["result"]]
    assert len(at.get("plotly_chart")) >= 3  # PR curve, importance, class balance
    balance = frame_with(at, "positive share")
    assert set(balance["split"]) == {"train", "eval"} and (balance["positives"] > 0).all()
    assert any("Files match their manifest" in s.value for s in at.success)
    files = frame_with(at, "sha256")
    assert files["file"].tolist() == ["train.parquet", "eval.parquet", "manifest.json"]
    assert len(at.get("download_button")) == 3


def test_lead_forms_queue_jobs_and_refuse_bad_input(app, trained) -> None:
    at = app("pages/rerankers.py", role="lead")
    at.text_input(key="rr_name").input("page-model")
    at.button(key="rr_train").click().run()
    assert any("already exists" in e.value for e in at.error)
    assert not _jobs()
    at.text_input(key="rr_name").input("second")
    at.button(key="rr_train").click().run()
    assert [j.operation for j in _jobs()] == ["reranking.train"]
    evaluate = next(b for b in at.button if b.label == "Evaluate re-ranked scores")
    evaluate.click().run()
    queued = [j for j in _jobs() if j.operation == "reranking.evaluate"]
    assert len(queued) == 1 and queued[0].payload["prediction_set_id"] == trained["prediction_set"]
    at.text_input(key="ds_name").input("next")
    at.text_input(key="ds_train").input("1-2")
    at.text_input(key="ds_eval").input("3:4")
    at.button(key="ds_export").click().run()
    assert any("is not OLD:NEW" in e.value for e in at.error)
    at.text_input(key="ds_train").input("1:2")
    at.button(key="ds_export").click().run()
    assert sorted(j.operation for j in _jobs()) == ["reranking.evaluate", "reranking.export_dataset", "reranking.train"]
