"""Feedback (SupportEntry): a thumbs up or down with an optional comment, from anyone signed in.

Contract:
1. The author is stored only as the visitor hash of the day (``visitors.py``): feedback stays anonymous,
   and once the day's salt is gone nobody can tell who wrote it.
2. A comment has at most 500 characters (checked here for a clear sentence, guarded by the check
   ``ck_support_entry_comment_length``); blank comments are stored as none.
3. At most 5 entries per author per hour: counted per hash under a per-author advisory lock, so two quick
   submissions cannot both slip under the limit. The hash changes at midnight UTC, so the hour that spans
   midnight starts a fresh count — the price of not keeping anything that lasts longer than a day.
4. Only leads read the comments (``feedback_summary``); the count is for everyone (``feedback_count``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db.sql_blocks import load
from services.errors import InvalidInput
from services.usage.models import COMMENT_MAX_CHARS
from services.usage.visitors import hash_for_day

RATE_LIMIT = 5
RATE_WINDOW = timedelta(hours=1)
_SQL = load(__file__)


class TooMuchFeedback(InvalidInput):
    """An author gave ``RATE_LIMIT`` entries within the last hour."""

    code = "rate_limited"


@dataclass(frozen=True)
class FeedbackComment:
    at: datetime
    thumbs_up: bool
    comment: str


@dataclass(frozen=True)
class FeedbackSummary:
    total: int
    thumbs_up: int
    thumbs_down: int
    recent: list[FeedbackComment]


def give_feedback(
    session: Session, client: str, thumbs_up: bool, comment: str | None = None, at: datetime | None = None
) -> int:
    """Store one feedback entry by ``client`` (a ``visitors.client_identity``); returns its id.

    Raises ``InvalidInput`` for a comment over 500 characters and ``TooMuchFeedback`` past the hourly limit.
    """
    at = at or datetime.now(UTC)
    text = (comment or "").strip() or None
    if text is not None and len(text) > COMMENT_MAX_CHARS:
        raise InvalidInput(f"The comment has {len(text)} characters; at most {COMMENT_MAX_CHARS} are kept.")
    author = hash_for_day(session, client, at)
    session.execute(_SQL.lock_feedback_author, {"visitor_hash": author})
    recent = session.execute(
        _SQL.recent_feedback_by_author, {"visitor_hash": author, "since": at - RATE_WINDOW}
    ).scalar_one()
    if recent >= RATE_LIMIT:
        raise TooMuchFeedback(
            f"You have given feedback {recent} times in the last hour (at most {RATE_LIMIT}); please try again later."
        )
    return session.execute(
        _SQL.insert_feedback, {"at": at, "visitor_hash": author, "thumbs_up": bool(thumbs_up), "comment": text}
    ).scalar_one()


def feedback_count(session: Session) -> int:
    """How many feedback entries there are (shown to everyone on the home page)."""
    return session.execute(_SQL.feedback_counts).one().total


def feedback_summary(session: Session, identity: Identity, limit: int = 20) -> FeedbackSummary:
    """Counts and the ``limit`` most recent comments, newest first (leads only)."""
    require(identity, Role.LEAD, "read the feedback")
    counts = session.execute(_SQL.feedback_counts).one()
    recent = [
        FeedbackComment(r.created_at, r.thumbs_up, r.comment)
        for r in session.execute(_SQL.recent_comments, {"limit": limit})
    ]
    return FeedbackSummary(counts.total, counts.up, counts.total - counts.up, recent)
