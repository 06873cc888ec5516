"""Streaming FASTA reading and UniProt header parsing.

Contract:
1. ``read_fasta`` yields one ``FastaRecord`` per entry, streaming (one record in memory at a time).
2. It refuses, with ``InputFileError`` naming the line and the entry: content before the first ``>``
   (not FASTA), an empty header, an entry without residues, and residues outside the IUPAC protein
   alphabet (a single terminal ``*`` stop is dropped). Sequences are upper-cased.
3. ``parse_uniprot_header`` reads ``sp|ACC|NAME desc OS=… OX=… GN=… PE=… SV=…`` (and a bare accession
   as the first word); an isoform ``P12345-2`` gives canonical ``P12345`` and isoform index 2.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from services.errors import InputFileError
from services.input_files import InputFile

RESIDUES = "ACDEFGHIKLMNPQRSTVWYBXZUOJ"
_BAD_RESIDUE = re.compile(f"[^{RESIDUES}]")
ACCESSION = re.compile(
    r"^(?P<canonical>[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})(?:-(?P<iso>[0-9]+))?$"
)
_UNIPROT_ID = re.compile(r"^(?P<db>sp|tr)\|(?P<acc>[^|\s]+)\|(?P<name>\S+)(?:\s+(?P<rest>.*))?$")
_FIELD = re.compile(r"\s(OS|OX|GN|PE|SV)=")


@dataclass(frozen=True)
class FastaRecord:
    header: str  # the header line without '>'
    sequence: str
    line: int  # line number of the header

    @property
    def entry_id(self) -> str:
        """The first word of the header (a query set entry's id)."""
        return self.header.split(None, 1)[0]

    @property
    def sequence_hash(self) -> str:
        return sequence_hash(self.sequence)


@dataclass(frozen=True)
class UniProtHeader:
    accession: str
    canonical_accession: str
    isoform_index: int | None
    entry_name: str | None
    reviewed: bool | None
    protein_name: str | None
    organism: str | None
    taxonomy_id: int | None
    gene_name: str | None
    protein_existence: int | None
    sequence_version: int | None

    @property
    def is_canonical(self) -> bool:
        return self.isoform_index is None


def sequence_hash(sequence: str) -> str:
    """MD5 hex digest of the (upper-case) sequence: the dedup key of ``sequence``."""
    return hashlib.md5(sequence.encode("ascii"), usedforsecurity=False).hexdigest()


def split_accession(accession: str) -> tuple[str, int | None] | None:
    """``P12345-2`` → (``P12345``, 2); ``P12345`` → (``P12345``, None); not an accession → None."""
    m = ACCESSION.match(accession)
    if not m:
        return None
    return m["canonical"], int(m["iso"]) if m["iso"] else None


def read_fasta(source: InputFile) -> Iterator[FastaRecord]:
    header: str | None = None
    header_line = 0
    chunks: list[str] = []

    def finish(header: str) -> FastaRecord:
        seq = "".join(chunks).upper()
        if seq.endswith("*"):
            seq = seq[:-1]
        name = header.split(None, 1)[0]
        if not seq:
            raise InputFileError(source.name, header_line, f"entry {name!r} has an empty sequence")
        bad = _BAD_RESIDUE.search(seq)
        if bad:
            raise InputFileError(
                source.name,
                header_line,
                f"entry {name!r} has an invalid residue {bad.group()!r} at position {bad.start() + 1}",
            )
        return FastaRecord(header, seq, header_line)

    for number, line in source.lines():
        if line.startswith(">"):
            if header is not None:
                yield finish(header)
            header, header_line, chunks = line[1:].strip(), number, []
            if not header:
                raise InputFileError(source.name, number, "empty FASTA header")
            continue
        text = "".join(line.split())
        if not text:
            continue
        if header is None:
            raise InputFileError(source.name, number, "not FASTA: expected a '>' header before any sequence")
        chunks.append(text)
    if header is None:
        raise InputFileError(source.name, None, "no FASTA entries found")
    yield finish(header)


def parse_uniprot_header(header: str) -> UniProtHeader | None:
    """The UniProt fields of a header, or None when its first word is not a UniProt accession."""
    m = _UNIPROT_ID.match(header)
    if m:
        accession, entry_name, reviewed, rest = m["acc"], m["name"], m["db"] == "sp", m["rest"] or ""
    else:
        first, _, rest = header.partition(" ")
        accession, entry_name, reviewed = first, None, None
    parts = split_accession(accession)
    if parts is None:
        return None
    canonical, isoform = parts
    fields: dict[str, str] = {}
    pieces = _FIELD.split(" " + rest)
    name = pieces[0].strip() or None
    for key, value in zip(pieces[1::2], pieces[2::2], strict=True):
        fields[key] = value.strip()
    return UniProtHeader(
        accession=accession,
        canonical_accession=canonical,
        isoform_index=isoform,
        entry_name=entry_name,
        reviewed=reviewed,
        protein_name=name,
        organism=fields.get("OS"),
        taxonomy_id=_int(fields.get("OX")),
        gene_name=fields.get("GN"),
        protein_existence=_int(fields.get("PE")),
        sequence_version=_int(fields.get("SV")),
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
