"""In Chromium against the real server: page visits are counted once each, under the loopback client's daily
hash even when the browser claims another address in ``X-Forwarded-For``; sidebar feedback is stored."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import text

from services.db.engine import session_scope
from services.usage.visitors import client_identity, hash_for_day
from tests.support.waiting import wait_for


def _views() -> list[tuple[str, str, int]]:
    with session_scope() as s:
        return [tuple(r) for r in s.execute(text("SELECT path, visitor_hash, status FROM visitor_event ORDER BY id"))]


def test_visits_are_counted_once_and_forwarded_headers_ignored(live_app: str, browser_page) -> None:
    page = browser_page
    page.context.set_extra_http_headers({"X-Forwarded-For": "198.51.100.9"})
    page.goto(live_app)
    expect(page.get_by_role("heading", name="Curation Workbench")).to_be_visible()
    # a visit counts when its first run ends: let it end before navigating on (a loaded machine is slow)
    wait_for(lambda: len(_views()) >= 1, timeout=60, message="the home page view")
    page.get_by_role("link", name="Jobs").first.click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    page.get_by_text("Feedback").first.click()
    page.get_by_label("Comment (optional)").fill("Clear job list")
    page.locator("[data-testid='stFeedback'] button, [data-testid='stButtonGroup'] button").first.click()
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Thank you for your feedback.")).to_be_visible()
    page.get_by_role("link", name="Home").first.click()
    expect(page.get_by_role("heading", name="Curation Workbench")).to_be_visible()

    views = wait_for(lambda: (v := _views()) and len(v) >= 3 and v, timeout=60, message="three page views")
    with session_scope() as s:
        loopback = hash_for_day(s, client_identity(None, None))
        feedback = s.execute(text("SELECT visitor_hash, comment FROM support_entry")).all()
    assert [(path, status) for path, _, status in views] == [("/", 200), ("/jobs", 200), ("/", 200)]
    assert {h for _, h, _ in views} == {loopback}
    assert [tuple(r) for r in feedback] == [(loopback, "Clear job list")]
