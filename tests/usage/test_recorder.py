"""The page-view recorder: never waits on the database, writes hashed rows in the background, and keeps the
client address out of every row and every log line."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import psycopg
from sqlalchemy import text

from services.db.engine import session_scope
from services.usage.recorder import VIEW_FAILED, flush_views, page_path, record_view
from services.usage.visitors import client_identity, hash_for_day

ADDRESS = "203.0.113.77"
CLIENT = client_identity(None, ADDRESS)


def database_text(url: str) -> str:
    """Every row of every table of the workbench schema, as text (what an address search would scan)."""
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
            )
        ]
        return "\n".join(str(row) for t in tables for row in conn.execute(f'SELECT t::text FROM "{t}" t').fetchall())


def test_views_are_written_in_the_background_as_daily_hashes(db_url, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # every statement with its parameters
    record_view(CLIENT, "jobs")
    record_view(CLIENT, "/variants?gene=BRCA2", VIEW_FAILED)
    assert flush_views()
    with session_scope() as s:
        rows = s.execute(text("SELECT day, visitor_hash, path, method, status FROM visitor_event ORDER BY id")).all()
        expected = hash_for_day(s, CLIENT)
    today = datetime.now(UTC).date()
    assert [tuple(r) for r in rows] == [
        (today, expected, "/jobs", "VIEW", 200),
        (today, expected, "/variants", "VIEW", 500),
    ]
    assert any(expected in r.getMessage() for r in caplog.records), "the statement log should show the hash"
    assert ADDRESS not in database_text(db_url)
    assert not [r for r in caplog.records if ADDRESS in r.getMessage() or ADDRESS in str(r.args)]


def test_recording_never_waits_for_a_locked_table(db_url) -> None:
    with psycopg.connect(db_url) as blocker:
        blocker.execute("LOCK TABLE visitor_event, visitor_daily_salt IN ACCESS EXCLUSIVE MODE")
        started = time.perf_counter()
        for _ in range(100):
            record_view(CLIENT, "/")
        elapsed = time.perf_counter() - started
        assert not flush_views(timeout=0.5), "the writer should still be waiting for the lock"
        blocker.rollback()
    assert elapsed < 0.1, f"100 views took {elapsed:.3f} s to record"
    assert flush_views()
    with session_scope() as s:
        assert s.execute(text("SELECT count(*) FROM visitor_event")).scalar_one() == 100


def test_page_paths_are_stored_without_query_or_fragment() -> None:
    assert [page_path(p) for p in ("", "jobs", "/allele?allele=chr1-1-A-G", "/a/#x")] == ["/", "/jobs", "/allele", "/a"]


def test_a_full_buffer_drops_views_instead_of_waiting(db_url) -> None:
    from services.usage.recorder import PageView, ViewRecorder

    recorder = ViewRecorder(limit=3)
    with psycopg.connect(db_url) as blocker:
        blocker.execute("LOCK TABLE visitor_event, visitor_daily_salt IN ACCESS EXCLUSIVE MODE")
        view = PageView(db_url, datetime.now(UTC).date(), CLIENT, "/", 200)
        for _ in range(10):
            recorder.record(view)
        # the writer may have taken one batch (at most the 3 the buffer held) before it blocked on the lock,
        # and the buffer keeps 3 more: at least 10 - 3 - 3 views must have been dropped, without waiting
        assert recorder.dropped >= 4
        blocker.rollback()
    assert recorder.flush()
    with session_scope() as s:
        written = s.execute(text("SELECT count(*) FROM visitor_event")).scalar_one()
    assert written + recorder.dropped == 10
