"""Import folders on every path a job reads: one resolver (real path, symlinks followed) in the worker.

Rule under test (README, "Server paths"): a path from a job payload or a page must resolve inside
``WORKBENCH_IMPORT_DIRS`` — checked by the operation in the worker, whoever queued the job; uploads are stored
there under a sanitised name; the CLI reads the local user's own paths (its own file permissions apply).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from services.auth.identity import Identity, Role
from services.cli import main
from services.db.engine import session_scope
from services.errors import InputFileError, InvalidInput, PermissionDenied
from services.input_files import resolve_input_path, save_upload
from services.jobs import service
from services.jobs.operations import get_operation
from services.jobs.progress import ProgressReporter
from tests.conftest import wait_for
from tests.ontology.fixtures import MINI_GO
from tests.proteins.fixtures import UNIPROT_FASTA

CURATOR = Identity("cora", Role.CURATOR)


@pytest.fixture
def folders(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """(imports, elsewhere): one import folder, and a sibling folder outside it holding a valid FASTA."""
    imports, elsewhere = tmp_path / "imports", tmp_path / "elsewhere"
    imports.mkdir()
    elsewhere.mkdir()
    (elsewhere / "x.fasta").write_text(UNIPROT_FASTA)
    (imports / "ok.fasta").write_text(UNIPROT_FASTA)
    (imports / "go.obo").write_text(MINI_GO)
    (imports / "escape.fasta").symlink_to(elsewhere / "x.fasta")
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(imports))
    return imports, elsewhere


def _counts() -> dict[str, int]:
    with session_scope() as s:
        return {
            t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("protein", "sequence", "ontology_snapshot", "annotation_set", "variant_load_audit", "variants")
        }


def test_the_resolver_follows_dots_and_symlinks(folders) -> None:
    imports, elsewhere = folders
    assert resolve_input_path(str(imports / "ok.fasta"), confined=True) == (imports / "ok.fasta").resolve()
    refused = [
        "/etc/shadow",
        "/etc/passwd",
        str(imports / ".." / "elsewhere" / "x.fasta"),
        str(imports / "escape.fasta"),  # a symlink inside, pointing out
        str(imports) + "-sibling/x.fasta",  # a prefix is not a parent
    ]
    for raw in refused:
        with pytest.raises(PermissionDenied, match="is outside the import folders"):
            resolve_input_path(raw, "FASTA file", confined=True)
    with pytest.raises(InputFileError, match="no such file"):
        resolve_input_path(str(imports / "missing.fasta"), confined=True)
    with pytest.raises(InputFileError, match="not a regular file"):
        resolve_input_path(str(imports), confined=True)
    with pytest.raises(InvalidInput, match="NUL byte"):
        resolve_input_path(str(imports / "ok.fasta\x00.txt"), confined=True)
    with pytest.raises(InvalidInput, match="path is required"):
        resolve_input_path("  ", confined=True)
    assert resolve_input_path(str(imports), "taxdump", confined=True, folder_ok=True) == imports.resolve()


def test_an_import_folder_given_through_a_symlink_is_resolved_too(tmp_path, monkeypatch) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.fasta").write_text(UNIPROT_FASTA)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(tmp_path / "link"))
    assert resolve_input_path(str(real / "a.fasta"), confined=True) == (real / "a.fasta").resolve()


def _payloads(imports: Path, outside: str) -> list[tuple[str, dict]]:
    ok_vcf = imports / "ok.vcf"
    ok_vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    return [
        ("proteins.load_fasta", {"path": outside}),
        ("proteins.load_uniprot_metadata", {"path": outside}),
        ("ontology.load_obo", {"path": outside}),
        ("go_annotations.load_gaf", {"path": outside, "ontology": 1, "source": "goa", "version": "v1"}),
        ("variants.load_vcf", {"path": outside}),
        ("variants.load_vcf", {"path": str(ok_vcf), "reference_fasta": outside}),
        ("variants.load_vcf", {"path": str(ok_vcf), "sample_map": outside}),
        ("predictions.run", {"config": "c", "annotation_set_id": 1, "query_set": "q", "taxdump": outside}),
    ]


@pytest.mark.parametrize("outside", ["/etc/shadow", "imports/../elsewhere/x.fasta", "imports/escape.fasta"])
def test_every_operation_that_reads_a_path_refuses_one_outside_in_the_worker(db_url, folders, outside) -> None:
    imports, _ = folders
    outside = outside.replace("imports", str(imports))
    before = _counts()
    for name, payload in _payloads(imports, outside):
        with pytest.raises(PermissionDenied, match="outside the import folders"):
            get_operation(name).fn(payload, ProgressReporter(None), CURATOR)
    assert _counts() == before


def test_a_job_for_etc_shadow_fails_in_a_real_worker_and_loads_nothing(db_url, folders, start_worker) -> None:
    imports, _ = folders
    with session_scope() as s:
        bad = service.submit(s, "proteins.load_fasta", {"path": f"{imports}/../elsewhere/x.fasta"}, CURATOR)
        good = service.submit(s, "ontology.load_obo", {"path": str(imports / "go.obo")}, CURATOR)
    start_worker(env={"WORKBENCH_IMPORT_DIRS": str(imports)})

    def finished(job_id):
        with session_scope() as s:
            job = service.get_job(s, job_id)
        return job if job.is_finished else None

    failed = wait_for(lambda: finished(bad.id), timeout=60, message="the refused job")
    assert (failed.status, failed.error_code) == ("failed", "permission_denied")
    assert failed.error_message == (
        f"the FASTA file {imports}/../elsewhere/x.fasta is outside the import folders ({imports.resolve()}); "
        "put the file there first"
    )
    assert wait_for(lambda: finished(good.id), timeout=60, message="the allowed job").status == "succeeded"
    assert _counts()["protein"] == 0


def test_uploads_keep_inside_the_uploads_folder_under_a_safe_name(folders) -> None:
    imports, _ = folders
    uploads = (imports / "uploads").resolve()
    for name in ("../../etc/passwd", "..", "", "a\\..\\..\\b.vcf", ".hidden", "x" * 300 + ".fasta", "ok name;rm.vcf"):
        path = save_upload(name, b">x\nMK\n", CURATOR)
        assert path.parent == uploads, name
        assert not path.name.split("_", 1)[1].startswith("."), name
        assert len(path.name) <= 113 and set(path.name) <= set(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
        )
    assert save_upload("../../etc/passwd", b"x", CURATOR).name.endswith("_passwd")
    with pytest.raises(PermissionDenied):
        save_upload("a.fasta", b"x", Identity("v", Role.VIEWER))


def test_the_cli_reads_the_local_users_own_paths(db_url, folders, capsys) -> None:
    """The documented CLI rule: the local user's path is resolved (symlinks too) but not confined."""
    _, elsewhere = folders
    assert main(["load-fasta", str(elsewhere / "x.fasta"), "--json"]) == 0
    assert _counts()["protein"] == 4
    capsys.readouterr()
    assert main(["load-obo", str(elsewhere / "missing.obo")]) == 1
    assert capsys.readouterr().err == f"error: {elsewhere / 'missing.obo'}: no such file\n"
    assert main(["load-vcf", str(elsewhere / "x.fasta"), "--sample-map", os.fspath(elsewhere / "none.ped")]) == 1
    assert capsys.readouterr().err == f"error: {elsewhere / 'none.ped'}: no such file\n"
