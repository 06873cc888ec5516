"""The content hash of an input file: two loads of the same bytes are recognised as one file."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of the file's bytes (read in 4 MiB chunks: constant memory whatever the file's size)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 << 20):
            h.update(chunk)
    return h.hexdigest()
