"""Load a VCF from the Variants page (a server path inside an import folder), watch the job succeed on the
Jobs page, browse the loaded variants and download the filtered set; then load a second VCF by uploading it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from services.db.engine import session_scope
from services.jobs import service
from tests.support.waiting import wait_for

DATA = Path(__file__).resolve().parents[1] / "variants" / "data"


@pytest.fixture
def import_dir(tmp_path, monkeypatch) -> Path:
    """An import folder the app and its worker accept (set before ``live_app`` starts them)."""
    monkeypatch.setenv("WORKBENCH_IMPORT_DIRS", str(tmp_path))
    return tmp_path


def _latest_load_job():
    with session_scope() as s:
        jobs, _ = service.list_jobs(s, operations=["variants.load_vcf"])
    return jobs[0] if jobs else None


def test_load_vcf_from_the_page_and_browse_it(import_dir: Path, live_app: str, browser_page) -> None:
    vcf = import_dir / "cases.vcf"
    shutil.copy(DATA / "vep_cases.vcf", vcf)
    page = browser_page
    page.goto(f"{live_app}/variants")
    expect(page.get_by_role("heading", name="Variants")).to_be_visible()

    page.get_by_text("Load VCF").click()
    page.get_by_label("…or a path on the server (inside an import folder)").fill(str(vcf))
    page.get_by_role("button", name="Start loading").click()
    expect(page.get_by_text("Queued load job")).to_be_visible()

    def finished():
        job = _latest_load_job()
        return job is not None and job.is_finished and job

    job = wait_for(finished, timeout=90, message="the load job to finish")
    assert job.status == "succeeded", job.error_message
    assert job.findings["variants_loaded"] == 16
    page.goto(f"{live_app}/jobs?job={job.id}")
    expect(page.locator("strong", has_text="succeeded")).to_be_visible()

    page.goto(f"{live_app}/variants")
    expect(page.get_by_text("16 variants")).to_be_visible()
    page.get_by_role("textbox", name="Gene", exact=True).fill("GENE4")
    page.get_by_role("textbox", name="Gene", exact=True).press("Enter")
    expect(page.get_by_text("1 variants")).to_be_visible()

    with page.expect_download(timeout=90_000) as download:  # the file is built on the click; slow on a busy CI box
        page.get_by_role("button", name="Download CSV (filtered set)").click()
    exported = Path(download.value.path()).read_text().splitlines()
    assert len(exported) == 2 and "GENE4" in exported[1]  # the header and the one filtered variant

    first = job.id
    page.get_by_text("Load VCF").click()
    page.locator("input[type=file]").set_input_files(str(DATA / "clinvar_20261103.vcf"))
    page.get_by_role("button", name="Start loading").click()
    expect(page.get_by_text("Queued load job")).to_be_visible()

    def uploaded_finished():
        job = _latest_load_job()
        return job is not None and job.id != first and job.is_finished and job

    second = wait_for(uploaded_finished, timeout=90, message="the uploaded file's load job to finish")
    assert second.status == "succeeded", second.error_message
    assert second.findings["variants_loaded"] > 0
