"""Experiment runs against the real database: the schema's guards (status trigger, unique axis short id, link
targets), links and what deleting a run leaves, jobs submitted in a run, provenance, comments, roles, re-run,
comparison (refused across evaluation sets), and the CLI."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.cli import main
from services.db.engine import session_scope
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.evaluation.holdout import create_evaluation_set
from services.evaluation.results import run_evaluation
from services.experiments import runs
from services.experiments.compare import compare, comparison_csv, plan_comparison
from services.jobs import service
from services.jobs.store import finish as mark_finished
from tests.evaluation.fixtures import CURATOR, LEAD, PREDICTIONS, VIEWER, seed_prediction_set, seed_releases
from tests.support.waiting import wait_for

# A second prediction set: the first one's rows with the true-looking scores pushed up.
BETTER = [(p, t, min(0.99, s + 0.3), *rest) for p, t, s, *rest in PREDICTIONS]


def _evaluated(tmp_path, *, two_sets: bool = False):
    seeded = seed_releases(tmp_path)
    first = seed_prediction_set(seeded.new_snapshot, seeded.old_set)
    second = seed_prediction_set(seeded.new_snapshot, seeded.old_set, BETTER)
    with session_scope() as s:
        set_id = create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set, name="holdout A")
        set_id = set_id.evaluation_set_id
        r1 = run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=first).evaluation_result_id
        r2 = run_evaluation(s, LEAD, evaluation_set_id=set_id, prediction_set_id=second).evaluation_result_id
        other = None
        if two_sets:
            other_set = create_evaluation_set(s, LEAD, old=seeded.old_set, new=seeded.new_set, name="holdout B")
            other = run_evaluation(
                s, LEAD, evaluation_set_id=other_set.evaluation_set_id, prediction_set_id=second
            ).evaluation_result_id
    return seeded, set_id, (first, second), (r1, r2, other)


def test_status_moves_only_forward_in_the_database(db_url) -> None:
    with session_scope() as s:
        run = runs.create_run(s, LEAD, "esm-k10", hypothesis="more neighbours help")
        assert run.status == "planned" and run.started_at is None
    with session_scope() as s:
        started = runs.set_status(s, LEAD, "esm-k10", "running")
        assert started.started_at is not None and started.finished_at is None
    with session_scope() as s:
        with pytest.raises(InvalidInput, match="cannot go from running to planned"):
            runs.set_status(s, LEAD, "esm-k10", "planned")
    with session_scope() as s:
        done = runs.set_status(s, LEAD, "esm-k10", "done")
        assert done.finished_at is not None
    # the trigger itself, bypassing the service: done is final; a run cannot be inserted running
    with session_scope() as s:
        with pytest.raises(DBAPIError, match="cannot go from done to running"):
            s.execute(text("UPDATE experiment_run SET status = 'running' WHERE name = 'esm-k10'"))
    with session_scope() as s:
        with pytest.raises(DBAPIError, match="must start as planned"):
            s.execute(
                text(
                    "INSERT INTO experiment_run (name, status, config, provenance, tags, created_by) "
                    "VALUES ('x', 'done', '{}', '{}', '{}', 'lena')"
                )
            )
    with session_scope() as s:
        runs.create_run(s, LEAD, "dropped idea")
        assert runs.set_status(s, LEAD, "dropped idea", "abandoned").status == "abandoned"
        with pytest.raises(InvalidInput, match="cannot go from abandoned to running"):
            runs.set_status(s, LEAD, "dropped idea", "running")


def test_axis_short_id_is_canonical_and_unique_when_set(db_url) -> None:
    axes = {"plm": "esm2_t33", "k": "10"}
    canonical = json.dumps(
        {"ensemble_spec": None, "eval_set_manifest_sha": None, "eval_set_name": None, "feature_schema_sha": None,
         "k": 10, "plm": "esm2_t33", "propagation": None, "reranker_spec_id": None},
        separators=(",", ":"),
    )  # fmt: skip
    assert runs.axis_shortid(axes) == hashlib.sha256(canonical.encode()).hexdigest()[:12]
    assert runs.axis_shortid({}) is None
    with session_scope() as s:
        first = runs.create_run(s, LEAD, "a", config={"plm": "esm2_t33", "k": 10, "lr": 0.1})
        assert first.axis_tuple_shortid == runs.axis_shortid(axes) and first.axes["k"] == 10
        runs.create_run(s, LEAD, "no axes 1")
        runs.create_run(s, LEAD, "no axes 2")  # null short ids never collide
    with session_scope() as s:
        with pytest.raises(InvalidInput, match="the run 'a' already has these axes"):
            runs.create_run(s, LEAD, "b", config={"k": 10, "plm": "esm2_t33"})
    with session_scope() as s:  # the partial unique index itself
        with pytest.raises(IntegrityError, match="uq_experiment_run_axis_tuple_shortid"):
            s.execute(
                text(
                    "INSERT INTO experiment_run (name, status, config, provenance, tags, created_by, "
                    "axis_tuple_shortid) VALUES ('c', 'planned', '{}', '{}', '{}', 'lena', :sid)"
                ),
                {"sid": first.axis_tuple_shortid},
            )
    with session_scope() as s:
        with pytest.raises(InvalidInput, match="already exists"):
            runs.create_run(s, LEAD, "a")
        with pytest.raises(InvalidInput, match="JSON object"):
            runs.parse_config("[1, 2]")
        with pytest.raises(InvalidInput, match="not valid JSON"):
            runs.parse_config("{plm: esm}")


def test_links_and_deleting_a_run_keeps_its_results(db_url, tmp_path) -> None:
    _, _, (first, _), (r1, r2, _) = _evaluated(tmp_path)
    with session_scope() as s:
        runs.create_run(s, LEAD, "knn")
        runs.attach(s, LEAD, "knn", evaluation_result_id=r1)
        runs.attach(s, LEAD, "knn", evaluation_result_id=r1)  # once only
        runs.attach(s, LEAD, "knn", prediction_set_id=first)
        runs.attach(s, LEAD, "knn", dataset="train-2026-01")
        runs.attach(s, LEAD, "knn", reranker="lgbm-v1")
        linked = runs.links(s, "knn")
        assert sorted(v.kind for v in linked) == ["dataset", "evaluation_result", "prediction_set", "reranker"]
        assert any(v.label.startswith(f"Evaluation result {r1}: prediction set {first} on holdout A") for v in linked)
        with pytest.raises(NotFound, match="evaluation result 999"):
            runs.attach(s, LEAD, "knn", evaluation_result_id=999)
        with pytest.raises(InvalidInput, match="exactly one"):
            runs.attach(s, LEAD, "knn")
        with pytest.raises(PermissionDenied):
            runs.attach(s, CURATOR, "knn", evaluation_result_id=r2)
    with session_scope() as s:  # a link names exactly its kind's target
        with pytest.raises(IntegrityError, match="ck_experiment_link_target"):
            s.execute(
                text(
                    "INSERT INTO experiment_link (experiment_run_id, kind, ref_name, evaluation_result_id, created_by) "
                    "SELECT id, 'dataset', 'x', :r, 'lena' FROM experiment_run WHERE name = 'knn'"
                ),
                {"r": r2},
            )
    with session_scope() as s:
        runs.delete_run(s, LEAD, "knn")
    with session_scope() as s:
        assert s.execute(text("SELECT count(*) FROM experiment_link")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM evaluation_result WHERE id = :r"), {"r": r1}).scalar() == 1
        assert s.execute(text("SELECT count(*) FROM prediction_set WHERE id = :p"), {"p": first}).scalar() == 1


def test_start_captures_provenance(db_url, tmp_path) -> None:
    seeded, set_id, (first, _), (r1, _, _) = _evaluated(tmp_path)
    with session_scope() as s:
        runs.create_run(s, LEAD, "prov", config={"k": 5, "threshold": 0.3})
        runs.attach(s, LEAD, "prov", evaluation_result_id=r1)
        run = runs.set_status(s, LEAD, "prov", "running")
    p = run.provenance
    assert p["code"]["package"] == "curation-workbench" and p["code"]["version"]
    assert p["code"]["git_sha"] is None or len(p["code"]["git_sha"]) == 40
    assert {"numpy", "pandas", "scipy", "lightgbm", "streamlit", "sqlalchemy", "procrastinate"} <= set(p["libraries"])
    inputs = p["inputs"]
    assert [r["id"] for r in inputs["evaluation_results"]] == [r1]
    assert len(inputs["evaluation_results"][0]["evaluation_set"]["content_hash"]) == 32
    assert [ps["id"] for ps in inputs["prediction_sets"]] == [first]  # through the result
    assert {a["id"] for a in inputs["annotation_sets"]} == {seeded.old_set, seeded.new_set}
    assert all(len(a["content_hash"]) == 32 for a in inputs["annotation_sets"])
    assert all(len(o["content_hash"]) == 64 for o in inputs["ontology_snapshots"])
    assert len(inputs["embedding_configs"][0]["content_hash"]) == 64
    assert p["parameters"]["config"] == {"k": 5, "threshold": 0.3}


def test_comments_and_roles(db_url) -> None:
    with session_scope() as s:
        runs.create_run(s, LEAD, "talk")
        runs.add_comment(s, CURATOR, "talk", "  looks good  ")
        runs.add_comment(s, LEAD, "talk", "agreed")
        assert [(c.author, c.body) for c in runs.comments(s, "talk")] == [("cora", "looks good"), ("lena", "agreed")]
        with pytest.raises(PermissionDenied):
            runs.add_comment(s, VIEWER, "talk", "me too")
        with pytest.raises(InvalidInput, match="empty"):
            runs.add_comment(s, CURATOR, "talk", "   ")
        for action in (
            lambda: runs.create_run(s, CURATOR, "nope"),
            lambda: runs.set_status(s, CURATOR, "talk", "running"),
            lambda: runs.update_narrative(s, VIEWER, "talk", findings="x"),
            lambda: runs.delete_run(s, CURATOR, "talk"),
        ):
            with pytest.raises(PermissionDenied):
                action()
        updated = runs.update_narrative(s, LEAD, "talk", findings="k=10 wins", tags=["knn", "knn", " esm "])
        assert updated.findings == "k=10 wins" and updated.tags == ["knn", "esm"]
        assert runs.get_run(s, str(updated.id)).name == "talk"


def test_a_job_submitted_in_a_run_links_what_it_creates(db_url, tmp_path, start_worker) -> None:
    seeded, set_id, (first, _), _ = _evaluated(tmp_path)
    with session_scope() as s:
        runs.create_run(s, LEAD, "in-run")
        job = service.submit(
            s,
            "evaluation.evaluate",
            {"evaluation_set_id": set_id, "prediction_set_id": first, "experiment": "in-run"},
            LEAD,
        )
        assert [v.kind for v in runs.links(s, "in-run")] == ["job"]
    start_worker()

    def finished():
        with session_scope() as s:
            found = service.get_job(s, job.id)
        return found if found.is_finished else None

    done = wait_for(finished, timeout=90, message="evaluation job in a run")
    assert done.status == "succeeded", done
    with session_scope() as s:
        linked = runs.links(s, "in-run")
    assert sorted(v.kind for v in linked) == ["evaluation_result", "job"]
    assert (
        next(v for v in linked if v.kind == "evaluation_result").evaluation_result_id
        == (done.findings["evaluation_result_id"])
    )
    # re-run: a new run with the same config, its job submitted again in it, linked to the original
    with session_scope() as s:
        again, jobs = runs.rerun(s, LEAD, "in-run")
        assert again.name == "in-run (re-run 1)" and again.rerun_of_id is not None and again.status == "running"
        assert [j.payload["experiment"] for j in jobs] == ["in-run (re-run 1)"]
    done = wait_for(lambda: _finished(jobs[0].id), timeout=90, message="re-run job")
    assert done.status == "succeeded", done
    with session_scope() as s:
        assert sorted(v.kind for v in runs.links(s, again.name)) == ["evaluation_result", "job"]


def _finished(job_id):
    with session_scope() as s:
        found = service.get_job(s, job_id)
    return found if found.is_finished else None


def test_finished_job_with_vanished_ids_still_finishes(db_url) -> None:
    with session_scope() as s:
        runs.create_run(s, LEAD, "ghost")
        job = service.submit(s, "evaluation.evaluate", {"experiment": "ghost", "evaluation_set_id": 1}, LEAD)
    with session_scope() as s:
        mark_finished(s, job.id, "succeeded", findings={"evaluation_result_id": 424242, "prediction_set_id": "x"})
    with session_scope() as s:
        assert service.get_job(s, job.id).status == "succeeded"
        assert [v.kind for v in runs.links(s, "ghost")] == ["job"]


def test_compare_two_runs_and_refuse_different_sets(db_url, tmp_path) -> None:
    _, set_id, _, (r1, r2, other) = _evaluated(tmp_path, two_sets=True)
    with session_scope() as s:
        for name, result in (("A", r1), ("B", r2), ("C", other)):
            runs.create_run(s, LEAD, name)
            runs.attach(s, LEAD, name, evaluation_result_id=result)
        runs.create_run(s, LEAD, "empty")
    with session_scope() as s:
        plan = plan_comparison(s, ["A", "B"])
        assert plan.result_ids == {"A": r1, "B": r2} and plan.metric == "f"
        result = compare(s, plan, baseline="A", resamples=200, seed=3)
        again = compare(s, plan, baseline="A", resamples=200, seed=3)
        with pytest.raises(InvalidInput, match="different evaluation sets.*holdout A.*holdout B"):
            plan_comparison(s, ["A", "C"])
        with pytest.raises(InvalidInput, match="'empty' has no evaluation result"):
            plan_comparison(s, ["A", "empty"])
        with pytest.raises(InvalidInput, match="2 to 8"):
            plan_comparison(s, ["A"])
    table = result.table
    assert set(table["run"]) == {"A", "B"}
    stored = {(row.category, row.namespace): row.f for row in _best_f(r1)}
    for row in table[table["run"] == "A"].itertuples():
        assert row.value == pytest.approx(stored[(row.category, row.namespace)], abs=1e-9)
        assert row.diff == 0 and row.diff_low == 0 == row.diff_high
    assert (table["ci_low"] <= table["value"] + 1e-6).all() and (table["value"] <= table["ci_high"] + 1e-6).all()
    assert table.equals(again.table)
    csv = comparison_csv(result)
    assert csv.splitlines()[0].startswith("evaluation_set,category,namespace,run,metric,value,ci_low")


def _best_f(result_id: int):
    with session_scope() as s:
        return s.execute(
            text(
                "SELECT category, namespace, f FROM evaluation_best_row "
                "WHERE evaluation_result_id = :r AND metric = 'f'"
            ),
            {"r": result_id},
        ).all()


def test_cli(db_url, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_ROLE", "lead")
    _, _, _, (r1, r2, _) = _evaluated(tmp_path)

    def run_json(argv):
        assert main(argv) == 0, capsys.readouterr()
        return json.loads(capsys.readouterr().out)

    made = run_json(["experiment", "create", "A", "--hypothesis", "baseline", "--config", '{"k": 5}', "--tag", "knn",
                     "--tag", "esm", "--json"])  # fmt: skip
    assert made["status"] == "planned" and made["tags"] == ["knn", "esm"] and made["axes"]["k"] == 5
    run_json(["experiment", "create", "B", "--json"])
    assert run_json(["experiment", "attach", "A", "--evaluation-result", str(r1), "--json"])["kind"] == (
        "evaluation_result"
    )
    run_json(["experiment", "attach", "B", "--evaluation-result", str(r2), "--json"])
    assert run_json(["experiment", "status", "A", "running", "--json"])["status"] == "running"
    out = run_json(["experiment", "compare", "A", "B", "--baseline", "A", "--resamples", "100", "--json"])
    assert out["baseline"] == "A" and out["metric"] == "Fmax" and out["evaluation_set"] == "holdout A"
    cell = next(c for c in out["cells"] if c["run"] == "B" and c["category"] == "NK" and c["namespace"] == "BPO")
    assert set(cell) >= {"value", "diff", "ci_low", "ci_high", "diff_low", "diff_high", "n_proteins"}
    assert main(["experiment", "compare", "A", "B"]) == 0
    assert "paired resamples" in capsys.readouterr().out
    # errors are one sentence
    assert main(["experiment", "status", "A", "running"]) == 0
    capsys.readouterr()
    assert main(["experiment", "create", "C", "--config", "{bad"]) == 1
    assert capsys.readouterr().err.startswith("error: --config is not valid JSON")
    assert main(["experiment", "attach", "A", "--job", "nope"]) == 1
    assert "UUID" in capsys.readouterr().err
    assert main(["experiment", "status", "nobody", "done"]) == 1
    assert capsys.readouterr().err.strip() == "error: no experiment run named 'nobody'"
    monkeypatch.setenv("WORKBENCH_ROLE", "viewer")
    assert main(["experiment", "create", "D"]) == 1
    assert "only a lead" in capsys.readouterr().err


def test_submit_in_run_carries_the_name_and_refuses_finished_runs(db_url) -> None:
    with session_scope() as s:
        runs.create_run(s, LEAD, "carrier")
        job = runs.submit_in_run(s, LEAD, "carrier", "db.maintenance", {})
        assert job.payload == {"experiment": "carrier"}
        assert [v.job_id for v in runs.links(s, "carrier")] == [job.id]
        with pytest.raises(PermissionDenied):
            runs.submit_in_run(s, CURATOR, "carrier", "db.maintenance", {})
        runs.set_status(s, LEAD, "carrier", "abandoned")
        with pytest.raises(InvalidInput, match="is abandoned"):
            runs.submit_in_run(s, LEAD, "carrier", "db.maintenance", {})
