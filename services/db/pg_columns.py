"""Columnar reads: a query that aggregates each column into one value returns 10⁶ rows as one row, which is
decoded by numpy and pyarrow without per-row Python (a COPY or a cursor costs about a microsecond of Python per
row on top).

Contract:
1. ``read_columns(session, statement, params)`` runs ``statement`` (a SQLAlchemy ``text`` with ``:name``
   parameters, one result row) in the session's transaction, in binary, and returns a DataFrame:
   - a ``double precision[]`` / ``bigint[]`` output column ``c`` (``array_agg`` of a value never NULL) → float64 /
     int64 column ``c``;
   - a pair ``c__bytes`` (``bytea``: ``string_agg(convert_to(c, 'UTF8'), ''::bytea)``) and ``c__lengths``
     (``integer[]``: ``array_agg(COALESCE(octet_length(c), -1))``) → string column ``c``, missing where the
     length is -1 (``string_agg`` skips NULLs, so the lengths tell where each value starts).
   Every output must aggregate the same rows in the same order (one query, one FROM): they are columns of one
   table. No rows at all (every aggregate NULL) gives an empty frame with those columns.
2. Anything else in the result is a programming error (``TypeError``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg.adapt import Loader
from sqlalchemy import TextClause
from sqlalchemy.orm import Session

from services.db.pg_copy import driver_connection

_ARRAYS = {1022: ">f8", 1016: ">i8", 1007: ">i4"}  # float8[], int8[], int4[]
_BYTEA = 17


class _Raw(Loader):
    """Hands a binary array value over as its bytes."""

    format = psycopg.pq.Format.BINARY

    def load(self, data: Any) -> bytes:
        return bytes(data)


def _array(data: bytes | None, layout: str) -> np.ndarray:
    """A one-dimensional binary array without NULL elements → numpy (big-endian elements, 4-byte prefixes)."""
    if data is None:
        return np.empty(0, dtype=layout).astype(layout[1:])
    header = np.frombuffer(data[:12], ">i4")
    if header[0] == 0:
        return np.empty(0, dtype=layout).astype(layout[1:])
    if header[0] != 1 or header[1] != 0:
        raise TypeError("expected a one-dimensional array without NULL elements")
    size = np.dtype(layout).itemsize
    elements = np.frombuffer(data, dtype=[("length", ">i4"), ("value", layout)], offset=20)
    if (elements["length"] != size).any():
        raise TypeError("expected a one-dimensional array without NULL elements")
    return elements["value"].astype(np.dtype(layout).newbyteorder("="))


def _strings(data: bytes | None, lengths: np.ndarray) -> pa.Array:
    sizes = np.maximum(lengths, 0).astype(np.int64)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    if offsets[-1] != len(data or b""):
        raise TypeError("string bytes and lengths disagree")
    values = pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(offsets), pa.py_buffer(data or b""))
    if (lengths < 0).any():
        values = pc.if_else(pa.array(lengths >= 0), values, pa.scalar(None, pa.large_string()))
    return values.cast(pa.string())


def read_columns(session: Session, statement: TextClause, params: dict[str, Any]) -> pd.DataFrame:
    """The query's aggregated columns as a DataFrame (contract 1)."""
    compiled = statement.compile(dialect=session.get_bind().dialect)
    sql = str(compiled)
    values = {k: params[k] for k in compiled.params}
    with driver_connection(session).cursor(binary=True) as cur:
        for oid in (*_ARRAYS, _BYTEA):
            cur.adapters.register_loader(oid, _Raw)
        cur.execute(sql, values)
        row = cur.fetchone()
        fields = [(d.name, d.type_code) for d in cur.description or ()]
    if row is None:  # an aggregate query returns one row; anything else is a caller's mistake
        raise ValueError("read_columns needs a query that aggregates every column into one row")
    got = dict(zip((n for n, _ in fields), row, strict=True))
    types = dict(fields)
    out: dict[str, Any] = {}
    for name, oid in fields:
        if name.endswith("__lengths"):
            continue
        if name.endswith("__bytes") and oid == _BYTEA:
            column = name.removesuffix("__bytes")
            lengths = _array(got[f"{column}__lengths"], ">i4")
            out[column] = _strings(got[name], lengths).to_pandas()
        elif oid in _ARRAYS:
            out[name] = _array(got[name], _ARRAYS[oid])
        else:
            raise TypeError(f"column {name} is neither an array nor a pair of string bytes and lengths ({oid})")
    if any(n.endswith("__lengths") and types[n] != 1007 for n in types):
        raise TypeError("string lengths must be integer[]")
    return pd.DataFrame(out)
