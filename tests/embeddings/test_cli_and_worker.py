"""The ``workbench`` commands (``embedding-config add``, ``embed``, ``predict`` with ``--json``) and a real
worker serving only the ``embeddings`` queue."""

from __future__ import annotations

import json

from sqlalchemy import text

from services.cli import main
from services.db.engine import session_scope
from services.jobs.service import get_job, submit
from tests.support.prediction_seed import CURATOR, seed_catalog
from tests.support.waiting import wait_for


def _json_of(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_cli_config_embed_predict(db_url, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_ROLE", "curator")
    seeded = seed_catalog(tmp_path)
    assert main(["embedding-config", "add", "comp", "--backend", "composition", "--json"]) == 0
    assert _json_of(capsys)["model_backend"] == "composition"
    assert main(["embedding-config", "add", "comp", "--backend", "composition", "--json"]) == 1
    assert "already exists" in _json_of(capsys)["error"]
    aset = str(seeded.annotation_set_id)
    assert main(["embed", "--config", "comp", "--annotation-set", aset, "--json"]) == 0
    out = _json_of(capsys)
    assert set(out) == {"config", "computed", "skipped", "seconds"} and out["computed"] == 4
    assert main(["embed", "--config", "comp", "--query-set", "queries", "--json"]) == 0
    assert _json_of(capsys)["skipped"] == 1
    args = ["predict", "--config", "comp", "--annotation-set", str(seeded.annotation_set_id)]
    assert main([*args, "--query-set", "queries", "-k", "2", "--json"]) == 0
    out = _json_of(capsys)
    assert set(out) == {"prediction_set_id", "queries", "predictions", "seconds"}
    assert out["queries"] == 2 and out["predictions"] >= 3
    assert main(["embedding-backends", "--json"]) == 0
    assert {b["name"] for b in _json_of(capsys)} >= {"composition", "esm", "t5", "ankh", "esm3c"}


def test_worker_on_the_embeddings_queue_runs_the_compute_job(db_url, tmp_path, start_worker) -> None:
    seeded = seed_catalog(tmp_path)
    from services.embeddings.configs import add_config

    with session_scope() as s:
        add_config(s, CURATOR, "comp", "composition")
        job = submit(s, "embeddings.compute", {"config": "comp", "all": True}, CURATOR)
    assert job.queue_name == "embeddings"
    start_worker("--queues", "embeddings")

    def finished():
        with session_scope() as s:
            j = get_job(s, job.id)
        return j if j.is_finished else None

    done = wait_for(finished, timeout=60, message="the embedding job")
    assert done.status == "succeeded", done.error_message
    assert done.findings["computed"] == 5 and done.progress_current == 5
    with session_scope() as s:
        job2 = submit(
            s,
            "predictions.run",
            {"config": "comp", "annotation_set_id": seeded.annotation_set_id, "query_set": "queries", "k": 2},
            CURATOR,
        )
        count = s.execute(text("SELECT count(*) FROM sequence_embedding")).scalar()
    assert count == 5 and job2.queue_name == "default"
    start_worker("--queues", "default")

    def predicted():
        with session_scope() as s:
            j = get_job(s, job2.id)
        return j if j.is_finished else None

    done2 = wait_for(predicted, timeout=60, message="the prediction job")
    assert done2.status == "succeeded", done2.error_message
    assert done2.findings["queries"] == 2 and done2.findings["predictions"] >= 3
    with session_scope() as s:
        linked = s.execute(
            text("SELECT job_id FROM prediction_set WHERE id = :i"),
            {"i": done2.findings["prediction_set_id"]},
        ).scalar()
    assert linked == job2.id
