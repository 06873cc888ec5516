"""Usage records: the daily salt, page views (VisitorEvent) and feedback (SupportEntry).

Invariants, each guarded by the schema:
1. ``visitor_daily_salt`` holds at most one 32-byte salt per UTC day (primary key ``day``, check
   ``salt_length``); rows of days that are over are deleted (``salt.py``, ``retention.py``), after which the
   hashes of that day can no longer be linked to anyone or to another day.
2. A visitor event is one page view: a day (no time of day), a 16-hex ``visitor_hash``, the page's URL path
   without query string, method ``VIEW`` and status 200 or 500 (checks ``hash_hex``, ``path_shape``,
   ``method_view``, ``status_known``). No address, user name or e-mail has a column.
3. A support entry is a thumbs up or down with an optional comment of at most 500 characters (check
   ``comment_length``), its author only as the visitor hash of its day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.db.base import Base

HASH_CHECK = "visitor_hash ~ '^[0-9a-f]{16}$'"
COMMENT_MAX_CHARS = 500


class VisitorDailySalt(Base):
    __tablename__ = "visitor_daily_salt"
    __table_args__ = (CheckConstraint("octet_length(salt) = 32", name="salt_length"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class VisitorEvent(Base):
    __tablename__ = "visitor_event"
    __table_args__ = (
        CheckConstraint(HASH_CHECK, name="hash_hex"),
        CheckConstraint("path LIKE '/%' AND strpos(path, '?') = 0", name="path_shape"),
        CheckConstraint("method = 'VIEW'", name="method_view"),
        CheckConstraint("status IN (200, 500)", name="status_known"),
        # Unique visitors per day: count(DISTINCT visitor_hash) GROUP BY day reads this index only.
        Index("ix_visitor_event_day_visitor_hash", "day", "visitor_hash"),
        Index("ix_visitor_event_path", "path"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    visitor_hash: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8), server_default="VIEW")
    status: Mapped[int] = mapped_column(SmallInteger)


class SupportEntry(Base):
    __tablename__ = "support_entry"
    __table_args__ = (
        CheckConstraint(HASH_CHECK, name="hash_hex"),
        CheckConstraint(f"char_length(comment) <= {COMMENT_MAX_CHARS}", name="comment_length"),
        # The rate limit counts one author's entries of the last hour.
        Index("ix_support_entry_visitor_hash_created_at", "visitor_hash", "created_at"),
        Index("ix_support_entry_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    visitor_hash: Mapped[str] = mapped_column(String(16))
    thumbs_up: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
