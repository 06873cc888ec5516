"""Usage through the real app under AppTest: one row per page visit, 500 when a page raises, the sidebar
feedback, the Usage page, the home count — and nothing that identifies the client in any row or log line."""

from __future__ import annotations

import base64
import json
import logging
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg
import pytest
from sqlalchemy import text
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from services.db.engine import session_scope
from services.usage.feedback import give_feedback
from services.usage.recorder import flush_views
from services.usage.visitors import client_identity, hash_for_day
from tests.pages.conftest import APP
from tests.support.page_frames import frame_with
from tests.usage.test_recorder import database_text

ADDRESS = "203.0.113.77"


class _RouterOnly(PagesManager):
    """As in production (``pages/ui/launcher.py``): no legacy ``pages/`` folder handling, so every run,
    switched pages included, goes through ``app.py`` — where the view counter and the sidebar live."""

    uses_pages_directory = False


@pytest.fixture
def routed_app(db_url, monkeypatch):
    """Factory: ``routed_app("pages/jobs.py", role="viewer")`` → an AppTest of the real router on that page."""
    monkeypatch.setattr(script_runner, "PagesManager", _RouterOnly)

    def open_page(page: str, role: str = "lead") -> AppTest:
        monkeypatch.setenv("WORKBENCH_ROLE", role)
        at = AppTest.from_file(APP, default_timeout=30)
        at.run()
        if page != "pages/home.py":
            at.switch_page(page).run()
        assert not at.exception, at.exception
        return at

    return open_page


@pytest.fixture
def remote_client(monkeypatch):
    """The app sees a browser at ``ADDRESS`` (AppTest has no connection of its own)."""
    monkeypatch.setattr("pages.ui.usage.request_address", lambda: ADDRESS)
    return client_identity(None, ADDRESS)


def _values(axis) -> list:
    """A plotly axis as a list (plotly 6 sends numeric arrays as base64 ``bdata``)."""
    if isinstance(axis, dict) and "bdata" in axis:
        return np.frombuffer(base64.b64decode(axis["bdata"]), dtype=axis["dtype"]).tolist()
    return list(axis)


def _views() -> list[tuple[str, int]]:
    assert flush_views()
    with session_scope() as s:
        return [tuple(r) for r in s.execute(text("SELECT path, status FROM visitor_event ORDER BY id"))]


def test_a_page_visit_counts_once_not_per_rerun(routed_app, remote_client) -> None:
    at = routed_app("pages/home.py")
    at.run()
    at.run()
    assert _views() == [("/", 200)]
    at.switch_page("pages/jobs.py").run()
    at.run()
    at.button(key="maint_start").click().run()
    assert _views() == [("/", 200), ("/jobs", 200)]
    at.switch_page("pages/home.py").run()
    assert _views() == [("/", 200), ("/jobs", 200), ("/", 200)]
    with session_scope() as s:
        hashes = set(s.execute(text("SELECT visitor_hash FROM visitor_event")).scalars())
        assert hashes == {hash_for_day(s, remote_client)}


def test_a_page_that_raises_is_counted_with_status_500(routed_app, remote_client, monkeypatch) -> None:
    def broken(session):
        raise RuntimeError("holdings unavailable")

    monkeypatch.setattr("services.overview.holdings", broken)
    at = routed_app("pages/jobs.py")  # its first run shows the home page, which raises
    at.switch_page("pages/home.py").run()
    # the app's error boundary (pages/ui/errors.py) shows it as one sentence, not a traceback
    assert "holdings unavailable" in " ".join(e.value for e in at.error)
    at.run()  # a rerun of the failed visit is not another view
    assert _views() == [("/", 500), ("/jobs", 200), ("/", 500)]


def test_writing_a_view_never_slows_the_page(routed_app, db_url, remote_client) -> None:
    with psycopg.connect(db_url) as blocker:
        blocker.execute("LOCK TABLE visitor_event, visitor_daily_salt IN ACCESS EXCLUSIVE MODE")
        started = time.perf_counter()
        at = routed_app("pages/settings.py")
        elapsed = time.perf_counter() - started
        assert not at.exception
        assert not flush_views(timeout=0.5), "the view should still be waiting for the lock"
        blocker.rollback()
    assert elapsed < 15, f"the pages took {elapsed:.1f} s"
    assert _views() == [("/", 200), ("/settings", 200)]


def test_sidebar_feedback_is_stored_anonymously(routed_app, db_url, remote_client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    at = routed_app("pages/jobs.py", role="viewer")
    assert at.button(key="feedback_send").disabled
    at.feedback(key="feedback_thumbs").set_value(1)
    at.text_area(key="feedback_comment").input("Jobs page is clear")
    at.run()
    at.button(key="feedback_send").click().run()
    assert not at.exception
    assert any("Thank you" in s.value for s in at.success)
    with session_scope() as s:
        rows = s.execute(text("SELECT visitor_hash, thumbs_up, comment FROM support_entry")).all()
        author = hash_for_day(s, remote_client)
    assert [tuple(r) for r in rows] == [(author, True, "Jobs page is clear")]
    assert at.text_area(key="feedback_comment").value == ""
    flush_views()
    assert ADDRESS not in database_text(db_url)
    assert not [r for r in caplog.records if ADDRESS in r.getMessage()]


def test_sixth_feedback_within_the_hour_is_refused_on_the_page(routed_app, remote_client) -> None:
    now = datetime.now(UTC)
    with session_scope() as s:
        for i in range(5):
            give_feedback(s, remote_client, True, f"note {i}", at=now - timedelta(minutes=5))
    at = routed_app("pages/home.py")
    at.feedback(key="feedback_thumbs").set_value(0)
    at.run()
    at.button(key="feedback_send").click().run()
    assert any("5 times in the last hour" in w.value for w in at.warning)


def test_home_shows_the_feedback_count(routed_app, remote_client) -> None:
    with session_scope() as s:
        for i in range(3):
            give_feedback(s, client_identity(f"user{i}", None), True)
    at = routed_app("pages/home.py")
    assert any("3 feedback entries" in c.value for c in at.caption)


def test_usage_page_shows_visitors_pages_and_feedback(routed_app) -> None:
    today = datetime.now(UTC)
    at = routed_app("pages/home.py")  # this browser's own visit: a fourth visitor today
    assert flush_views()
    with session_scope() as s:
        for who, path in [("a", "/"), ("a", "/jobs"), ("b", "/"), ("c", "/variants")]:
            h = hash_for_day(s, client_identity(who, None), today)
            s.execute(
                text("INSERT INTO visitor_event (day, visitor_hash, path, status) VALUES (:d, :h, :p, 200)"),
                {"d": today.date(), "h": h, "p": path},
            )
        s.execute(
            text(
                "INSERT INTO visitor_event (day, visitor_hash, path, status) "
                "VALUES (:d, '0123456789abcdef', '/jobs', 500)"
            ),
            {"d": today.date() - timedelta(days=3)},
        )
        give_feedback(s, client_identity("a", None), True, "Useful timelines")
        give_feedback(s, client_identity("b", None), False)
    at.switch_page("pages/usage.py").run()
    assert not at.exception
    line, bar = (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
    visitors = dict(zip(_values(line["data"][0]["x"]), _values(line["data"][0]["y"]), strict=True))
    assert len(visitors) == 30
    assert visitors[today.date().isoformat()] == 4
    assert visitors[(today.date() - timedelta(days=3)).isoformat()] == 1
    views = dict(zip(_values(bar["data"][0]["y"]), _values(bar["data"][0]["x"]), strict=True))
    assert views["/jobs"] == 2 and views["/variants"] == 1 and views["/"] == 3
    assert any("/jobs (1 of 2)" in w.value for w in at.warning)
    assert [m.value for m in at.metric if m.label in ("Feedback", "👍", "👎")] == ["2", "1", "1"]
    comments = frame_with(at, "comment")
    assert list(comments["comment"]) == ["Useful timelines"] and list(comments["rating"]) == ["👍"]


def test_usage_page_is_for_leads_only(routed_app) -> None:
    at = routed_app("pages/home.py", role="curator")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/usage.py")
