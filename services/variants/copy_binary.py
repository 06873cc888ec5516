"""PostgreSQL binary COPY encoding for the few types the variant store writes.

Contract: each ``enc_*`` function returns one field (int32 length + payload; ``NULL`` is length -1) in
PostgreSQL's binary COPY format; ``HEADER``/``TRAILER`` frame a stream; a row is ``row_header(n)`` followed by
its n fields. Values must already be valid for the column (callers validate), so the server never sees a
half-written row.
"""

from __future__ import annotations

import struct
import uuid

import orjson

from services.variants.packed_json import pack

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
NULL = struct.pack(">i", -1)
TRUE = struct.pack(">ib", 1, 1)
FALSE = struct.pack(">ib", 1, 0)

_len = struct.Struct(">i").pack
_int8 = struct.Struct(">iq").pack
_int4 = struct.Struct(">ii").pack
_float8 = struct.Struct(">id").pack
_range = struct.Struct(">ibiqiq").pack
_array_head = struct.Struct(">iiiiii").pack
_dumps = orjson.dumps

TEXT_OID, INT4_OID = 25, 23
INT8_MIN, INT8_MAX = -(2**63), 2**63 - 1
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1


def row_header(n_fields: int) -> bytes:
    return struct.pack(">h", n_fields)


def enc_text(value: str | None) -> bytes:
    if value is None:
        return NULL
    b = value.encode()
    return _len(len(b)) + b


def enc_int8(value: int | None) -> bytes:
    return NULL if value is None else _int8(8, value)


def enc_int4(value: int | None) -> bytes:
    if value is None or not INT4_MIN <= value <= INT4_MAX:
        return NULL
    return _int4(4, value)


def enc_float8(value: float | None) -> bytes:
    return NULL if value is None else _float8(8, value)


def enc_bool(value: bool | None) -> bytes:
    return NULL if value is None else (TRUE if value else FALSE)


def enc_int8range(lower: int, upper: int) -> bytes:
    """``[lower, upper)`` (the canonical int8range form; flags 0x02 = lower bound inclusive)."""
    return _range(25, 2, 8, lower, 8, upper)


def enc_jsonb(value: object) -> bytes:
    if value is None:
        return NULL
    b = _dumps(value)
    return _len(len(b) + 1) + b"\x01" + b


def enc_packed(value: object) -> bytes:
    """A ``bytea`` field holding ``packed_json.pack(value)`` (INFO and consequences of a variant row)."""
    if value is None:
        return NULL
    b = pack(value)
    return _len(len(b)) + b


def enc_uuid(value: uuid.UUID) -> bytes:
    return _len(16) + value.bytes


def enc_text_array(values: list[str] | None) -> bytes:
    if values is None:
        return NULL
    parts = []
    for v in values:
        b = v.encode()
        parts.append(_len(len(b)))
        parts.append(b)
    body = b"".join(parts)
    return _array_head(20 + len(body), 1, 0, TEXT_OID, len(values), 1) + body


def enc_int4_array(values: list[int | None] | None) -> bytes:
    if values is None:
        return NULL
    n = len(values)
    if None not in values:
        try:
            return _array_head(20 + 8 * n, 1, 0, INT4_OID, n, 1) + b"".join([_int4(4, v) for v in values])
        except struct.error:  # a value outside int4: stored as NULL below, like enc_int4 does
            pass
    body = b"".join([NULL if v is None or not INT4_MIN <= v <= INT4_MAX else _int4(4, v) for v in values])
    return _array_head(20 + len(body), 1, 1, INT4_OID, n, 1) + body
