"""The ``workbench`` commands (``--json``) and the background jobs run the same loaders end to end."""

from __future__ import annotations

import json

from services.auth.identity import Identity, Role
from services.cli import main
from services.db.engine import session_scope
from services.jobs import service
from tests.conftest import wait_for
from tests.go_annotations.fixtures import GAF_22
from tests.ontology.fixtures import MINI_GO
from tests.proteins.fixtures import UNIPROT_FASTA


def _json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_loads_with_json(db_url, tmp_path, capsys) -> None:
    (tmp_path / "ref.fasta").write_text(UNIPROT_FASTA)
    (tmp_path / "q.fasta").write_text(">query1 my protein\nMKVLAAGIVALLVAGCSSKT\n")
    (tmp_path / "go.obo").write_text(MINI_GO)
    (tmp_path / "a.gaf").write_text(GAF_22)

    assert _json(capsys, ["load-fasta", str(tmp_path / "ref.fasta"), "--json"]) == {
        "proteins": 4,
        "sequences_new": 3,
        "sequences_reused": 1,
        "query_set_id": None,
    }
    qs = _json(capsys, ["load-fasta", str(tmp_path / "q.fasta"), "--query-set", "mine", "--json"])
    assert (qs["proteins"], qs["sequences_new"], qs["sequences_reused"]) == (1, 0, 1)
    assert isinstance(qs["query_set_id"], int)

    obo = _json(capsys, ["load-obo", str(tmp_path / "go.obo"), "--json"])
    assert {k: obo[k] for k in ("obo_version", "terms", "relationships", "obsolete")} == {
        "obo_version": "releases/2026-01-01",
        "terms": 10,
        "relationships": 7,
        "obsolete": 1,
    }

    gaf = _json(
        capsys,
        [
            "load-gaf",
            str(tmp_path / "a.gaf"),
            "--ontology",
            str(obo["snapshot_id"]),
            "--source",
            "goa",
            "--version",
            "2026-01",
            "--json",
        ],
    )
    assert (gaf["annotations"], gaf["skipped"]) == (5, 4)
    assert gaf["skipped_reasons"]["unknown_protein"] == 1 and isinstance(gaf["annotation_set_id"], int)

    anc = _json(capsys, ["go", "ancestors", "GO:0000012", "--ontology", "releases/2026-01-01", "--json"])
    assert [t["go_id"] for t in anc["terms"]] == ["GO:0000001", "GO:0000010", "GO:0000011"]

    # A domain error prints one sentence (and a JSON error) and exits 1.
    assert (
        main(["load-gaf", str(tmp_path / "a.gaf"), "--ontology", "77", "--source", "goa", "--version", "x", "--json"])
        == 1
    )
    out = capsys.readouterr()
    assert json.loads(out.out) == {"error": "no ontology snapshot with id 77", "code": "not_found"}
    assert "error: no ontology snapshot with id 77" in out.err


def test_background_jobs_load_with_progress(db_url, tmp_path, start_worker) -> None:
    (tmp_path / "ref.fasta").write_text(UNIPROT_FASTA)
    (tmp_path / "go.obo").write_text(MINI_GO)
    (tmp_path / "a.gaf").write_text(GAF_22)
    curator = Identity("cora", Role.CURATOR)
    with session_scope() as s:
        fasta_job = service.submit(s, "proteins.load_fasta", {"path": str(tmp_path / "ref.fasta")}, curator)
        obo_job = service.submit(s, "ontology.load_obo", {"path": str(tmp_path / "go.obo")}, curator)
    start_worker(env={"WORKBENCH_IMPORT_DIRS": str(tmp_path)})  # job paths must lie in an import folder

    def finished(job_id):
        with session_scope() as s:
            job = service.get_job(s, job_id)
        return job if job.is_finished else None

    fasta = wait_for(lambda: finished(fasta_job.id), timeout=60, message="FASTA job")
    obo = wait_for(lambda: finished(obo_job.id), timeout=60, message="OBO job")
    assert fasta.status == "succeeded" and fasta.findings["proteins"] == 4
    assert fasta.progress_total and fasta.progress_current == fasta.progress_total
    assert obo.status == "succeeded" and obo.findings["terms"] == 10
    with session_scope() as s:
        gaf_job = service.submit(
            s,
            "go_annotations.load_gaf",
            {
                "path": str(tmp_path / "a.gaf"),
                "ontology": obo.findings["snapshot_id"],
                "source": "goa",
                "version": "v1",
            },
            curator,
        )
        bad_job = service.submit(
            s,
            "go_annotations.load_gaf",
            {
                "path": str(tmp_path / "missing.gaf"),
                "ontology": obo.findings["snapshot_id"],
                "source": "goa",
                "version": "v2",
            },
            curator,
        )
    gaf = wait_for(lambda: finished(gaf_job.id), timeout=60, message="GAF job")
    assert gaf.status == "succeeded" and gaf.findings["annotations"] == 5
    with session_scope() as s:
        kinds = [e.kind for e in service.job_events(s, gaf_job.id)]
        assert "skipped" in kinds  # the counted skips are on the job's timeline
    bad = wait_for(lambda: finished(bad_job.id), timeout=60, message="failing GAF job")
    assert (bad.status, bad.error_code) == ("failed", "bad_input_file")
    assert bad.error_message.endswith("missing.gaf: no such file")
