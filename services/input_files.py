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

from services.auth.identity import Identity, Role, require
from services.errors import InputFileError, InvalidInput

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


def resolve_input_path(
    raw: str | os.PathLike[str] | None, what: str = "file", *, confined: bool, folder_ok: bool = False
) -> Path:
    """The one resolver of a user-given server path: its real path (``~`` expanded, ``..`` and every symlink
    followed), which must be an existing regular file (or, with ``folder_ok``, a folder).

    ``confined=True`` — every path from a job payload, a page or an upload: the real path must lie inside one of
    ``config.import_folders()`` (themselves resolved), else ``PermissionDenied`` naming the path and the
    folders; so ``imports/../x``, a symlink in an import folder pointing out of it, and ``/etc/shadow`` are all
    refused before a byte is read. ``confined=False`` — the CLI only: its user is the local account on the
    server, reading with that account's own file permissions. Operations call this in the worker, so a job
    queued by any means (page, CLI, a hand-made payload) is checked where the file is opened.
    """
    from services import config
    from services.errors import PermissionDenied

    if raw is None or not str(raw).strip():
        raise InvalidInput(f"a {what} path is required")
    text = str(raw).strip()
    if "\x00" in text:
        raise InvalidInput(f"the {what} path {text!r} contains a NUL byte")
    path = Path(text).expanduser().resolve()
    if confined:
        folders = [f.resolve() for f in config.import_folders()]
        if not any(path.is_relative_to(folder) for folder in folders):
            allowed = ", ".join(str(f) for f in folders)
            raise PermissionDenied(
                f"the {what} {text} is outside the import folders ({allowed}); put the file there first"
            )
    if folder_ok and path.is_dir():
        return path
    if not path.is_file():
        raise InputFileError(text, None, "no such file" if not path.exists() else "not a regular file")
    return path


def save_upload(filename: str, data: bytes, identity: Identity) -> Path:
    """Keep an uploaded file under the first import folder's ``uploads/`` so any worker can read it (curators).

    The browser-given name is reduced to its last component of ``[A-Za-z0-9._-]`` (at most 100 characters)
    behind a fresh random prefix, and the result is checked by ``resolve_input_path`` like any other path,
    so no name can place the file outside the folder or over another upload.
    """
    import re
    import uuid

    from services import config

    require(identity, Role.CURATOR, "upload files")
    base = Path(str(filename or "upload").replace("\\", "/")).name
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip(".")[-100:] or "upload"
    folder = config.import_folders()[0] / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex[:12]}_{safe}"
    with path.open("xb") as out:
        out.write(data)
    return resolve_input_path(path, "upload", confined=True)
