"""Named SQL blocks: the SQLAlchemy form and the psycopg form of the same block run the same statement."""

from __future__ import annotations

import psycopg

from services.db.sql_blocks import Queries

_BLOCKS = """
-- name: echo
-- a comment line stays
SELECT CAST(:a AS int) + :b::int AS total, '100%' AS pct, :a::text AS again;
"""


def test_driver_sql_turns_named_parameters_into_psycopg_form_and_keeps_casts_and_percent(db_url) -> None:
    q = Queries(_BLOCKS)
    sql = q.driver_sql("echo")
    assert "%(a)s" in sql and "%(b)s::int" in sql and "'100%%'" in sql and ":a" not in sql.replace("::", "")
    with psycopg.connect(db_url) as conn:
        assert conn.execute(sql, {"a": 2, "b": 3}).fetchone() == (5, "100%", "2")
