"""Valid time for rows that are true over an interval: ``[valid_from, valid_to)``, live while ``valid_to`` is null.

Contract (each rule names the failure it prevents):
1. ``current`` is derived (``valid_to IS NULL``), never stored — so no flag can disagree with the interval.
2. Intervals are half-open: a row is valid at ``t`` when ``valid_from <= t < valid_to``. ``as_of(t)`` builds
   that predicate so nobody writes it by hand (and nobody gets the boundary wrong: at the instant of a
   supersession exactly one row is valid, the new one).
3. ``valid_to > valid_from`` (a check constraint on each table): no empty or inverted interval.
4. Replacement happens only through a supersede, which closes the old row and opens the new one with one
   timestamp (``old.valid_to == new.valid_from``): no gap in which nothing is valid and no overlap in which
   two rows are. A table using the mixin backs this with a ``uq_<table>_live … WHERE valid_to IS NULL``
   partial unique index (one live row per key) and a ``btree_gist`` exclusion constraint over
   ``tstzrange(valid_from, valid_to)`` (no overlapping intervals per key).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, DateTime, and_, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column


class ValidTimeMixin:
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @hybrid_property
    def current(self) -> bool:
        """Live now: no end of validity yet (rule 1)."""
        return self.valid_to is None

    @current.inplace.expression
    @classmethod
    def _current_expression(cls) -> ColumnElement[bool]:
        return cls.valid_to.is_(None)

    @classmethod
    def as_of(cls, at: datetime) -> ColumnElement[bool]:
        """The half-open predicate ``valid_from <= at < valid_to`` (rule 2)."""
        return and_(cls.valid_from <= at, or_(cls.valid_to.is_(None), cls.valid_to > at))

    def valid_at(self, at: datetime) -> bool:
        """The same predicate in Python, for rows already loaded."""
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)
