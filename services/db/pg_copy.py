"""COPY into PostgreSQL from inside a session's unit of work.

Contract:
1. ``driver_connection(session)`` is the psycopg connection of the session's current transaction: what is
   copied through it commits or rolls back with the session.
2. ``copy_rows`` streams Python rows with ``COPY … FROM STDIN`` (binary-safe quoting by psycopg);
   ``copy_text`` streams pre-formatted COPY text (tab-separated, ``\\N`` for NULL) for the fastest paths.
3. Table and column names given to these helpers are validated identifiers and quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.orm import Session

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def driver_connection(session: Session) -> psycopg.Connection:
    return session.connection().connection.driver_connection  # type: ignore[return-value]


def _copy_statement(table: str, columns: Sequence[str]) -> sql.Composed:
    for name in (table, *columns):
        if not _IDENT.match(name):
            raise ValueError(f"not a safe identifier: {name!r}")
    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )


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
