"""A variant row's INFO and consequences as stored: JSON text compressed with Zstandard (``bytea``).

Contract:
1. ``pack(value)`` is the UTF-8 JSON text of ``value`` (orjson, as the binary COPY rows write it) compressed by
   ``compress`` (Zstandard level 1, content size in the frame, no checksum); None stays None. The compiled record
   converter calls this module's ``compress`` on the JSON it writes, so both paths store identical bytes.
2. ``unpack(data)`` gives the value back. It also reads plain (uncompressed) JSON text, the form migration 0020
   converted rows loaded before it to: a Zstandard frame starts with its magic number, JSON text never does.
3. Compression happens in the load's parser processes, not in the database server: the rows' wide values arrive
   already small (issue 18: a real VEP record's ~3 kB of INFO and consequences become ~0.9 kB), and the
   server neither parses them as JSON nor compresses them again (rows stay under its ~2 kB TOAST target).
"""

from __future__ import annotations

from typing import Any

import orjson
import zstandard

_MAGIC = b"\x28\xb5\x2f\xfd"
_compressor = zstandard.ZstdCompressor(level=1, write_checksum=False, write_content_size=True)
_decompressor = zstandard.ZstdDecompressor()


#: JSON text as stored (contract point 1): the compressor's own method, so that the compiled converter's two calls
#: per row go straight to Zstandard without a Python frame in between.
compress = _compressor.compress


def pack(value: object) -> bytes | None:
    """``value`` as stored: compressed JSON text; None for None."""
    return None if value is None else compress(orjson.dumps(value))


def unpack(data: bytes | memoryview | None) -> Any:
    """A stored value back (contract point 2): compressed or plain JSON text; None for NULL."""
    if data is None:
        return None
    raw = bytes(data)
    if raw[:4] == _MAGIC:
        raw = _decompressor.decompress(raw)
    return orjson.loads(raw)
