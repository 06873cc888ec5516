"""Numpy arrays into PostgreSQL array columns through one binary ``COPY … FROM STDIN``.

Contract:
1. ``copy_array_row`` writes one row whose columns are integer scalars (``integer`` columns) and
   one-dimensional numpy arrays (int64 → ``bigint[]``, float64 → ``double precision[]``), inside the session's
   transaction (it commits or rolls back with the session). No per-element Python: each array is laid out by
   numpy in PostgreSQL's binary array format, so 10⁶ elements take milliseconds.
2. Arrays must hold no missing values (a NaN is a float, not NULL); table and column names are validated
   identifiers and quoted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.db.identifiers import quote_identifier, quote_list
from services.db.pg_copy import driver_connection

Q = sql_blocks.load(__file__)
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # header, flags, header extension length
_TRAILER = np.array([-1], ">i2").tobytes()
_ELEMENT = {np.dtype(np.int64): (20, ">i8"), np.dtype(np.float64): (701, ">f8")}  # element type oid, layout


def _field(payload: bytes) -> bytes:
    return np.array([len(payload)], ">i4").tobytes() + payload


def _array(values: np.ndarray) -> bytes:
    """PostgreSQL's binary array: ndim, has-null flag, element oid, (size, lower bound), then length-prefixed
    elements."""
    values = np.asarray(values)
    if values.ndim != 1 or values.dtype not in _ELEMENT:
        raise TypeError(f"expected a one-dimensional int64 or float64 array, not {values.dtype} × {values.ndim}")
    oid, layout = _ELEMENT[values.dtype]
    if not len(values):
        return np.array([0, 0, oid], ">i4").tobytes()
    elements = np.empty(len(values), dtype=[("length", ">i4"), ("value", layout)])
    elements["length"] = np.dtype(layout).itemsize
    elements["value"] = values
    return np.array([1, 0, oid, len(values), 1], ">i4").tobytes() + elements.tobytes()


def copy_array_row(session: Session, table: str, row: Mapping[str, int | np.ndarray]) -> int:
    """COPY one row (column → integer or numpy array) into ``table``; returns the bytes sent."""
    columns: Sequence[str] = list(row)
    parts = [np.array([len(columns)], ">i2").tobytes()]
    for value in row.values():
        if isinstance(value, np.ndarray):
            parts.append(_field(_array(value)))
        else:
            parts.append(_field(np.array([int(value)], ">i4").tobytes()))
    payload = b"".join([_SIGNATURE, *parts, _TRAILER])
    statement = Q.sql("copy_binary_from_stdin").format(table=quote_identifier(table), columns=quote_list(columns))
    with driver_connection(session).cursor() as cur, cur.copy(statement) as copy:
        copy.write(payload)
    return len(payload)
