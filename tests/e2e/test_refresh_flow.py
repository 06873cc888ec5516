"""Refresh an annotation source from the Annotation runs page: the run is a background job, it shows with its
health and counts, and the allele it linked shows its current value on the Allele page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from services.annotations.read_path import current_annotation, resolve_allele
from services.annotations.sources import add_source
from services.db.engine import session_scope
from services.jobs import service
from services.variants.loader import load_vcf
from tests.support.vcf_files import CURATOR, DATA
from tests.support.waiting import wait_for

GNOMAD = """##fileformat=VCFv4.2
##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">
##INFO=<ID=AF_popmax,Number=A,Type=Float,Description="Max AF">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
1\t1000\t.\tA\tG\t.\tPASS\tAF=0.0125;AF_popmax=0.02
"""


def test_refresh_from_the_page_and_see_the_run_and_the_allele(live_app: str, browser_page, tmp_path: Path) -> None:
    assert load_vcf(DATA / "vep_cases.vcf", CURATOR).status == "completed"
    release = tmp_path / "gnomad.vcf"
    release.write_text(GNOMAD)
    add_source(release, CURATOR, name="gnomad", kind="gnomad", version="4.1")

    page = browser_page
    page.goto(f"{live_app}/annotation-runs")
    # The first visit of a fresh server imports the app: give it more than the default 5 s on a busy machine.
    expect(page.get_by_role("heading", name="Annotation runs")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Refresh gnomad").click()
    expect(page.get_by_text("Queued job")).to_be_visible()

    def finished():
        with session_scope() as s:
            jobs, _ = service.list_jobs(s, operations=["annotations.refresh"])
        return jobs and jobs[0].is_finished and jobs[0]

    job = wait_for(finished, timeout=90, message="the refresh job to finish")
    assert job.status == "succeeded", job.error_message
    page.reload()
    expect(page.locator("strong", has_text="healthy").first).to_be_visible(timeout=20_000)
    expect(page.locator("strong", has_text="applied").first).to_be_visible()

    page.goto(f"{live_app}/allele?allele=chr1-1000-A-G")
    expect(page.locator("strong", has_text="chr1-1000-A-G")).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()  # the links timeline
    with session_scope() as s:  # what the page's table shows (canvas-drawn, so read through the read path)
        allele = resolve_allele(s, "chr1-1000-A-G")
        current = current_annotation(s, [allele.id])[allele.id]["gnomad"]
    assert current.source_version == "4.1" and "0.0125" in str(current.value)
