"""The usage report: unique daily visitors (every day of the period, zeros included), views per page, leads only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import PermissionDenied
from services.usage.reports import usage_report

AT = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
LEAD = Identity("lee", Role.LEAD)


def test_visitors_per_day_and_views_per_page(db_url) -> None:
    rows = [
        ("2026-03-14", "aaaaaaaaaaaaaaaa", "/", 200),
        ("2026-03-14", "aaaaaaaaaaaaaaaa", "/jobs", 200),
        ("2026-03-14", "bbbbbbbbbbbbbbbb", "/jobs", 500),
        ("2026-03-12", "aaaaaaaaaaaaaaaa", "/", 200),
        ("2026-03-07", "cccccccccccccccc", "/", 200),  # outside a 7-day period
    ]
    with session_scope() as s:
        for day, h, path, status in rows:
            s.execute(
                text("INSERT INTO visitor_event (day, visitor_hash, path, status) VALUES (:d, :h, :p, :s)"),
                {"d": date.fromisoformat(day), "h": h, "p": path, "s": status},
            )
        report = usage_report(s, LEAD, days=7, at=AT)
    per_day = {r.day.isoformat(): (r.visitors, r.views) for r in report.per_day.itertuples()}
    assert list(per_day) == [f"2026-03-{d:02d}" for d in range(8, 15)]
    assert per_day["2026-03-14"] == (2, 3) and per_day["2026-03-12"] == (1, 1) and per_day["2026-03-13"] == (0, 0)
    assert report.total_views == 4
    assert [tuple(r) for r in report.per_page.itertuples(index=False)] == [("/", 2, 0), ("/jobs", 2, 1)]  # ties by path


def test_only_leads_see_the_counts(db_url) -> None:
    with session_scope() as s, pytest.raises(PermissionDenied):
        usage_report(s, Identity("cara", Role.CURATOR), at=AT)
