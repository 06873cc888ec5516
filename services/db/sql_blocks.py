"""Named SQL blocks: a domain keeps its statements in one ``queries.sql`` file, loaded once.

Format: each block starts with a line ``-- name: some_name`` and runs until the next such line; other
comment lines inside a block are kept (PostgreSQL ignores them). Parameters use SQLAlchemy's ``:name``
style (``driver_sql`` gives a block in psycopg's ``%(name)s`` style, for code on a raw driver connection);
``{placeholder}`` slots (dynamic identifiers) are filled with ``formatted`` by callers that have
validated and quoted them. ``load(__file__)`` reads ``queries.sql`` next to the calling module.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import TextClause, text

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
_PARAM = re.compile(r"(?<![:\w]):(\w+)")  # ``:name``, never the ``::type`` of a cast


class Queries:
    def __init__(self, source: str):
        parts = _NAME.split(source)
        pairs = zip(parts[1::2], parts[2::2], strict=True)
        self._sql = {name: body.strip().rstrip(";") for name, body in pairs}
        self._text = {name: text(sql) for name, sql in self._sql.items()}

    def __getattr__(self, name: str) -> TextClause:
        try:
            return self._text[name]
        except KeyError as exc:
            raise AttributeError(f"no SQL block named {name!r}") from exc

    def sql(self, name: str) -> str:
        return self._sql[name]

    def driver_sql(self, name: str, **identifiers: str) -> str:
        """A block for a psycopg cursor: ``%`` doubled, ``:name`` parameters as ``%(name)s``; ``{placeholders}``
        filled like ``formatted`` (already validated and quoted pieces only). Run it with a parameter mapping
        (psycopg reads ``%%`` as ``%`` only then)."""
        sql = self._sql[name].format(**identifiers) if identifiers else self._sql[name]
        return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))

    def formatted(self, name: str, **identifiers: str) -> TextClause:
        """A block with ``{placeholders}`` filled by the caller's already validated and quoted pieces."""
        return text(self._sql[name].format(**identifiers))


def load(module_file: str, filename: str = "queries.sql") -> Queries:
    return Queries((Path(module_file).resolve().parent / filename).read_text())
