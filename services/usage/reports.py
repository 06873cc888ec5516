"""What leads see of the usage counts: unique visitors per day and views per page over a period.

Unique visitors are distinct daily hashes: a person visiting on three days counts once on each day and cannot
be followed across days (each day has its own salt), so there is no "unique visitors over the period".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db.sql_blocks import load
from services.usage.salt import utc_day

_SQL = load(__file__)


@dataclass(frozen=True)
class UsageReport:
    """``per_day``: day, visitors, views (every day of the period, zeros included);
    ``per_page``: page, views, errors (most viewed first)."""

    days: int
    per_day: pd.DataFrame
    per_page: pd.DataFrame

    @property
    def total_views(self) -> int:
        return int(self.per_day["views"].sum())


def usage_report(session: Session, identity: Identity, days: int = 30, at: datetime | None = None) -> UsageReport:
    """Counts of the last ``days`` UTC days up to the day of ``at`` (now), for leads."""
    require(identity, Role.LEAD, "see the usage counts")
    today = utc_day(at)
    since = today - timedelta(days=days - 1)
    rows = session.execute(_SQL.visitors_per_day, {"since": since}).all()
    counted = pd.DataFrame(rows, columns=["day", "visitors", "views"]).set_index("day")
    calendar = pd.Index([since + timedelta(days=i) for i in range(days)], name="day")
    per_day = counted.reindex(calendar, fill_value=0).astype("int64").reset_index()
    pages = session.execute(_SQL.views_per_page, {"since": since}).all()
    per_page = pd.DataFrame(pages, columns=["page", "views", "errors"]).astype({"views": "int64", "errors": "int64"})
    return UsageReport(days, per_day, per_page)
