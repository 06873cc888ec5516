"""What a run covers, and its staged results: one row per allele of the run's set, read from ``anno_<source>``.

Contract:
1. A run's allele set is snapshotted at its start: alleles of the release's genome build created at or before
   ``snapshot_at`` (and after ``created_after`` when set). ``complete_before`` is the start of the oldest
   transaction still open at the snapshot: every allele created before it was visible to the run, so the next
   run of the same release (without ``force``) takes only alleles created after it. Re-processing an allele is
   harmless (an equal value is UNCHANGED), missing one is not, so the bound errs on the early side.
2. gnomAD, ClinVar and other site releases cover their build and the contigs they contain
   (``annotation_sources.contigs``): an allele of the set on a covered contig without a record is absent.
3. A VEP release covers only the alleles in its file: alleles not in it are not in the run at all; an allele in
   it whose picked consequence is empty is absent.
4. Staged results go to the session-local table ``run_staging`` (allele_id, value, original, error), filled in
   chunks of the allele-id space (ids are uniform 64-bit hashes, so equal ranges hold equal shares) so a long
   run reports progress and stops at a chunk boundary when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from services.alleles.normalize import normalise_build
from services.annotations.canonical import Column, error_sql, original_sql, value_sql
from services.db import sql_blocks
from services.db.identifiers import quote_identifier
from services.errors import InvalidInput, NotFound

Q = sql_blocks.load(__file__, "staging.sql")
ROWS_PER_CHUNK = 250_000
_ID_MIN, _ID_MAX, _ID_SPAN = -(2**63), 2**63 - 1, 2**64


@dataclass(frozen=True)
class Release:
    """The release a run applies (a row of ``annotation_sources``)."""

    id: int
    source: str
    kind: str
    version: str
    genome_build: str
    contigs: tuple[str, ...]
    record_count: int
    table_name: str

    @property
    def label(self) -> str:
        return f"{self.source} {self.version} ({self.genome_build})"


@dataclass(frozen=True)
class AlleleSet:
    """The run's allele set (contract 1)."""

    created_after: datetime | None
    snapshot_at: datetime
    complete_before: datetime


def release_from_row(row: Any) -> Release:
    """A row of the ``release_by_id`` block."""
    return Release(row[0], row[1], row[2], row[3], row[4], tuple(row[5] or ()), int(row[6]), row[7])


def release_by_id(conn: Connection, release_id: int) -> Release:
    return release_from_row(conn.execute(Q.release_by_id, {"id": release_id}).one())


def find_release(conn: Connection, source: str, version: str, genome: str) -> Release:
    """Release ``version`` of ``source`` for genome build ``genome``; ``NotFound`` names the command that loads it."""
    genome = normalise_build(genome)
    release_id = conn.execute(Q.release_id_by_key, {"name": source, "version": version, "genome": genome}).scalar()
    if release_id is None:
        raise NotFound(
            f"no release {version!r} of source {source!r} for {genome} — load it with `workbench source add`"
        )
    return release_by_id(conn, release_id)


def snapshot(conn: Connection, created_after: datetime | None) -> AlleleSet:
    """Take the run's allele set now (contract 1)."""
    at, oldest = conn.execute(Q.snapshot).one()
    return AlleleSet(created_after, at, oldest)


def release_columns(conn: Connection, release: Release) -> list[Column]:
    rows = conn.execute(Q.release_columns, {"t": release.table_name}).all()
    if not rows:
        raise InvalidInput(f"the records of {release.label} are missing (no table {release.table_name})")
    return [Column(name, data_type) for name, data_type in rows]


def _params(release: Release, alleles: AlleleSet, lo: int = _ID_MIN, hi: int = _ID_MAX) -> dict[str, Any]:
    return {
        "release_id": release.id,
        "build": release.genome_build,
        "snapshot_at": alleles.snapshot_at,
        "created_after": alleles.created_after,
        "lo": lo,
        "hi": hi,
        "contigs": list(release.contigs),
    }


def _site_or_vep(release: Release) -> str:
    """Which allele set the release covers: ``vep`` (the alleles in its file) or ``site`` (contract 2, 3)."""
    return "vep" if release.kind == "vep" else "site"


def count_expected(conn: Connection, release: Release, alleles: AlleleSet) -> int:
    table = quote_identifier(release.table_name)
    sql = Q.formatted(f"count_{_site_or_vep(release)}_alleles", table=table)
    return int(conn.execute(sql, _params(release, alleles)).scalar_one())


def reset_staging(conn: Connection) -> None:
    conn.execute(Q.create_staging)
    conn.execute(Q.truncate_staging)


def drop_staging(conn: Connection) -> None:
    conn.execute(Q.drop_staging)


def chunk_bounds(expected: int) -> list[tuple[int, int]]:
    """Equal ranges of the signed 64-bit id space, about ``ROWS_PER_CHUNK`` alleles each, as inclusive
    ``(lo, hi)`` pairs: together they cover every id exactly once."""
    n = max(1, -(-expected // ROWS_PER_CHUNK))
    edges = [_ID_MIN + (_ID_SPAN * i) // n for i in range(n)] + [_ID_MAX + 1]
    return [(lo, next_lo - 1) for lo, next_lo in zip(edges[:-1], edges[1:], strict=True)]


def stage(
    conn: Connection,
    release: Release,
    alleles: AlleleSet,
    expected: int,
    on_chunk: Callable[[int], None] = lambda n: None,
) -> int:
    """Fill ``run_staging`` for the run's allele set, committing per chunk; ``on_chunk(rows)`` after each.

    Returns how many alleles were staged (processed).
    """
    columns = release_columns(conn, release)
    sql = Q.formatted(
        f"stage_{_site_or_vep(release)}_chunk",
        table=quote_identifier(release.table_name),
        value=value_sql(release.kind, columns),
        original=original_sql(release.kind, columns),
        error=error_sql(columns),
    )
    reset_staging(conn)
    conn.commit()
    total = 0
    for lo, hi in chunk_bounds(expected):
        rows = conn.execute(sql, _params(release, alleles, lo, hi)).rowcount
        total += rows
        conn.commit()
        on_chunk(rows)
    conn.execute(Q.analyze_staging)
    return total
