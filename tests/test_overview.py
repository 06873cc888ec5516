"""The home page's holdings: one count per kind of record, exact for small tables."""

from __future__ import annotations

from sqlalchemy import text

from services.db.engine import session_scope
from services.overview import HOLDINGS, holdings


def test_holdings_count_every_table_exactly_while_small(db_url: str) -> None:
    with session_scope() as s:
        s.execute(text("INSERT INTO query_set (name, created_by) VALUES ('a', 'ann'), ('b', 'ann')"))
    with session_scope() as s:
        found = {h.table: h for h in holdings(s)}
    assert set(found) == {table for _, _, table in HOLDINGS}
    assert found["query_set"].count == 2 and not found["query_set"].estimated
    assert found["variants"].count == 0  # a partitioned table
