"""Feedback on the real database: the hourly limit per author, the 500-character check, who reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import InvalidInput, PermissionDenied
from services.usage.feedback import TooMuchFeedback, feedback_count, feedback_summary, give_feedback
from services.usage.visitors import client_identity, hash_for_day

T0 = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
ANN = client_identity("ann@example.org", None)
BOB = client_identity("bob@example.org", None)


def _give(client: str, at: datetime, comment: str | None = None, up: bool = True) -> int:
    with session_scope() as s:
        return give_feedback(s, client, thumbs_up=up, comment=comment, at=at)


def test_at_most_five_entries_per_author_per_hour(db_url) -> None:
    for minute in range(5):
        _give(ANN, T0 + timedelta(minutes=minute))
    with pytest.raises(TooMuchFeedback, match="5 times in the last hour"):
        _give(ANN, T0 + timedelta(minutes=30), "one more")
    _give(BOB, T0 + timedelta(minutes=30))  # another author is not limited by Ann
    _give(ANN, T0 + timedelta(minutes=60, seconds=1))  # the first entry has left the window
    with pytest.raises(TooMuchFeedback):  # minutes 1-4 and 60 are still within the hour
        _give(ANN, T0 + timedelta(minutes=60, seconds=30))
    with session_scope() as s:
        assert feedback_count(s) == 7
        authors = s.execute(text("SELECT visitor_hash, count(*) FROM support_entry GROUP BY 1 ORDER BY 2")).all()
        ann = hash_for_day(s, ANN, T0)
    assert [n for _, n in authors] == [1, 6] and authors[1][0] == ann


def test_comment_length_is_checked_by_the_database(db_url) -> None:
    with session_scope() as s:
        author = hash_for_day(s, ANN, T0)
    insert = text("INSERT INTO support_entry (visitor_hash, thumbs_up, comment) VALUES (:h, true, :c)")
    with session_scope() as s:
        s.execute(insert, {"h": author, "c": "x" * 500})
    with pytest.raises(IntegrityError, match="ck_support_entry_comment_length"), session_scope() as s:
        s.execute(insert, {"h": author, "c": "x" * 501})
    with pytest.raises(InvalidInput, match="501 characters; at most 500"):
        _give(ANN, T0, "y" * 501)
    with session_scope() as s:
        assert feedback_count(s) == 1


def test_blank_comments_are_none_and_leads_read_the_recent_ones(db_url) -> None:
    _give(ANN, T0, "   ")
    _give(ANN, T0 + timedelta(minutes=1), "The allele timeline is great", up=True)
    _give(BOB, T0 + timedelta(minutes=2), "Variants page is slow", up=False)
    with session_scope() as s, pytest.raises(PermissionDenied):
        feedback_summary(s, Identity("cara", Role.CURATOR))
    with session_scope() as s:
        summary = feedback_summary(s, Identity("lee", Role.LEAD))
    assert (summary.total, summary.thumbs_up, summary.thumbs_down) == (3, 2, 1)
    assert [(c.comment, c.thumbs_up) for c in summary.recent] == [
        ("Variants page is slow", False),
        ("The allele timeline is great", True),
    ]


def test_simultaneous_submissions_cannot_pass_the_limit_together(db_url) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_: int) -> bool:
        try:
            _give(ANN, T0)
            return True
        except TooMuchFeedback:
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count(True) == 5
    with session_scope() as s:
        assert feedback_count(s) == 5
