"""Reading input files for loaders: plain or gzip (detected by magic bytes), line by line, with byte progress.

Contract:
1. ``InputFile(path)`` opens a plain or gzip file (or an uploaded binary stream) and yields decoded text
   lines with their 1-based line numbers; a file that is not UTF-8 text raises ``InputFileError`` naming it.
2. ``bytes_read`` / ``total_bytes`` measure progress on the file as stored (compressed bytes for gzip), so a
   job can show a determinate progress bar while streaming.
3. A missing file raises ``InputFileError`` (not an OSError), so the page, CLI and job show one sentence.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from services.errors import InputFileError

GZIP_MAGIC = b"\x1f\x8b"


class InputFile:
    def __init__(self, source: str | os.PathLike[str] | BinaryIO, name: str | None = None):
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.is_file():
                raise InputFileError(str(path), None, "no such file")
            self.name = name or str(path)
            self._raw: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed in close()
            self.total_bytes: int | None = path.stat().st_size
        else:
            self.name = name or getattr(source, "name", None) or "upload"
            self._raw = source
            try:
                self.total_bytes = len(source.getbuffer()) if isinstance(source, io.BytesIO) else None
            except (AttributeError, ValueError):
                self.total_bytes = None
        head = self._raw.peek(2)[:2] if hasattr(self._raw, "peek") else b""
        if not head:
            start = self._raw.tell()
            head = self._raw.read(2)
            self._raw.seek(start)
        self.is_gzip = head == GZIP_MAGIC
        self._binary: BinaryIO = gzip.GzipFile(fileobj=self._raw) if self.is_gzip else self._raw
        self._plain_bytes = 0

    @property
    def bytes_read(self) -> int:
        if self.is_gzip:
            try:
                return self._raw.tell()
            except (OSError, ValueError):
                return 0
        return self._plain_bytes

    def binary(self) -> BinaryIO:
        """The decompressed byte stream (for parsers that read bytes themselves)."""
        return self._binary

    def lines(self) -> Iterator[tuple[int, str]]:
        """``(line_number, text)`` with the line ending removed."""
        number = 0
        for raw in self._binary:
            number += 1
            self._plain_bytes += len(raw)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputFileError(self.name, number, "not a UTF-8 text file") from exc
            yield number, line.rstrip("\r\n")

    def raw_lines(self) -> Iterator[bytes]:
        """The undecoded lines, line endings included (for byte-level parsers that check UTF-8 themselves)."""
        for raw in self._binary:
            self._plain_bytes += len(raw)
            yield raw

    def close(self) -> None:
        if self._binary is not self._raw:
            self._binary.close()
        self._raw.close()

    def __enter__(self) -> InputFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def import_path(raw: str, *, folder_ok: bool = False) -> Path:
    """A server-side file the UI may load: it must lie inside one of ``config.import_folders()``.

    Pages and job payloads pass user-given paths through this (the CLI, run by the local user, may read any
    path). ``folder_ok`` also accepts a folder (e.g. an NCBI taxdump directory).
    """
    from services import config
    from services.errors import PermissionDenied

    path = Path(raw.strip()).expanduser().resolve()
    folders = config.import_folders()
    if not any(path == f or f in path.parents for f in folders):
        allowed = ", ".join(str(f) for f in folders)
        raise PermissionDenied(f"{path} is outside the import folders ({allowed}); put the file there first")
    if not (path.is_file() or (folder_ok and path.is_dir())):
        raise InputFileError(str(path), None, "no such file")
    return path


def ensure_import_folders() -> list[Path]:
    """Create the import folders (and the first one's ``uploads/``) if missing; returns them. Called at start
    (``workbench serve``) and by the pages' file forms, so a curator always has a folder to put files in."""
    from services import config

    folders = config.import_folders()
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only mount: the page still names it; loads from it report their own error
            continue
    try:
        (folders[0] / "uploads").mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return folders


def save_upload(filename: str, data: bytes) -> Path:
    """Keep an uploaded file under the first import folder's ``uploads/`` so a worker can read it."""
    import re
    import uuid

    from services import config

    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename or "upload").name)[-100:] or "upload"
    folder = config.import_folders()[0] / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex[:12]}_{safe}"
    path.write_bytes(data)
    return path
