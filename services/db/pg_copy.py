"""COPY into PostgreSQL from inside a session's unit of work.

Contract:
1. ``driver_connection(session)`` is the psycopg connection of the session's current transaction: what is
   copied through it commits or rolls back with the session.
2. ``copy_rows`` streams Python rows with ``COPY … FROM STDIN`` (binary-safe quoting by psycopg);
   ``copy_text`` streams pre-formatted COPY text (tab-separated, ``\\N`` for NULL) for the fastest paths.
3. Table and column names given to these helpers are checked and quoted (``services.db.identifiers``); the
   statement is the ``copy_from_stdin`` block of ``queries.sql``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.identifiers import quote_identifier, quote_list

Q = sql_blocks.load(__file__)


def driver_connection(session: Session) -> psycopg.Connection:
    return session.connection().connection.driver_connection  # type: ignore[return-value]


def _copy_statement(table: str, columns: Sequence[str]) -> str:
    return Q.sql("copy_from_stdin").format(table=quote_identifier(table), columns=quote_list(columns))


def copy_rows(session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` into ``table``; returns the number of rows sent."""
    count = 0
    with driver_connection(session).cursor() as cur, cur.copy(_copy_statement(table, columns)) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def copy_text(session: Session, table: str, columns: Sequence[str], chunks: Iterable[bytes | str]) -> None:
    """COPY pre-formatted text-format data (each chunk whole lines) into ``table``."""
    with driver_connection(session).cursor() as cur, cur.copy(_copy_statement(table, columns)) as copy:
        for chunk in chunks:
            copy.write(chunk)
