"""Loading UniProt metadata from a UniProt TSV export (website download or REST ``format=tsv``).

Contract:
1. The first line names the columns by their UniProt labels (``Entry``, ``Function [CC]``, ``EC number``,
   …) or REST field names (``accession``, ``cc_function``, ``ec``, …); ``Entry``/``accession`` is required.
   Known columns fill ``ProteinUniProtMetadata``'s fields; any other column is kept in ``extra``.
2. One row per canonical accession: an isoform accession is stored under its canonical one, isoforms read
   it through ``Protein.canonical_accession``. A reload updates rows in place (upsert).
3. All or nothing: a line with the wrong column count, a value that is not an accession, or an accession
   given twice raises ``InputFileError`` naming the line, and nothing is stored. Writers must be curators.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.pg_copy import copy_rows
from services.errors import InputFileError
from services.input_files import InputFile
from services.jobs.progress import ProgressReporter
from services.proteins.fasta import split_accession

Q = sql_blocks.load(__file__)

# column → accepted header spellings (UniProt labels and REST field names), compared case-insensitively
FIELDS: dict[str, tuple[str, ...]] = {
    "protein_name": ("protein names", "protein_name"),
    "function_cc": ("function [cc]", "cc_function"),
    "ec_number": ("ec number", "ec"),
    "catalytic_activity": ("catalytic activity", "cc_catalytic_activity"),
    "cofactor": ("cofactor", "cc_cofactor"),
    "activity_regulation": ("activity regulation", "cc_activity_regulation"),
    "pathway": ("pathway", "cc_pathway"),
    "kinetics": ("kinetics",),
    "ph_dependence": ("ph dependence", "ph_dependence"),
    "temperature_dependence": ("temperature dependence", "temp_dependence"),
    "subcellular_location": ("subcellular location [cc]", "cc_subcellular_location"),
    "keywords": ("keywords", "keyword"),
    "rhea_id": ("rhea id", "rhea"),
}
ACCESSION_HEADERS = ("entry", "accession")
_BY_HEADER = {label: column for column, labels in FIELDS.items() for label in labels}
COLUMNS = ("canonical_accession", *FIELDS, "extra", "source")


@dataclass(frozen=True)
class MetadataLoadResult:
    entries: int
    inserted: int
    updated: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def load_uniprot_metadata(
    session: Session,
    source: str | os.PathLike[str] | BinaryIO,
    identity: Identity,
    *,
    source_name: str | None = None,
    progress: ProgressReporter | None = None,
) -> MetadataLoadResult:
    require(identity, Role.CURATOR, "load UniProt metadata")
    progress = progress or ProgressReporter(None)
    session.execute(Q.create_metadata_stage)
    with InputFile(source, name=source_name) as infile:
        progress.set_total(infile.total_bytes)
        entries = copy_rows(session, "metadata_stage", COLUMNS, _rows(infile, progress))
    counts = session.execute(Q.upsert_staged_metadata).one()
    session.execute(Q.drop_metadata_stage)
    return MetadataLoadResult(entries, int(counts[0]), int(counts[1]))


def _rows(infile: InputFile, progress: ProgressReporter):
    lines = infile.lines()
    header = next((line for _, line in lines if line.strip()), None)
    if header is None:
        raise InputFileError(infile.name, None, "empty file: expected a UniProt TSV export")
    labels = header.split("\t")
    lowered = [label.strip().lower() for label in labels]
    key = next((i for i, label in enumerate(lowered) if label in ACCESSION_HEADERS), None)
    if key is None:
        raise InputFileError(infile.name, 1, "not a UniProt TSV export: no 'Entry' (accession) column")
    seen: dict[str, int] = {}
    for number, line in lines:
        if not line.strip():
            continue
        values = line.split("\t")
        if len(values) != len(labels):
            raise InputFileError(infile.name, number, f"expected {len(labels)} columns, found {len(values)}")
        parts = split_accession(values[key].strip())
        if parts is None:
            raise InputFileError(infile.name, number, f"{values[key]!r} is not a UniProt accession")
        canonical = parts[0]
        if canonical in seen:
            raise InputFileError(infile.name, number, f"{canonical} appears twice (first on line {seen[canonical]})")
        seen[canonical] = number
        known: dict[str, str | None] = dict.fromkeys(FIELDS)
        extra: dict[str, str] = {}
        for i, (label, value) in enumerate(zip(lowered, values, strict=True)):
            if i == key:
                continue
            column = _BY_HEADER.get(label)
            value = value.strip()
            if column is not None:
                known[column] = value or None
            elif value:
                extra[labels[i].strip()] = value
        if number % 1000 == 0:
            progress.set(infile.bytes_read)
            progress.check_cancelled()
        yield (canonical, *known.values(), json.dumps(extra), infile.name[-200:])
