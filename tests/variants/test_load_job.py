"""The ``variants.load_vcf`` background operation in a real worker; import-folder confinement; on_lost."""

from __future__ import annotations

import shutil
import uuid

import pytest

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import PermissionDenied
from services.input_files import resolve_input_path
from services.jobs import service
from services.variants.loader import mark_job_loads_failed
from tests.conftest import wait_for
from tests.variants.conftest import DATA


def _job(job_id):
    with session_scope() as s:
        return service.get_job(s, job_id)


def test_load_vcf_job_runs_in_the_worker(db_url, rows, start_worker, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(tmp_path))
    vcf = tmp_path / "cases.vcf"
    shutil.copy(DATA / "vep_cases.vcf", vcf)
    with session_scope() as s:
        job = service.submit(s, "variants.load_vcf", {"path": str(vcf)}, Identity("cur", Role.CURATOR))
    start_worker(env={"WORKBENCH_IMPORT_DIRS": str(tmp_path)})
    done = wait_for(lambda: (j := _job(job.id)).is_finished and j, timeout=60, message="load job")
    assert done.status == "succeeded", done.error_message
    assert (done.findings["status"], done.findings["variants_loaded"]) == ("completed", 16)
    assert rows("SELECT job_id, loaded_by FROM variant_load_audit") == [{"job_id": job.id, "loaded_by": "cur"}]


def test_paths_outside_import_folders_are_refused(db_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(tmp_path / "imports"))
    (tmp_path / "imports").mkdir()
    with pytest.raises(PermissionDenied, match="outside the import folders"):
        resolve_input_path(str(DATA / "vep_cases.vcf"), confined=True)
    with pytest.raises(PermissionDenied):
        resolve_input_path(str(tmp_path / "imports" / ".." / "escape.vcf"), confined=True)
    inside = tmp_path / "imports" / "ok.vcf"
    inside.write_text("x")
    assert resolve_input_path(str(inside), confined=True) == inside.resolve()


def test_on_lost_marks_a_running_load_failed(db_url, rows) -> None:
    job_id = uuid.uuid4()
    with session_scope() as s:
        from sqlalchemy import text

        s.execute(
            text(
                "INSERT INTO variant_load_audit (load_batch_id, file_path, file_name, genome_build, status, "
                "is_reload, tool_versions, consequence_fields, records_total, variants_loaded, "
                "variants_skipped, skip_reasons, warnings, samples_count, loaded_by, job_id) "
                "VALUES (gen_random_uuid(), '/x.vcf', 'x.vcf', 'GRCh38', 'running', false, '{}', '{}', "
                "0, 0, 0, '{}', '[]', 0, 'cur', :job)"
            ),
            {"job": job_id},
        )
    assert mark_job_loads_failed(job_id) == 1
    (audit,) = rows("SELECT status, error_message FROM variant_load_audit")
    assert audit["status"] == "failed" and "worker running this load stopped" in audit["error_message"]
