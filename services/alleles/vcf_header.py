"""Reading a VCF header: field definitions, consequence formats, samples, reference and tool versions.

Contract:
1. ``open_text(path)`` streams plain or gzip/BGZF files as text, ``open_binary(path)`` as bytes (gzip through
   ISA-L, about twice zlib's speed); a truncated or corrupt compressed file raises ``VcfFormatError`` when the
   reader reaches the cut, never a silent short read.
2. ``read_header`` consumes the ``##`` meta lines and the ``#CHROM`` line and stops at the first data line;
   a file without a ``#CHROM`` line (or whose first line is not ``##fileformat=VCF…``) is refused.
3. Text is UTF-8: ``open_text`` keeps undecodable bytes as surrogates (never U+FFFD) and ``read_header`` refuses
   a header line holding them, naming the line; ``check_text`` does the same for a data line (and a NUL byte).
4. ``Header.csq_fields`` / ``ann_fields`` are the ``|``-separated names from the CSQ / ANN description
   (``Format: Allele|Consequence|…`` for VEP, ``'Allele | Annotation | …'`` for SnpEff).
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from isal import igzip, isal_zlib

from services.errors import InputFileError


class VcfFormatError(InputFileError):
    """A VCF that cannot be read: names the file, the line and the reason."""

    code = "vcf_format_error"


@dataclass(frozen=True)
class FieldDef:
    id: str
    number: str
    type: str
    description: str = ""


@dataclass
class Header:
    info: dict[str, FieldDef] = field(default_factory=dict)
    formats: dict[str, FieldDef] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    contigs: dict[str, dict[str, str]] = field(default_factory=dict)
    reference: str | None = None
    tool_versions: dict[str, str] = field(default_factory=dict)
    csq_fields: list[str] = field(default_factory=list)
    ann_fields: list[str] = field(default_factory=list)
    has_eff: bool = False
    lines: int = 0  # meta lines + the #CHROM line

    @property
    def assembly(self) -> str | None:
        """The assembly named by ##reference or the contig lines, if any."""
        for meta in self.contigs.values():
            if meta.get("assembly"):
                return meta["assembly"]
        return self.reference


_META = re.compile(r"^##(\w+)=<(.*)>$")
_KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,]*)')
_TOOLS = (
    "VEP",
    "SnpEffVersion",
    "SnpEffCmd",
    "source",
    "GATKCommandLine",
    "bcftools_normVersion",
    "DeepVariant_version",
    "vcf2maf",
    "fileDate",
)


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_text(path: str | Path) -> IO[str]:
    """Open ``path`` as text (gzip/BGZF detected by magic bytes)."""
    path = Path(path)
    if _is_gzip(path):
        return io.TextIOWrapper(
            io.BufferedReader(_CheckedGzip(path), 1 << 20), encoding="utf-8", errors="surrogateescape", newline="\n"
        )
    return open(path, encoding="utf-8", errors="surrogateescape", newline="\n")


def check_text(path: str, line_no: int, line: str) -> None:
    """Refuse a line from ``open_text`` that holds a NUL byte or bytes that are not UTF-8 (contract, point 3)."""
    if "\x00" in line:
        raise VcfFormatError(path, line_no, "the line contains a NUL byte")
    if not line.isascii():
        try:
            line.encode("utf-8")
        except UnicodeEncodeError as exc:
            byte = ord(line[exc.start]) & 0xFF
            raise VcfFormatError(
                path,
                line_no,
                f"byte 0x{byte:02x} is not UTF-8 text (VCF files are UTF-8; a Latin-1 file can be converted with "
                "iconv -f latin1 -t utf-8)",
            ) from None


def open_binary(path: str | Path) -> IO[bytes]:
    """Open ``path`` as bytes, decompressing gzip/BGZF (detected by magic bytes)."""
    path = Path(path)
    if _is_gzip(path):
        return io.BufferedReader(_CheckedGzip(path), 1 << 20)
    return open(path, "rb")


class _CheckedGzip(io.RawIOBase):
    """A gzip reader that turns truncation/corruption into ``VcfFormatError`` naming the file."""

    def __init__(self, path: Path):
        self._path = path
        self._fh = igzip.open(path, "rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            data = self._fh.read(len(buffer))
        except (EOFError, zlib.error, isal_zlib.error, gzip.BadGzipFile, OSError) as exc:
            raise VcfFormatError(
                str(self._path), None, f"the compressed file is truncated or corrupt ({exc})"
            ) from None
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def _parse_meta(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in _KV.findall(body):
        if value.startswith('"') and value.endswith('"'):
            value = value[1:-1].replace('\\"', '"')
        out[key] = value
    return out


def _consequence_names(description: str, marker: str) -> list[str]:
    text = description
    idx = text.find(marker)
    if idx < 0:
        return []
    text = text[idx + len(marker) :].strip().strip("'\"").strip()
    return [name.strip() for name in text.split("|")]


def read_header(path: str, stream: Iterator[str]) -> tuple[Header, str | None]:
    """Read the header from ``stream``; return it and the first data line (or None for an empty body)."""
    header = Header()
    line_no = 0
    for line in stream:
        line_no += 1
        if line_no == 1 and not line.startswith("##fileformat=VCF"):
            raise VcfFormatError(path, 1, "not a VCF file: the first line must be ##fileformat=VCFv4.x")
        check_text(path, line_no, line)
        if line.startswith("##"):
            _meta_line(header, line.rstrip("\r\n"))
            continue
        if line.startswith("#CHROM"):
            columns = line.rstrip("\r\n").split("\t")
            if columns[:8] != ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]:
                raise VcfFormatError(path, line_no, "the #CHROM header line does not name the 8 VCF columns")
            header.samples = columns[9:]
            header.lines = line_no
            return header, next(stream, None)
        raise VcfFormatError(path, line_no, "missing #CHROM header line before the first data line")
    if line_no == 0:
        raise VcfFormatError(path, None, "the file is empty")
    raise VcfFormatError(path, line_no, "missing #CHROM header line")


def _meta_line(header: Header, line: str) -> None:
    m = _META.match(line)
    if m:
        kind, meta = m.group(1), _parse_meta(m.group(2))
        if kind in ("INFO", "FORMAT") and "ID" in meta:
            fd = FieldDef(meta["ID"], meta.get("Number", "."), meta.get("Type", "String"), meta.get("Description", ""))
            (header.info if kind == "INFO" else header.formats)[fd.id] = fd
            if kind == "INFO" and fd.id == "CSQ":
                header.csq_fields = _consequence_names(fd.description, "Format:")
            elif kind == "INFO" and fd.id == "ANN":
                header.ann_fields = _consequence_names(fd.description, "Functional annotations:")
            elif kind == "INFO" and fd.id == "EFF":
                header.has_eff = True
        elif kind == "contig" and "ID" in meta:
            header.contigs[meta["ID"]] = meta
        return
    key, _, value = line[2:].partition("=")
    if key == "reference":
        header.reference = value
    elif key in _TOOLS or key.lower().startswith(("vep", "snpeff")):
        header.tool_versions[key] = value[:500]
