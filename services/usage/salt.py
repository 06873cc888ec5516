"""The daily visitor salt: 32 random bytes per UTC day, kept in the database and shared by every process.

Contract:
1. ``daily_salt(session, day)`` returns the one salt of ``day``; the first caller of the day creates it
   (``INSERT … ON CONFLICT DO NOTHING``), every other process and restart reads the same row, so a visitor
   counts once per day however many app processes serve them.
2. The same call deletes the salts of earlier days: once a day is over its salt is gone and that day's
   hashes can no longer be recomputed or linked to another day's.
3. A day that is already over (a later day's salt exists) gets no salt: the call returns ``None`` rather than
   resurrecting a deleted one.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from services.db.sql_blocks import load

SALT_BYTES = 32
_SQL = load(__file__)


def utc_day(at: datetime | None = None) -> date:
    """The UTC calendar day of ``at`` (now when omitted); a naive ``at`` is taken as UTC."""
    at = at or datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).date()


def daily_salt(session: Session, day: date) -> bytes | None:
    """The salt of ``day`` (created on first use), or ``None`` when ``day`` is already over."""
    session.execute(_SQL.delete_past_salts, {"day": day})
    session.execute(_SQL.insert_salt, {"day": day, "salt": secrets.token_bytes(SALT_BYTES)})
    salt = session.execute(_SQL.salt_of_day, {"day": day}).scalar_one_or_none()
    return bytes(salt) if salt is not None else None
