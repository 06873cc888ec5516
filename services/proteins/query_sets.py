"""Reading query sets (what FASTA uploads created) and checking an upload before it is queued.

Contract:
1. ``list_query_sets`` is newest first with entry counts; ``query_set_entries`` pages one set by position.
2. ``check_fasta`` parses a FASTA completely without touching the database and raises the same
   ``InputFileError`` the loader would (empty sequence, invalid residue, duplicate entry id, not FASTA), so a
   page can refuse a bad upload at once, naming the entry.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.errors import InputFileError
from services.input_files import InputFile
from services.proteins.fasta import read_fasta

Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class QuerySetView:
    id: int
    name: str
    description: str | None
    source_file: str | None
    created_by: str
    created_at: datetime
    entries: int


@dataclass(frozen=True)
class QuerySetEntryView:
    position: int
    accession: str
    header: str
    length: int
    sequence_hash: str


def list_query_sets(session: Session) -> list[QuerySetView]:
    return [QuerySetView(*r) for r in session.execute(Q.list_query_sets)]


def query_set_entries(session: Session, query_set_id: int, *, limit: int = 100, offset: int = 0):
    rows = session.execute(Q.query_set_entries, {"id": query_set_id, "limit": limit, "offset": offset})
    return [QuerySetEntryView(*r) for r in rows]


def check_fasta(data: bytes, name: str = "upload") -> int:
    """Number of entries in a valid query-set FASTA; raises ``InputFileError`` otherwise."""
    seen: dict[str, int] = {}
    count = 0
    with InputFile(io.BytesIO(data), name=name) as infile:
        for record in read_fasta(infile):
            key = record.entry_id
            if key in seen:
                raise InputFileError(name, record.line, f"duplicate entry {key!r} (first seen on line {seen[key]})")
            seen[key] = record.line
            count += 1
    return count
