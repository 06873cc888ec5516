"""Loading a FASTA file: reference proteins (UniProt FASTA) or a named query set.

Contract:
1. All or nothing: the file is streamed into a temporary staging table with COPY and every check (format,
   residues, duplicate ids, UniProt headers) runs before anything reaches the catalog; any error rolls the
   whole load back and names the entry and line.
2. Sequences are deduplicated by MD5 of the upper-case residues (``uq_sequence_sequence_hash``): a sequence
   already stored, or repeated in the file, is reused, never stored twice. ``sequences_new`` counts sequence
   rows created; ``sequences_reused`` the entries that pointed to an existing (or earlier) sequence, so
   ``sequences_new + sequences_reused == proteins``.
3. Without a query set, entries are reference proteins upserted by accession (a reload refreshes header
   fields and the sequence link). With one, a new ``QuerySet`` is created (its name must be unused) and each
   entry keeps its original header; its accession is the UniProt accession when the header follows the
   UniProt rules (``sp|O13297|CET1_YEAST`` → ``O13297``, so predictions meet the catalog's known terms and
   the leakage rule sees the query), else the first header word; these must be unique within the file.
4. Writers must be curators (``require``).
5. A reload never overwrites a reference accession's sequence in place: a changed sequence becomes the
   accession's next version in ``protein_sequence_version`` (the previous one kept, marked replaced), and the
   result carries one warning per changed accession (``sequences_changed``, ``warnings``).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.errors import translated
from services.db.pg_copy import copy_rows
from services.errors import InputFileError, InvalidInput
from services.input_files import InputFile
from services.jobs.progress import ProgressReporter
from services.proteins.fasta import parse_uniprot_header, read_fasta

STAGE_COLUMNS = (
    "position",
    "accession",
    "canonical_accession",
    "isoform_index",
    "entry_name",
    "reviewed",
    "protein_name",
    "organism",
    "taxonomy_id",
    "gene_name",
    "protein_existence",
    "sequence_version",
    "header",
    "sequence_hash",
    "sequence",
)


Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class FastaLoadResult:
    proteins: int
    sequences_new: int
    sequences_reused: int
    query_set_id: int | None
    sequences_changed: int = 0
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        return out


def load_fasta(
    session: Session,
    source: str | os.PathLike[str] | BinaryIO,
    identity: Identity,
    *,
    query_set: str | None = None,
    description: str | None = None,
    source_name: str | None = None,
    progress: ProgressReporter | None = None,
) -> FastaLoadResult:
    """Load ``source`` as reference proteins, or as the new query set ``query_set``."""
    require(identity, Role.CURATOR, "load FASTA files")
    progress = progress or ProgressReporter(None)
    query_set_id: int | None = None
    if query_set is not None:
        query_set = query_set.strip()
        if not query_set:
            raise InvalidInput("a query set needs a name")
        # Insert first (before the file is read): uq_query_set_name refuses a taken name, also one a concurrent
        # load takes, as DuplicateRecord (services.db.errors) — no check-then-insert race.
        with translated(), session.begin_nested():  # a refusal leaves the caller's unit of work usable
            query_set_id = session.execute(
                Q.insert_query_set,
                {"n": query_set, "d": description, "f": source_name or _name_of(source), "u": identity.user},
            ).scalar_one()

    session.execute(Q.create_fasta_stage)
    with InputFile(source, name=source_name) as infile:
        progress.set_total(infile.total_bytes)
        rows = _stage_rows(infile, reference=query_set is None, progress=progress)
        entries = copy_rows(session, "fasta_stage", STAGE_COLUMNS, rows)
        progress.set(infile.total_bytes or progress.current)

    sequences_new = session.execute(Q.insert_staged_sequences).rowcount

    warnings: list[str] = []
    if query_set is None:
        changed = session.execute(Q.changed_sequences).all()
        warnings = [
            f"{row.accession}: the sequence changed; it is now version {(row.last_version or 0) + 1} and the "
            f"previous one is kept as version {row.last_version or 1}"
            for row in changed
        ]
        session.execute(Q.retire_changed_sequence_versions)
        session.execute(Q.upsert_staged_proteins)
        session.execute(Q.record_sequence_versions)
    else:
        session.execute(Q.insert_staged_query_set_entries, {"q": query_set_id})
    session.execute(Q.drop_fasta_stage)
    return FastaLoadResult(
        entries, sequences_new, entries - sequences_new, query_set_id, len(warnings), tuple(warnings)
    )


def _stage_rows(infile: InputFile, *, reference: bool, progress: ProgressReporter):
    seen: dict[str, int] = {}
    for position, record in enumerate(read_fasta(infile), start=1):
        entry_id = record.entry_id
        if reference:
            h = parse_uniprot_header(record.header)
            if h is None:
                raise InputFileError(
                    infile.name,
                    record.line,
                    f"entry {entry_id!r} is not a UniProt FASTA header "
                    "(expected '>sp|ACCESSION|ENTRY_NAME …' or an accession as the first word)",
                )
            key = h.accession
        else:
            # A UniProt-style query keeps its header but is known by its catalog accession.
            parsed = parse_uniprot_header(record.header)
            h, key = None, parsed.accession if parsed is not None else entry_id
        if key in seen:
            raise InputFileError(infile.name, record.line, f"duplicate entry {key!r} (first seen on line {seen[key]})")
        seen[key] = record.line
        if position % 1000 == 0:
            progress.set(infile.bytes_read)
            progress.check_cancelled()
        if h is None:
            yield (
                position,
                key,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                record.header,
                record.sequence_hash,
                record.sequence,
            )
        else:
            yield (
                position,
                h.accession,
                h.canonical_accession,
                h.isoform_index,
                h.entry_name,
                h.reviewed,
                h.protein_name,
                h.organism,
                h.taxonomy_id,
                h.gene_name,
                h.protein_existence,
                h.sequence_version,
                record.header,
                record.sequence_hash,
                record.sequence,
            )


def _name_of(source: object) -> str | None:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", None)
