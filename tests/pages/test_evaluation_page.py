"""The Evaluation page through AppTest on the real database: sets with their stats chart, the results grid,
PR curves, comparison, baselines beside the method, downloads; leads get the forms (jobs), viewers do not;
bad input is one sentence and queues nothing."""

from __future__ import annotations

import pytest

from services.db.engine import session_scope
from services.evaluation.baselines import predict_baseline
from services.evaluation.holdout import create_evaluation_set
from services.evaluation.results import run_evaluation
from services.jobs import service as jobs
from tests.evaluation.fixtures import CURATOR, LEAD, PROTEINS, seed_prediction_set, seed_releases
from tests.pages.conftest import frame_with


def _seed(tmp_path, results: bool = True) -> dict:
    seeded = seed_releases(tmp_path)
    with session_scope() as s:
        set_id = create_evaluation_set(
            s, LEAD, old=seeded.old_set, new=seeded.new_set, name="2025→2026"
        ).evaluation_set_id
    method = seed_prediction_set(seeded.new_snapshot, seeded.old_set)
    # the real Naive baseline over the OLD release (terms of the old snapshot: mapped when evaluated)
    naive = predict_baseline("naive", seeded.old_set, CURATOR, accessions=PROTEINS).prediction_set_id
    ids = {"seeded": seeded, "set": set_id, "method": method, "naive": naive}
    if results:
        with session_scope() as s:
            ids["r1"] = run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=method).evaluation_result_id
            ids["r2"] = run_evaluation(
                s, LEAD, evaluation_set_id=set_id, prediction_set_id=method, scoring="alignment"
            ).evaluation_result_id
    return ids


def _jobs() -> list:
    with session_scope() as s:
        listed, _ = jobs.list_jobs(s)
    return listed


def test_viewer_reads_sets_results_curves_and_comparison(app, tmp_path) -> None:
    ids = _seed(tmp_path)
    at = app("pages/evaluation.py", role="viewer", query={"set": str(ids["set"])})
    assert not [b for b in at.button if b.key in ("es_create", "ev_run")]
    stats = frame_with(at, "proteins")
    nk = stats[(stats["category"] == "NK") & (stats["namespace"] == "CCO")]
    assert int(nk["proteins"].iloc[0]) == 1 and int(nk["annotations"].iloc[0]) == 3
    results = frame_with(at, "method")
    assert set(results["scoring"]) == {"stored scores", "alignment"}
    assert set(results["method"]) == {"comp embeddings"}
    assert results["PK BPO"].iloc[0] != "–" and results["PK MFO"].iloc[0] == "–"  # no PK MFO ground truth
    charts = at.get("plotly_chart")
    assert len(charts) >= 5  # stats, grid, three PR curves
    diff = frame_with(at, "Δ Fmax")
    assert len(diff) == 6 and set(diff["category"]) == {"NK", "LK", "PK"}
    # the naive baseline is offered (not evaluated yet), but a viewer cannot start it
    assert any("naive baseline" in i.value for i in at.info)
    assert not [b for b in at.button if b.key.startswith("ev_baseline_")]
    downloads = [d for d in at.get("download_button")]
    assert len(downloads) == 6

    # why a prediction scores what it does under a scoring config
    at.selectbox(key="x_set").set_value(ids["method"]).run()
    at.selectbox(key="x_protein").set_value("P10001").run()
    at.selectbox(key="x_term").set_value("GO:0000103")
    at.selectbox(key="x_config").set_value("alignment").run()
    assert not at.exception
    why = frame_with(at, "contribution")
    assert why["contribution"].sum() == pytest.approx((0.9 + 0.95) / 2)
    assert any("alignment score **0.925**" in c.value for c in at.caption)


def test_lead_creates_a_set_and_runs_evaluations_as_jobs(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(tmp_path))
    ids = _seed(tmp_path, results=False)
    seeded = ids["seeded"]
    at = app("pages/evaluation.py", role="lead")
    assert any("No results yet" in i.value for i in at.info)

    # same release twice: one sentence, nothing queued
    at.selectbox(key="es_old").set_value(seeded.new_set)
    at.selectbox(key="es_new").set_value(seeded.new_set)
    at.button(key="es_create").click().run()
    assert not at.exception and "must be different" in at.error[0].value and not _jobs()
    at.selectbox(key="es_old").set_value(seeded.old_set)
    at.selectbox(key="es_ontology").set_value(seeded.old_snapshot)
    at.button(key="es_create").click().run()
    (job,) = _jobs()
    assert job.operation == "evaluation.create_set"
    assert job.payload["old"] == seeded.old_set and job.payload["new"] == seeded.new_set
    assert job.payload["ontology"] == seeded.old_snapshot

    # an IA file with junk: one sentence naming the file and line, nothing queued
    (tmp_path / "ia.tsv").write_text("GO:0000100\t1\nGO:0000101\tmany\n")
    at.selectbox(key="ev_pred").set_value(ids["method"])
    at.radio(key="ev_ia").set_value("from a file").run()
    at.text_input(key="ev_ia_file_path").input(str(tmp_path / "ia.tsv"))
    at.button(key="ev_run").click().run()
    assert not at.exception
    assert any("ia.tsv, line 2: IA 'many' is not a number" in e.value for e in at.error)
    assert len(_jobs()) == 1

    at.radio(key="ev_ia").set_value("from an annotation set")
    at.selectbox(key="ev_scoring").set_value("balanced")
    at.button(key="ev_run").click().run()
    evaluate = [j for j in _jobs() if j.operation == "evaluation.evaluate"]
    assert len(evaluate) == 1
    assert evaluate[0].payload == {
        "evaluation_set_id": ids["set"],
        "prediction_set_id": ids["method"],
        "scoring": "balanced",
        "ia": {"annotation_set": at.selectbox(key="ev_ia_set").value},
    }

    # the baseline is offered beside the method
    at.button(key=f"ev_baseline_{ids['naive']}").click().run()
    evaluate = [j for j in _jobs() if j.operation == "evaluation.evaluate"]
    assert {j.payload["prediction_set_id"] for j in evaluate} == {ids["method"], ids["naive"]}


def test_baseline_results_show_beside_the_method(app, tmp_path) -> None:
    ids = _seed(tmp_path)
    with session_scope() as s:
        run_evaluation(s, LEAD, evaluation_set_id=ids["set"], prediction_set_id=ids["naive"])
    at = app("pages/evaluation.py", role="lead")
    results = frame_with(at, "method")
    assert "naive (baseline)" in set(results["method"]) and "comp embeddings" in set(results["method"])
    naive = results[results["method"] == "naive (baseline)"].iloc[0]
    assert naive["NK MFO"] != "–"  # old-snapshot terms were mapped to the evaluation's snapshot
    assert not [b for b in at.button if b.key.startswith("ev_baseline_")]


def test_an_unknown_set_in_the_link_is_one_sentence(app, tmp_path) -> None:
    _seed(tmp_path, results=False)
    at = app("pages/evaluation.py", role="viewer", query={"set": "999"})
    assert [e.value for e in at.error] == ["evaluation set 999 does not exist"]
    at = app("pages/evaluation.py", role="viewer", query={"set": "abc"})
    assert [e.value for e in at.error] == ["'abc' is not an evaluation set id"]


def test_lead_creates_a_scoring_config(app, tmp_path) -> None:
    _seed(tmp_path, results=False)
    at = app("pages/evaluation.py", role="lead")
    at.text_input(key="sc_name").input("sw-only")
    at.button(key="sc_create").click().run()
    assert [e.value for e in at.error] == ["give at least one signal a positive weight"]
    at.number_input(key="sc_w_identity_sw").set_value(1.0)
    at.button(key="sc_create").click().run()
    assert any("Created scoring config sw-only" in s.value for s in at.success)
    at.button(key="sc_create").click().run()
    assert [e.value for e in at.error] == ["a scoring config named 'sw-only' already exists (configs never change)"]
    assert "sw-only" in at.selectbox(key="ev_scoring").options
