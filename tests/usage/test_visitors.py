"""The daily salt and the visitor hash on the real database: shared across processes, new every day, gone
once its day is over; and the retention purge the maintenance job runs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.db.maintenance import run_maintenance
from services.jobs.progress import ProgressReporter
from services.settings.service import set_setting
from services.usage.retention import purge_usage
from services.usage.salt import SALT_BYTES, daily_salt
from services.usage.visitors import DayOver, client_identity, hash_for_day, visitor_hash

REPO = Path(__file__).resolve().parents[2]
DAY1 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
DAY1_EVENING = datetime(2026, 3, 14, 23, 59, tzinfo=UTC)
DAY2 = datetime(2026, 3, 15, 0, 1, tzinfo=UTC)
CLIENT = client_identity(None, "203.0.113.77")

_CHILD = """
import json, sys
from datetime import datetime
from services.db.engine import session_scope
from services.usage.visitors import hash_for_day
with session_scope() as s:
    print(json.dumps(hash_for_day(s, sys.argv[1], datetime.fromisoformat(sys.argv[2]))))
"""


def _hash_in_subprocess(db_url: str, client: str, at: datetime) -> str:
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, client, at.isoformat()],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)


def _salt_days() -> list[date]:
    with session_scope() as s:
        return list(s.execute(text("SELECT day FROM visitor_daily_salt ORDER BY day")).scalars())


def test_two_processes_on_one_day_give_the_same_hash(db_url) -> None:
    first = _hash_in_subprocess(db_url, CLIENT, DAY1)
    second = _hash_in_subprocess(db_url, CLIENT, DAY1_EVENING)
    with session_scope() as s:
        here = hash_for_day(s, CLIENT, DAY1)
    assert first == second == here
    assert len(first) == 16 and int(first, 16) >= 0
    assert _salt_days() == [date(2026, 3, 14)]
    with session_scope() as s:
        other = hash_for_day(s, client_identity(None, "203.0.113.78"), DAY1)
    assert other != first


def test_a_new_day_gives_a_new_hash_and_the_old_salt_is_gone(db_url) -> None:
    with session_scope() as s:
        old_salt = daily_salt(s, DAY1.date())
        day1 = hash_for_day(s, CLIENT, DAY1)
    assert old_salt is not None and len(old_salt) == SALT_BYTES
    with session_scope() as s:
        day2 = hash_for_day(s, CLIENT, DAY2)
    assert day2 != day1
    assert _salt_days() == [date(2026, 3, 15)]
    with session_scope() as s:
        stored = s.execute(text("SELECT salt FROM visitor_daily_salt")).scalars().all()
    assert old_salt not in [bytes(x) for x in stored]
    # A process whose clock still says day 1 cannot bring the deleted salt back.
    with session_scope() as s, pytest.raises(DayOver):
        hash_for_day(s, CLIENT, DAY1_EVENING)
    assert _salt_days() == [date(2026, 3, 15)]


def test_hash_is_sha256_of_salt_and_identity() -> None:
    salt = bytes(range(32))
    assert visitor_hash(salt, "user:ann@example.org") == hashlib.sha256(salt + b"user:ann@example.org").hexdigest()[:16]
    assert client_identity("ann@example.org", "203.0.113.77") == "user:ann@example.org"
    assert client_identity(None, None) == "addr:loopback"


def test_salt_table_keeps_one_32_byte_salt_per_day(db_url) -> None:
    with pytest.raises(IntegrityError, match="ck_visitor_daily_salt_salt_length"), session_scope() as s:
        s.execute(text("INSERT INTO visitor_daily_salt (day, salt) VALUES ('2026-01-01', '\\x00ff')"))
    with session_scope() as s:
        a = daily_salt(s, DAY1.date())
    with session_scope() as s:
        b = daily_salt(s, DAY1.date())
    assert a == b


def _add_views(days: list[date]) -> None:
    with session_scope() as s:
        for d in days:
            s.execute(
                text("INSERT INTO visitor_event (day, visitor_hash, path, status) VALUES (:d, :h, '/', 200)"),
                {"d": d, "h": "0123456789abcdef"},
            )


def test_purge_keeps_the_retention_window_and_drops_past_salts(db_url) -> None:
    today = DAY2.date()
    _add_views([today, today - timedelta(days=10), today - timedelta(days=11), today - timedelta(days=500)])
    with session_scope() as s:
        daily_salt(s, DAY1.date())
        set_setting(s, Identity("lee", Role.LEAD), "usage-retention-days", "10")
    with session_scope() as s:
        purged = purge_usage(s, at=DAY2)
    assert purged == {"page_views_deleted": 2, "salts_deleted": 1}
    with session_scope() as s:
        kept = sorted(s.execute(text("SELECT day FROM visitor_event")).scalars())
    assert kept == [today - timedelta(days=10), today]
    assert _salt_days() == []


def test_maintenance_purges_views_past_the_default_400_days(db_url) -> None:
    today = datetime.now(UTC).date()
    _add_views([today - timedelta(days=399), today - timedelta(days=401)])
    result = run_maintenance(False, ProgressReporter(None))
    assert result["usage"]["page_views_deleted"] == 1
    with session_scope() as s:
        assert list(s.execute(text("SELECT day FROM visitor_event")).scalars()) == [today - timedelta(days=399)]


def test_event_rows_are_guarded(db_url) -> None:
    bad = [
        ("'not-hex-at-all!!'", "'/'", "200"),
        ("'0123456789abcdef'", "'/jobs?job=1'", "200"),
        ("'0123456789abcdef'", "'/'", "404"),
    ]
    for h, path, status in bad:
        with pytest.raises(IntegrityError), session_scope() as s:
            s.execute(
                text(
                    f"INSERT INTO visitor_event (day, visitor_hash, path, status) VALUES (now(), {h}, {path}, {status})"
                )
            )
