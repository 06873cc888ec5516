"""Fixtures for the lifecycle tests: a database with alleles, and helpers to add releases and run them."""

from __future__ import annotations

import pytest

from services.db.engine import get_engine


@pytest.fixture
def conn(db_url):
    """A connection for test set-up; every ``with conn.begin()`` block commits."""
    with get_engine(db_url).connect() as c:
        yield c
