"""Open the app in Chromium, upload (paste) a FASTA query set, and see it listed once the worker loaded it."""

from __future__ import annotations

from playwright.sync_api import expect

from services.db.engine import session_scope
from services.jobs import service
from services.proteins.query_sets import list_query_sets
from tests.support.waiting import wait_for


def test_upload_a_query_set_and_see_it_listed(live_app: str, browser_page) -> None:
    page = browser_page
    page.goto(live_app)
    page.get_by_role("link", name="Query sets").first.click()
    expect(page.get_by_role("heading", name="Query sets")).to_be_visible()

    page.get_by_label("Name").fill("e2e queries")
    page.get_by_label("…or paste FASTA").fill(">q1 first query\nMKVLAAGIVA\n>q2\nMALLHSARVL\n")
    page.get_by_role("button", name="Upload query set").click()
    expect(page.get_by_text("Queued job")).to_be_visible()

    def loaded() -> bool:
        with session_scope() as s:
            jobs, _ = service.list_jobs(s)
            return bool(jobs) and jobs[0].status == "succeeded"

    wait_for(loaded, timeout=60, message="the query set job")
    with session_scope() as s:
        [qs] = list_query_sets(s)
    assert (qs.name, qs.entries, qs.created_by) == ("e2e queries", 2, "e2e")
    page.reload()
    expect(page.get_by_text("e2e queries · 2 sequences · uploaded by e2e")).to_be_visible()
