"""``workbench eval-set create`` / ``workbench evaluate`` (JSON shapes, IA choices, one-sentence errors) and
the same work as background jobs on a real worker."""

from __future__ import annotations

import json

from services.auth.identity import Identity, Role
from services.cli import main
from services.db.engine import session_scope
from services.jobs import service
from tests.conftest import wait_for
from tests.evaluation.fixtures import seed_prediction_set, seed_releases

SUMMARY_KEYS = {"fmax", "tau", "precision", "recall", "coverage", "n", "f_micro", "smin", "fmax_w", "f_micro_w"}


def _json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_creates_a_set_and_evaluates(db_url, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_ROLE", "lead")
    seeded = seed_releases(tmp_path)
    pred_id = seed_prediction_set(seeded.new_snapshot, seeded.old_set)
    created = _json(capsys, ["eval-set", "create", "--old", str(seeded.old_set), "--new", str(seeded.new_set),
                             "--evidence", "EXP,IDA,IMP", "--evidence", "IPI,HDA", "--json"])  # fmt: skip
    set_id = created["evaluation_set_id"]
    assert created["stats"]["evidence_codes"] == ["EXP", "IDA", "IMP", "IPI", "HDA"]
    assert created["stats"]["categories"]["PK"]["BPO"] == {"proteins": 1, "annotations": 1}

    out = _json(capsys, ["evaluate", "--evaluation-set", str(set_id), "--prediction-set", str(pred_id), "--json"])
    assert set(out["results"]) == {"NK", "LK", "PK"}
    assert set(out["results"]["NK"]) == {"BPO", "MFO", "CCO"} and set(out["results"]["PK"]) == {"BPO"}
    nk_bpo = out["results"]["NK"]["BPO"]
    assert set(nk_bpo) == SUMMARY_KEYS and nk_bpo["fmax_w"] is None  # no IA: weighted metrics are null
    assert 0 < nk_bpo["fmax"] <= 1 and nk_bpo["n"] == 1

    ia_file = tmp_path / "ia.tsv"
    ia_file.write_text("GO:0000100\t1.0\nGO:0000101\t1.0\nGO:0000102\t2.0\nGO:0000103\t0.5\nGO:0000301\t1\n")
    with_ia = _json(capsys, ["evaluate", "--evaluation-set", str(set_id), "--prediction-set", str(pred_id),
                             "--ia", str(ia_file), "--scoring", "balanced", "--json"])  # fmt: skip
    assert with_ia["results"]["LK"]["BPO"]["fmax_w"] is not None
    from_set = _json(capsys, ["evaluate", "--evaluation-set", str(set_id), "--prediction-set", str(pred_id),
                              "--ia-from", str(seeded.new_set), "--json"])  # fmt: skip
    assert from_set["evaluation_result_id"] > with_ia["evaluation_result_id"]
    assert from_set["results"]["NK"]["CCO"]["fmax_w"] is not None

    # errors: one sentence, exit 1, JSON error object
    ia_file.write_text("GO:0000100\t1.0\nGO:0000101 one\n")
    argv = ["evaluate", "--evaluation-set", str(set_id), "--prediction-set", str(pred_id), "--ia", str(ia_file)]
    assert main([*argv, "--json"]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["error"] == f"{ia_file}, line 2: IA 'one' is not a number"
    assert main(["evaluate", "--evaluation-set", "999", "--prediction-set", str(pred_id)]) == 1
    assert capsys.readouterr().err.strip() == "error: evaluation set 999 does not exist"
    monkeypatch.setenv("WORKBENCH_ROLE", "curator")
    assert main(["eval-set", "create", "--old", str(seeded.old_set), "--new", str(seeded.new_set)]) == 1
    assert "only a lead" in capsys.readouterr().err


def test_evaluation_jobs_run_on_a_worker(db_url, tmp_path, start_worker) -> None:
    seeded = seed_releases(tmp_path)
    pred_id = seed_prediction_set(seeded.new_snapshot, seeded.old_set)
    lead = Identity("lena", Role.LEAD)
    with session_scope() as s:
        job = service.submit(s, "evaluation.create_set", {"old": seeded.old_set, "new": seeded.new_set}, lead)
    start_worker()

    def finished(job_id):
        with session_scope() as s:
            found = service.get_job(s, job_id)
        return found if found.is_finished else None

    done = wait_for(lambda: finished(job.id), timeout=90, message="evaluation set job")
    assert done.status == "succeeded", done
    set_id = done.findings["evaluation_set_id"]
    with session_scope() as s:
        events = [e.message for e in service.job_events(s, job.id)]
        evaluate_job = service.submit(
            s,
            "evaluation.evaluate",
            {"evaluation_set_id": set_id, "prediction_set_id": pred_id, "ia": {"annotation_set": seeded.new_set}},
            lead,
        )
    assert any("propagating" in m for m in events)
    done = wait_for(lambda: finished(evaluate_job.id), timeout=90, message="evaluation job")
    assert done.status == "succeeded", done
    assert done.findings["results"]["PK"]["BPO"]["fmax"] is not None


def test_cli_lists_sets_and_manages_scoring_configs(db_url, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_ROLE", "lead")
    seeded = seed_releases(tmp_path)
    _json(capsys, ["eval-set", "create", "--old", str(seeded.old_set), "--new", str(seeded.new_set), "--json"])
    (listed,) = _json(capsys, ["eval-set", "list", "--json"])
    assert listed["old"] == seeded.old_set and listed["stats"]["delta_proteins"] == 5
    argv = ["scoring-config", "add", "mine", "--formula", "evidence_weighted", "--weight", "identity_sw=2"]
    added = _json(capsys, [*argv, "--weight", "vote_fraction=1", "--evidence-weight", "IEA=0.2", "--json"])
    assert added["weights"] == {"identity_sw": 2.0, "vote_fraction": 1.0} and added["evidence_weights"] == {"IEA": 0.2}
    names = {c["name"]: c for c in _json(capsys, ["scoring-config", "list", "--json"])}
    assert names["mine"]["preset"] is False and names["balanced"]["preset"] is True
    assert main(["scoring-config", "add", "mine", "--weight", "identity_sw=1"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["scoring-config", "add", "other", "--weight", "identity_sw"]) == 1
    assert "expected NAME=NUMBER" in capsys.readouterr().err


def test_the_evaluate_job_reads_ia_files_only_inside_the_import_folders(db_url, tmp_path, monkeypatch) -> None:
    import pytest

    from services.errors import PermissionDenied
    from services.evaluation.operations import evaluate_operation
    from services.jobs.progress import ProgressReporter

    imports = tmp_path / "imports"
    imports.mkdir()
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(imports))
    seeded = seed_releases(tmp_path)
    pred_id = seed_prediction_set(seeded.new_snapshot, seeded.old_set)
    lead = Identity("lena", Role.LEAD)
    with session_scope() as s:
        from services.evaluation.holdout import create_evaluation_set

        set_id = create_evaluation_set(s, lead, old=seeded.old_set, new=seeded.new_set).evaluation_set_id
    outside = tmp_path / "ia.tsv"
    outside.write_text("GO:0000100\t1.0\n")
    payload = {"evaluation_set_id": set_id, "prediction_set_id": pred_id, "ia": {"file": str(outside)}}
    with pytest.raises(PermissionDenied, match="import folder"):
        evaluate_operation(payload, ProgressReporter(None), lead)
    inside = imports / "ia.tsv"
    inside.write_text("GO:0000100\t1.0\n")
    done = evaluate_operation(payload | {"ia": {"file": str(inside)}}, ProgressReporter(None), lead)
    assert done["results"]["NK"]["BPO"]["fmax_w"] is not None
