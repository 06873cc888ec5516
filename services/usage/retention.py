"""Retention of the usage counts: page views older than ``usage-retention-days`` (default 400) are deleted.

Run by the maintenance job (and ``workbench maintenance``); it also deletes any salt of a day that is over,
in case no page was viewed since midnight to do it (``salt.py``). Feedback entries are kept: their authors
are hashes whose salts are already gone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from services.db.engine import session_scope
from services.db.sql_blocks import load
from services.settings.service import get_setting
from services.usage.salt import utc_day

RETENTION_SETTING = "usage-retention-days"
_SQL = load(__file__)


def purge_usage(session: Session, at: datetime | None = None) -> dict[str, int]:
    """Delete views older than the retention (at least one day is always kept) and salts of finished days;
    returns how many of each went."""
    today = utc_day(at)
    keep_from = today - timedelta(days=max(1, int(get_setting(session, RETENTION_SETTING))))
    events = session.execute(_SQL.purge_events_before, {"day": keep_from}).rowcount
    salts = session.execute(_SQL.delete_past_salts, {"day": today}).rowcount
    return {"page_views_deleted": events, "salts_deleted": salts}


def purge_expired_usage(at: datetime | None = None) -> dict[str, int]:
    """``purge_usage`` in its own unit of work (what the maintenance operation calls)."""
    with session_scope() as session:
        return purge_usage(session, at)
