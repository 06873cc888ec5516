"""Helpers for variant store tests: load fixtures with a curator identity, read rows back."""

from __future__ import annotations

import psycopg
import pytest


@pytest.fixture
def rows(db_url):
    """``rows(sql, *params)`` → list of dicts from the test database."""

    def query(sql: str, *params):
        with psycopg.connect(db_url) as conn:
            cur = conn.execute(sql, params)
            names = [d.name for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    return query
