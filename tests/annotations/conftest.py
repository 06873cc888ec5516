"""Fixtures for the lifecycle tests: a database with alleles, and helpers to add releases and run them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.auth.identity import Identity, Role
from services.db.engine import get_engine

CURATOR = Identity("carol", Role.CURATOR)
LEAD = Identity("lena", Role.LEAD)
VIEWER = Identity("victor", Role.VIEWER)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: float) -> datetime:
    """A pinned instant: ``T0`` plus ``day`` days."""
    return T0 + timedelta(days=day)


@pytest.fixture
def conn(db_url):
    """A connection for test set-up; every ``with conn.begin()`` block commits."""
    with get_engine(db_url).connect() as c:
        yield c
