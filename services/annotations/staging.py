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

from sqlalchemy import Connection, text

from services.annotations.canonical import Column, error_sql, original_sql, quote_identifier, value_sql
from services.errors import InvalidInput

ROWS_PER_CHUNK = 250_000
_ID_MIN, _ID_SPAN = -(2**63), 2**64
CREATE_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS run_staging (
    allele_id bigint NOT NULL, value jsonb, original jsonb, error text
) ON COMMIT PRESERVE ROWS
"""


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


RELEASE_FIELDS = ("id", "name", "kind", "version", "genome_build", "contigs", "record_count", "table_name")


def release_select(alias: str = "s") -> str:
    """The select list ``release_from_row`` reads, for table alias ``alias`` of ``annotation_sources``."""
    return ", ".join(f"{alias}.{f}" for f in RELEASE_FIELDS)


def release_from_row(row: Any) -> Release:
    return Release(row[0], row[1], row[2], row[3], row[4], tuple(row[5] or ()), int(row[6]), row[7])


def snapshot(conn: Connection, created_after: datetime | None) -> AlleleSet:
    """Take the run's allele set now (contract 1)."""
    at, oldest = conn.execute(
        text(
            "SELECT clock_timestamp(), least(clock_timestamp(), (SELECT min(xact_start) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND datname = current_database() AND xact_start IS NOT NULL))"
        )
    ).one()
    return AlleleSet(created_after, at, oldest)


def release_columns(conn: Connection, release: Release) -> list[Column]:
    rows = conn.execute(
        text(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position"
        ),
        {"t": release.table_name},
    ).all()
    if not rows:
        raise InvalidInput(f"the records of {release.label} are missing (no table {release.table_name})")
    return [Column(name, data_type) for name, data_type in rows]


def _from_where(release: Release) -> str:
    table = quote_identifier(release.table_name)
    join = "JOIN" if release.kind == "vep" else "LEFT JOIN"
    where = (
        "a.genome_build = :build AND a.created_at <= :snapshot_at "
        "AND (CAST(:created_after AS timestamptz) IS NULL OR a.created_at > :created_after) "
        "AND a.id >= :lo AND a.id < :hi"
    )
    if release.kind != "vep":
        where += " AND a.chrom = ANY(:contigs)"
    # The id range is repeated on the release side so each chunk reads only its slice of the release (the
    # planner does not carry range conditions across a join by itself).
    on = "r.release_id = :release_id AND r.allele_id = a.id AND r.allele_id >= :lo AND r.allele_id <= :hi"
    return f"FROM alleles a {join} {table} r ON {on} WHERE {where}"


def _params(release: Release, alleles: AlleleSet, lo: int = _ID_MIN, hi: int = 2**63 - 1) -> dict[str, Any]:
    return {
        "release_id": release.id,
        "build": release.genome_build,
        "snapshot_at": alleles.snapshot_at,
        "created_after": alleles.created_after,
        "lo": lo,
        "hi": hi,
        "contigs": list(release.contigs),
    }


def count_expected(conn: Connection, release: Release, alleles: AlleleSet) -> int:
    sql = "SELECT count(*) " + _from_where(release).replace("AND a.id < :hi", "AND a.id <= :hi")
    return int(conn.execute(text(sql), _params(release, alleles)).scalar_one())


def reset_staging(conn: Connection) -> None:
    conn.execute(text(CREATE_STAGING))
    conn.execute(text("TRUNCATE run_staging"))


def chunk_bounds(expected: int) -> list[tuple[int, int]]:
    """Equal ranges of the signed 64-bit id space, about ``ROWS_PER_CHUNK`` alleles each; the last is closed."""
    n = max(1, -(-expected // ROWS_PER_CHUNK))
    edges = [_ID_MIN + (_ID_SPAN * i) // n for i in range(n)] + [2**63 - 1]
    return list(zip(edges[:-1], edges[1:], strict=True))


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
    present = "r.release_id IS NOT NULL"
    sql = (
        "INSERT INTO run_staging (allele_id, value, original, error) "
        f"SELECT a.id, CASE WHEN {present} THEN {value_sql(release.kind, columns)} END, "
        f"CASE WHEN {present} THEN {original_sql(release.kind, columns)} END, "
        f"CASE WHEN {present} THEN {error_sql(columns)} END " + _from_where(release)
    )
    last = sql.replace("AND a.id < :hi", "AND a.id <= :hi")
    reset_staging(conn)
    conn.commit()
    total = 0
    bounds = chunk_bounds(expected)
    for i, (lo, hi) in enumerate(bounds):
        rows = conn.execute(text(last if i == len(bounds) - 1 else sql), _params(release, alleles, lo, hi)).rowcount
        total += rows
        conn.commit()
        on_chunk(rows)
    # Statistics of the join key only: the values are compared, never planned on.
    conn.execute(text("ANALYZE run_staging (allele_id)"))
    return total
