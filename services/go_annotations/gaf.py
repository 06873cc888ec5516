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
ASPECTS = frozenset("FPC")

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
_EVIDENCE = frozenset(EVIDENCE_CODES)
SEEN_LIMIT = 5_000_000  # line hashes remembered to spot repeats (about 60 bytes each)

# The columns of ``protein_go_annotation`` the reader writes, in COPY order.
ANNOTATION_COLUMNS = (
    "annotation_set_id", "line_number", "protein_accession", "go_term_id", "go_id_as_given", "qualifier",
    "negated", "evidence_code", "db_reference", "with_from", "aspect", "assigned_by", "annotation_date",
    "extension", "gene_product_form_id",
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
    infile: InputFile, set_id: int, term_ids: dict[str, str], stats: GafReadStats, chunk_bytes: int = 1 << 20
) -> Iterator[str]:
    """COPY text (``ANNOTATION_COLUMNS``) of the lines that pass the checks; fills ``stats`` as it reads.

    ``term_ids`` maps every GO id and alt id of the snapshot to its term row id, as text.
    """
    buffer: list[str] = []
    size = 0
    null, set_text = "\\N", str(int(set_id))
    seen: set[int] = set()
    for number, line in infile.lines():
        if not line or line[0] == "!":
            if line.startswith("!gaf-version:"):
                version = line.split(":", 1)[1].strip()
                if version not in SUPPORTED_VERSIONS:
                    raise InputFileError(
                        infile.name, number,
                        f"GAF version {version} is not supported (expected {', '.join(SUPPORTED_VERSIONS)})",
                    )
                stats.version = version
            continue
        cols = line.split("\t")
        if len(cols) != 17:
            raise InputFileError(
                infile.name, number, f"expected 17 tab-separated GAF columns, found {len(cols)}"
            )
        stats.lines += 1
        evidence, go_id, aspect = cols[6], cols[4], cols[8]
        if evidence not in _EVIDENCE:
            stats.skip("unknown_evidence_code", evidence)
            continue
        if aspect not in ASPECTS:
            stats.skip("invalid_aspect", aspect)
            continue
        term_id = term_ids.get(go_id)
        if term_id is None:
            stats.skip("unknown_term", go_id)
            continue
        line_hash = hash(line)
        if line_hash in seen:
            stats.repeat_candidates.append(number)
        elif stats.hashes_exhaustive:
            seen.add(line_hash)
            if len(seen) > SEEN_LIMIT:
                stats.hashes_exhaustive, seen = False, set()
        if "\\" in line:  # COPY text escapes
            cols = [c.replace("\\", "\\\\") for c in cols]
        qualifier = cols[3]
        negated = "t" if qualifier and "NOT" in qualifier.split("|") else "f"
        piece = "\t".join((
            set_text, str(number), cols[1], term_id, go_id, qualifier or null, negated, evidence,
            cols[5] or null, cols[7] or null, aspect, cols[14] or null, cols[13] or null, cols[15] or null,
            cols[16] or null,
        )) + "\n"
        buffer.append(piece)
        size += len(piece)
        stats.written += 1
        if size >= chunk_bytes:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)
