"""Helpers for variant store tests: load fixtures with a curator identity, read rows back."""

from __future__ import annotations

import psycopg
import pytest

from services.variants.packed_json import unpack

PACKED_COLUMNS = {"info", "vep_annotations"}


@pytest.fixture
def rows(db_url):
    """``rows(sql, *params)`` → list of dicts from the test database."""

    def query(sql: str, *params):
        with psycopg.connect(db_url) as conn:
            cur = conn.execute(sql, params)
            names = [d.name for d in cur.description]
            out = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        for row in out:  # the variants row's packed INFO and consequences, read back as the app reads them
            for name in PACKED_COLUMNS & row.keys():
                row[name] = unpack(row[name])
        return out

    return query
