"""Streaming GAF 2.x reading: header facts, line checks and the first classification, COPY-ready.

Contract:
1. Comment lines start with ``!``; ``!gaf-version: X`` is read from them. Versions 2.0, 2.1 and 2.2 are
   accepted (a file without the header is read as 2.x); any other declared version is refused.
2. Every annotation line must have exactly 17 tab-separated columns, else ``InputFileError`` names the line
   and the count found. Blank lines are ignored.
3. Lines with an unknown evidence code, an aspect other than F/P/C, or a GO id the snapshot does not know
   (directly or as an alt id) are counted per reason with up to five examples and not written.
4. Lines that pass become ``protein_go_annotation`` rows for the set's new partition: columns verbatim
   (empty → NULL), the line number, the resolved term id and ``negated``. A line whose hash (Python's, of
   the whole line) was seen before is a repeat candidate (``repeat_candidates``), which the loader confirms
   or clears by comparing stored columns; past ``SEEN_LIMIT`` lines it stops remembering and every line
   counts as a possible repeat. Whether the protein is in the catalog is decided by the loader, in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from services.errors import InputFileError
from services.input_files import InputFile

SUPPORTED_VERSIONS = ("2.0", "2.1", "2.2")

# GO evidence codes (geneontology.org/docs/guide-go-evidence-codes); IMR and NR are retired codes that
# older releases still carry.
EVIDENCE_CODES = (
    "EXP",
    "IDA",
    "IPI",
    "IMP",
    "IGI",
    "IEP",
    "HTP",
    "HDA",
    "HMP",
    "HGI",
    "HEP",
    "TAS",
    "NAS",
    "IC",
    "ND",
    "ISS",
    "ISO",
    "ISA",
    "ISM",
    "IGC",
    "IBA",
    "IBD",
    "IKR",
    "IRD",
    "RCA",
    "IEA",
    "IMR",
    "NR",
)
_EVIDENCE_BYTES = frozenset(code.encode() for code in EVIDENCE_CODES)
_ASPECT_BYTES = frozenset((b"F", b"P", b"C"))
SEEN_LIMIT = 5_000_000  # line hashes remembered to spot repeats (about 60 bytes each)

# The columns of ``protein_go_annotation`` the reader writes, in COPY order.
ANNOTATION_COLUMNS = (
    "annotation_set_id",
    "line_number",
    "protein_accession",
    "go_term_id",
    "go_id_as_given",
    "qualifier",
    "negated",
    "evidence_code",
    "db_reference",
    "with_from",
    "aspect",
    "assigned_by",
    "annotation_date",
    "extension",
    "gene_product_form_id",
)


@dataclass
class GafReadStats:
    version: str | None = None
    lines: int = 0
    written: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    repeat_candidates: list[int] = field(default_factory=list)  # line numbers whose hash was seen before
    hashes_exhaustive: bool = True  # False when the file outgrew SEEN_LIMIT: any line may repeat

    def skip(self, reason: str, example: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        seen = self.examples.setdefault(reason, [])
        if len(seen) < 5 and example not in seen:
            seen.append(example)


def gaf_annotation_chunks(
    infile: InputFile,
    set_id: int,
    term_ids: dict[bytes, bytes],
    stats: GafReadStats,
    chunk_bytes: int = 1 << 20,
) -> Iterator[bytes]:
    """COPY text (``ANNOTATION_COLUMNS``) of the lines that pass the checks; fills ``stats`` as it reads.

    Works on bytes (GAF is tab-separated ASCII with UTF-8 names); each chunk is checked to be UTF-8 before it
    goes out. ``term_ids`` maps every GO id and alt id of the snapshot to its term row id, both as bytes.
    """
    buffer: list[bytes] = []
    size = 0
    null, set_bytes, nots = b"\\N", str(int(set_id)).encode(), b"NOT"
    evidence_codes, aspects = _EVIDENCE_BYTES, _ASPECT_BYTES
    seen: set[int] = set()
    number = 0
    for raw in infile.raw_lines():
        number += 1
        line = raw.rstrip(b"\r\n")
        if not line or line[0] == 33:  # "!"
            if line.startswith(b"!gaf-version:"):
                version = line.split(b":", 1)[1].strip().decode("utf-8", "replace")
                if version not in SUPPORTED_VERSIONS:
                    raise InputFileError(
                        infile.name,
                        number,
                        f"GAF version {version} is not supported (expected {', '.join(SUPPORTED_VERSIONS)})",
                    )
                stats.version = version
            continue
        cols = line.split(b"\t")
        if len(cols) != 17:
            raise InputFileError(infile.name, number, f"expected 17 tab-separated GAF columns, found {len(cols)}")
        stats.lines += 1
        evidence, go_id, aspect = cols[6], cols[4], cols[8]
        if evidence not in evidence_codes:
            stats.skip("unknown_evidence_code", evidence.decode("utf-8", "replace"))
            continue
        if aspect not in aspects:
            stats.skip("invalid_aspect", aspect.decode("utf-8", "replace"))
            continue
        term_id = term_ids.get(go_id)
        if term_id is None:
            stats.skip("unknown_term", go_id.decode("utf-8", "replace"))
            continue
        line_hash = hash(line)
        if line_hash in seen:
            stats.repeat_candidates.append(number)
        elif stats.hashes_exhaustive:
            seen.add(line_hash)
            if len(seen) > SEEN_LIMIT:
                stats.hashes_exhaustive, seen = False, set()
        if b"\\" in line:  # COPY text escapes
            cols = [c.replace(b"\\", b"\\\\") for c in cols]
        qualifier = cols[3]
        negated = b"t" if qualifier and nots in qualifier.split(b"|") else b"f"
        piece = b"\t".join(
            (
                set_bytes,
                b"%d" % number,
                cols[1],
                term_id,
                go_id,
                qualifier or null,
                negated,
                evidence,
                cols[5] or null,
                cols[7] or null,
                aspect,
                cols[14] or null,
                cols[13] or null,
                cols[15] or null,
                cols[16] or null,
            )
        )
        buffer.append(piece)
        size += len(piece) + 1
        stats.written += 1
        if size >= chunk_bytes:
            yield _utf8_checked(infile.name, buffer)
            buffer, size = [], 0
    if buffer:
        yield _utf8_checked(infile.name, buffer)


def _utf8_checked(name: str, pieces: list[bytes]) -> bytes:
    """Join COPY lines into one chunk after checking they are UTF-8 (naming the first line that is not)."""
    chunk = b"\n".join(pieces) + b"\n"
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        for piece in pieces:
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError:
                line = int(piece.split(b"\t", 2)[1])
                raise InputFileError(name, line, "not UTF-8 text") from exc
    return chunk
