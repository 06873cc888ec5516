"""The Experiments page through the real app router: the list (filters, headline), a run's page (narrative,
status, links, grid, comments) and the comparison (charts, intervals, the URL, refusals)."""

from __future__ import annotations

import pytest

from services.db.engine import session_scope
from services.evaluation import browse
from services.evaluation.holdout import create_evaluation_set
from services.evaluation.results import run_evaluation
from services.experiments import runs
from services.jobs import service
from tests.evaluation.fixtures import LEAD, PREDICTIONS, seed_prediction_set, seed_releases
from tests.support.page_frames import frame_with

FEWER = PREDICTIONS[::2]  # a second prediction set that misses some terms
PAGE = "pages/experiments.py"


def _seed(tmp_path, *, other_set: bool = False) -> tuple[int, int, int | None]:
    seeded = seed_releases(tmp_path)
    first = seed_prediction_set(seeded.new_snapshot, seeded.old_set)
    second = seed_prediction_set(seeded.new_snapshot, seeded.old_set, FEWER)
    with session_scope() as s:
        set_id = create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set, name="holdout A")
        r1 = run_evaluation(s, LEAD, evaluation_set_id=set_id.evaluation_set_id, prediction_set_id=first)
        r2 = run_evaluation(s, LEAD, evaluation_set_id=set_id.evaluation_set_id, prediction_set_id=second)
        r3 = None
        if other_set:
            other = create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set, name="holdout B")
            r3 = run_evaluation(s, LEAD, evaluation_set_id=other.evaluation_set_id, prediction_set_id=second)
        runs.create_run(s, LEAD, "knn k=5", hypothesis="five neighbours are enough", config={"plm": "esm2", "k": 5},
                        tags=["knn"])  # fmt: skip
        runs.attach(s, LEAD, "knn k=5", evaluation_result_id=r1.evaluation_result_id)
        runs.create_run(s, LEAD, "knn tuned", config={"plm": "esm2", "k": 10}, tags=["knn", "tuned"])
        runs.attach(s, LEAD, "knn tuned", evaluation_result_id=r2.evaluation_result_id)
        runs.set_status(s, LEAD, "knn tuned", "running")
        if r3 is not None:
            runs.create_run(s, LEAD, "other set")
            runs.attach(s, LEAD, "other set", evaluation_result_id=r3.evaluation_result_id)
    return r1.evaluation_result_id, r2.evaluation_result_id, None if r3 is None else r3.evaluation_result_id


def _mean_fmax(result_id: int) -> float:
    with session_scope() as s:
        best = browse.best_rows(s, result_id)
    return float(best[best["metric"] == "f"]["f"].mean())


def test_list_with_filters_and_headline(app, tmp_path) -> None:
    at = app(PAGE)
    assert any("No experiment runs yet" in i.value for i in at.info)
    r1, r2, _ = _seed(tmp_path)
    at = app(PAGE)
    table = frame_with(at, "mean Fmax")
    assert list(table["run"]) == ["knn tuned", "knn k=5"]
    assert list(table["evaluation set"]) == ["holdout A", "holdout A"]
    assert list(table["cells"]) == [4, 6]  # cells with a best row: the smaller set predicts nothing in two
    assert list(table["mean Fmax"]) == [pytest.approx(_mean_fmax(r2)), pytest.approx(_mean_fmax(r1))]
    assert table.loc[0, "mean Fmax"] != table.loc[1, "mean Fmax"]
    at.multiselect(key="flt_status").set_value(["running"]).run()
    assert list(frame_with(at, "mean Fmax")["run"]) == ["knn tuned"]
    at.multiselect(key="flt_status").set_value([]).run()
    at.multiselect(key="flt_tags").set_value(["tuned"]).run()
    assert list(frame_with(at, "mean Fmax")["run"]) == ["knn tuned"]
    at.multiselect(key="flt_tags").set_value([])
    at.multiselect(key="flt_k").set_value([5]).run()
    assert list(frame_with(at, "mean Fmax")["run"]) == ["knn k=5"]

    # a lead creates a run from the form; a viewer has no form
    at.text_input(key="new_name").input("new idea")
    at.text_area(key="new_config").input('{"plm": "prott5"}')
    at.button(key="new_create").click().run()
    assert not at.exception and any("new idea" in s.value for s in at.success)
    at.text_input(key="new_name").input("bad config")
    at.text_area(key="new_config").input("{nope")
    at.button(key="new_create").click().run()
    assert any("--config is not valid JSON" in e.value for e in at.error)
    viewer = app(PAGE, role="viewer")
    assert not [t for t in viewer.text_input if t.key == "new_name"]


def test_run_page_narrative_status_links_grid_and_comments(app, tmp_path) -> None:
    r1, _, _ = _seed(tmp_path)
    at = app(PAGE, query={"run": "knn k=5"})
    assert at.title[0].value == "knn k=5"
    assert any(f"Evaluation result {r1}: prediction set" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 4  # the 3 × 3 grid and one PR chart per namespace
    at.text_area(key="run_findings").input("k=5 is close to k=10")
    at.button(key="run_save").click().run()
    at.button(key="run_status_running").click().run()
    assert not at.exception
    with session_scope() as s:
        run = runs.get_run(s, "knn k=5")
    assert run.findings == "k=5 is close to k=10" and run.status == "running" and run.provenance["libraries"]
    assert [b.key for b in at.button if b.key.startswith("run_status_")] == ["run_status_done", "run_status_abandoned"]
    at.text_area(key="run_comment").input("curves look flat at high recall")
    at.button(key="run_comment_go").click().run()
    assert any("curves look flat" in m.value for m in at.markdown)

    viewer = app(PAGE, role="viewer", query={"run": "knn k=5"})
    assert not [b for b in viewer.button if b.key.startswith("run_status_")]
    assert not [t for t in viewer.text_area if t.key == "run_comment"]
    assert any("k=5 is close to k=10" in m.value for m in viewer.markdown)
    missing = app(PAGE, query={"run": "nobody"})
    assert any("no experiment run named 'nobody'" in e.value for e in missing.error)


def _param(at, name: str) -> list[str]:
    value = at.query_params.get(name)
    return value if isinstance(value, list) else [value]


def test_compare_view_from_the_url(app, tmp_path) -> None:
    _seed(tmp_path, other_set=True)
    at = app(PAGE, query={"compare": ["knn k=5", "knn tuned"], "baseline": "knn k=5", "resamples": "200"})
    assert not at.exception
    assert at.title[0].value == "Compare runs"
    table = frame_with(at, "Δ vs knn k=5")
    assert set(table["run"]) == {"knn k=5", "knn tuned"} and len(table) == 12  # six cells with ground truth
    assert set(table[table["run"] == "knn k=5"]["Δ vs knn k=5"]) == {"+0.000"}
    assert len(at.get("plotly_chart")) >= 4  # heat map, intervals, differences, PR curves
    assert any("holdout A" in c.value and "200 paired resamples" in c.value for c in at.caption)
    assert _param(at, "compare") == ["knn k=5", "knn tuned"] and _param(at, "baseline") == ["knn k=5"]
    at.selectbox(key="cmp_base").set_value("knn tuned").run()
    assert _param(at, "baseline") == ["knn tuned"] and _param(at, "resamples") == ["200"]
    assert "Δ vs knn tuned" in frame_with(at, "run").columns

    refused = app(PAGE, query={"compare": ["knn k=5", "other set"]})
    assert any("different evaluation sets" in e.value and "holdout B" in e.value for e in refused.error)


def test_run_page_submits_a_job_in_the_run_and_deletes_the_run(app, tmp_path) -> None:
    r1, _, _ = _seed(tmp_path)
    at = app(PAGE, query={"run": "knn tuned"})
    at.button(key="inrun_go").click().run()
    assert not at.exception and any("Queued job" in s.value for s in at.success)
    with session_scope() as s:
        [job_link] = [v for v in runs.links(s, "knn tuned") if v.kind == "job"]
        assert service.get_job(s, job_link.job_id).payload["experiment"] == "knn tuned"

    at = app(PAGE, query={"run": "knn k=5"})
    at.checkbox(key="run_delete_sure").check().run()
    at.button(key="run_delete").click().run()
    assert not at.exception and at.title[0].value == "Experiments"
    assert list(frame_with(at, "mean Fmax")["run"]) == ["knn tuned"]
    with session_scope() as s:
        assert browse.best_rows(s, r1)["f"].notna().any()  # its result stays
