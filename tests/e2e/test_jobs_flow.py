"""Open the app in Chromium, start a maintenance job from the Jobs page and watch it succeed."""

from __future__ import annotations

from playwright.sync_api import expect

from services.db.engine import session_scope
from services.jobs import service


def test_submit_maintenance_and_watch_it_succeed(live_app: str, browser_page) -> None:
    page = browser_page
    page.goto(live_app)
    expect(page.get_by_role("heading", name="Curation Workbench")).to_be_visible()
    page.get_by_role("link", name="Jobs").first.click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()

    page.get_by_text("Run database maintenance").click()
    page.get_by_role("button", name="Start maintenance").click()
    expect(page.get_by_text("Queued job")).to_be_visible()
    expect(page.locator("strong", has_text="succeeded")).to_be_visible(timeout=60_000)

    with session_scope() as s:
        jobs, total = service.list_jobs(s)
    assert total == 1 and jobs[0].status == "succeeded" and jobs[0].created_by == "e2e"
