"""Streaming GAF 2.x reading: header facts and COPY-ready text, checked line by line.

Contract:
1. Comment lines start with ``!``; ``!gaf-version: X`` is read from them. Versions 2.0, 2.1 and 2.2 are
   accepted (a file without the header is read as 2.x); any other declared version is refused.
2. Every annotation line must have exactly 17 tab-separated columns, else ``InputFileError`` names the line
   and the count found. Blank lines are ignored.
3. Lines are passed on verbatim (prefixed by their line number) as PostgreSQL COPY text, with backslashes
   escaped, in chunks of about ``chunk_bytes``; nothing is split or re-joined in Python beyond the count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from services.errors import InputFileError
from services.input_files import InputFile

GAF_COLUMNS = (
    "db", "db_object_id", "db_object_symbol", "qualifier", "go_id", "db_reference", "evidence_code",
    "with_from", "aspect", "db_object_name", "db_object_synonym", "db_object_type", "taxon", "date",
    "assigned_by", "annotation_extension", "gene_product_form_id",
)
SUPPORTED_VERSIONS = ("2.0", "2.1", "2.2")

# GO evidence codes (geneontology.org/docs/guide-go-evidence-codes); IMR and NR are retired codes that
# older releases still carry.
EVIDENCE_CODES = (
    "EXP", "IDA", "IPI", "IMP", "IGI", "IEP",
    "HTP", "HDA", "HMP", "HGI", "HEP",
    "TAS", "NAS", "IC", "ND",
    "ISS", "ISO", "ISA", "ISM", "IGC", "IBA", "IBD", "IKR", "IRD", "RCA",
    "IEA",
    "IMR", "NR",
)


@dataclass
class GafHeader:
    version: str | None = None
    lines: int = 0


def gaf_copy_chunks(infile: InputFile, header: GafHeader, chunk_bytes: int = 1 << 20) -> Iterator[str]:
    """COPY text for the staging table ``(line_no, <17 GAF columns>)``; fills ``header`` as it reads."""
    buffer: list[str] = []
    size = 0
    for number, line in infile.lines():
        if not line or line.startswith("!"):
            if line.startswith("!gaf-version:"):
                version = line.split(":", 1)[1].strip()
                if version not in SUPPORTED_VERSIONS:
                    raise InputFileError(
                        infile.name, number,
                        f"GAF version {version} is not supported (expected {', '.join(SUPPORTED_VERSIONS)})",
                    )
                header.version = version
            continue
        tabs = line.count("\t")
        if tabs != 16:
            raise InputFileError(
                infile.name, number, f"expected 17 tab-separated GAF columns, found {tabs + 1}"
            )
        if "\\" in line:
            line = line.replace("\\", "\\\\")
        piece = f"{number}\t{line}\n"
        buffer.append(piece)
        size += len(piece)
        header.lines += 1
        if size >= chunk_bytes:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)
