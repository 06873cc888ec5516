"""``workbench dataset export`` / ``reranker train`` / ``predict --reranker`` / ``rerank`` / ``reranker evaluate``
on the synthetic holdout, one-sentence errors, and the same chain as jobs on a real worker."""

from __future__ import annotations

import json

import pytest

from services.cli import main
from services.db.engine import session_scope
from services.evaluation.information_accretion import ia_from_annotation_set
from services.jobs import service
from services.reranking.rerankers import get_reranker
from tests.reranking.synthetic import LEAD, seed_synthetic
from tests.support.waiting import wait_for


def _json(capsys, argv: list[str]) -> dict:
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


@pytest.fixture
def synthetic(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_ARTIFACT_DIR", str(tmp_path / "artifacts"))
    monkeypatch.setenv("WORKBENCH_ROLE", "lead")
    return seed_synthetic(tmp_path, families=6)


def test_cli_chain(synthetic, capsys, monkeypatch) -> None:
    s = synthetic.sets
    exported = _json(capsys, ["dataset", "export", "cli", "--config", "comp", "--k", "8", "--train",
                              f"{s[0]}:{s[1]},{s[1]}:{s[2]}", "--eval", f"{s[2]}:{s[3]}", "--json"])  # fmt: skip
    assert exported["train_rows"] > 0 and len(exported["manifest_sha"]) == 64
    shown = _json(capsys, ["dataset", "show", "cli", "--json"])
    assert shown["manifest"]["families"] == ["knn", "alignment", "lengths", "go_context"]
    assert shown["balance"]["train"]["NK"]["BPO"]["positives"] > 0
    trained = _json(capsys, ["reranker", "train", "cli-lr", "--dataset", "cli", "--objective", "lambdarank",
                             "--seed", "3", "--json"])  # fmt: skip
    assert trained["metrics"]["best_iteration"] >= 1
    per_cat = _json(capsys, ["reranker", "train", "cli-cat", "--dataset", "cli", "--per-category", "--json"])
    assert per_cat["name"] == "cli-cat"
    with session_scope() as session:
        ia_table = ia_from_annotation_set(session, LEAD, s[1]).id
    weighted = _json(capsys, ["reranker", "train", "cli-ia", "--dataset", "cli", "--ia-set", str(ia_table), "--json"])
    assert 0 < weighted["metrics"]["fmax"] <= 1
    with session_scope() as session:
        card = get_reranker(session, "cli-ia").card
    assert card["spec"]["ia_weights"] is True and card["spec"]["objective"] == "binary"

    argv = ["predict", "--config", "comp", "--annotation-set", str(s[2]), "-k", "8", "--accession", "Q00015"]
    predicted = _json(capsys, [*argv, "--accession", "Q00016", "--reranker", "cli-lr", "--json"])
    ps = predicted["prediction_set_id"]
    assert predicted["reranked"]["predictions"] == predicted["predictions"] > 0
    again = _json(capsys, ["rerank", "--prediction-set", str(ps), "--reranker", "cli-cat", "--json"])
    assert again["predictions"] == predicted["predictions"]
    with session_scope() as session:
        from sqlalchemy import text

        stored = sorted(
            session.execute(text("SELECT id FROM go_prediction WHERE prediction_set_id = :p"), {"p": ps}).scalars()
        )
        scored = session.execute(
            text("SELECT reranker_id, go_prediction_ids FROM reranked_score WHERE prediction_set_id = :p"), {"p": ps}
        ).all()
    # One row per re-ranker; its ids are exactly the set's predictions, once each.
    assert len(scored) == 2 and len(stored) == predicted["predictions"]
    assert all(sorted(ids) == stored for _, ids in scored)

    listed = _json(capsys, ["reranker", "list", "--json"])
    assert {r["name"] for r in listed["rerankers"]} == {"cli-lr", "cli-cat", "cli-ia"}

    # Errors: one sentence, exit 1.
    bare = _json(capsys, ["predict", "--config", "comp", "--annotation-set", str(s[2]), "--accession", "Q00015",
                          "--no-alignments", "--json"])  # fmt: skip
    assert main(["rerank", "--prediction-set", str(bare["prediction_set_id"]), "--reranker", "cli-lr"]) == 1
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("error: re-ranker 'cli-lr' does not fit prediction set") and "missing columns identity_nw" in err
    )
    assert "\n" not in err
    assert main(["reranker", "train", "x", "--dataset", "nope"]) == 1
    assert capsys.readouterr().err.strip() == "error: no dataset named 'nope'"
    assert main(["dataset", "export", "bad", "--config", "comp", "--train", "1-2", "--eval", "2:3"]) == 1
    assert "is not OLD:NEW" in capsys.readouterr().err
    monkeypatch.setenv("WORKBENCH_ROLE", "curator")
    assert main(["reranker", "train", "y", "--dataset", "cli"]) == 1
    assert "only a lead" in capsys.readouterr().err


def test_chain_as_jobs_on_a_worker(synthetic, tmp_path, start_worker) -> None:
    s = synthetic.sets

    def finished(job_id):
        with session_scope() as session:
            found = service.get_job(session, job_id)
        return found if found.is_finished else None

    start_worker(env={"WORKBENCH_ARTIFACT_DIR": str(tmp_path / "artifacts")})
    steps = [
        ("reranking.export_dataset", {"name": "jobs", "config": "comp", "k": 8, "train": f"{s[0]}:{s[1]}",
                                      "eval": f"{s[2]}:{s[3]}"}),
        ("reranking.train", {"name": "jobs-model", "dataset": "jobs", "seed": 1}),
    ]  # fmt: skip
    for name, payload in steps:
        with session_scope() as session:
            job = service.submit(session, name, payload, LEAD)
        done = wait_for(lambda job=job: finished(job.id), timeout=180, message=name)
        assert done.status == "succeeded", done
    with session_scope() as session:
        ps = json.loads(json.dumps(done.findings))  # the train findings
        assert ps["name"] == "jobs-model"
        from services.reranking.datasets import get_dataset

        prediction_set = get_dataset(session, "jobs").stats["prediction_set_ids"][-1]
        job = service.submit(
            session, "reranking.rerank", {"prediction_set_id": prediction_set, "reranker": "jobs-model"}, LEAD
        )
    done = wait_for(lambda: finished(job.id), timeout=120, message="rerank job")
    assert done.status == "succeeded", done
    assert done.findings["predictions"] > 0
