"""The allele key: ``allele_id(build, chrom, pos, ref, alt)`` and bulk insertion of alleles.

Contract:
1. ``allele_id`` equals the SQL function ``workbench_allele_id`` (migration 0002) for the same normalised key:
   the first 64 bits of md5("build\\tchrom\\tpos\\tref\\talt") as a signed bigint. ``alleles`` refuses a row
   whose id is not that value (check ``ck_alleles_id_is_key_hash``).
2. Callers pass keys already normalised (``services.alleles.normalize``); this module does not normalise.
3. ``insert_alleles_from`` / ``upsert_sql`` / ``insert_new_sql`` add the staged alleles that are new; a staged
   id that names a different key in ``alleles`` (a 64-bit collision) raises instead of silently attaching data
   to the wrong allele.
"""

from __future__ import annotations

from hashlib import md5
from typing import TYPE_CHECKING

from services.errors import WorkbenchError

if TYPE_CHECKING:  # SQLAlchemy is imported only where used: parser processes need just ``allele_id``
    from sqlalchemy.engine import Connection

#: Columns of an allele staging table, in COPY order.
STAGING_COLUMNS = ("id", "genome_build", "chrom", "pos", "ref", "alt", "end_pos", "variant_type")


class AlleleKeyCollision(WorkbenchError):
    code = "allele_key_collision"


def allele_id(genome_build: str, chrom: str, pos: int, ref: str, alt: str) -> int:
    key = f"{genome_build}\t{chrom}\t{pos}\t{ref}\t{alt}".encode()
    return int.from_bytes(md5(key).digest()[:8], "big", signed=True)


def create_staging(conn: Connection, name: str) -> None:
    """A temporary allele staging table ``name`` (a trusted constant), dropped at commit."""
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {name} (id bigint, genome_build text, chrom text, pos bigint, ref text, "
        "alt text, end_pos bigint, variant_type text) ON COMMIT DROP"
    )


def upsert_sql(staging: str) -> str:
    """SQL inserting the new alleles of ``staging`` (a trusted name) and returning one colliding key, if any.

    An id already present with the same key is left alone; with a different key (a 64-bit collision) the
    no-op ``DO UPDATE`` reports it (``xmax <> 0``), so no separate verification pass is needed.
    """
    return (
        "WITH ins AS (INSERT INTO alleles (id, genome_build, chrom, pos, ref, alt, end_pos, variant_type) "
        "SELECT DISTINCT ON (id) id, genome_build, chrom, pos, ref, alt, end_pos, variant_type "
        f"FROM {staging} ORDER BY id "
        "ON CONFLICT (id) DO UPDATE SET id = alleles.id "
        "WHERE (alleles.genome_build, alleles.chrom, alleles.pos, alleles.ref, alleles.alt) IS DISTINCT FROM "
        "(EXCLUDED.genome_build, EXCLUDED.chrom, EXCLUDED.pos, EXCLUDED.ref, EXCLUDED.alt) "
        "RETURNING chrom, pos, ref, alt, xmax <> 0 AS clash) "
        "SELECT chrom, pos, ref, alt FROM ins WHERE clash LIMIT 1"
    )


def insert_new_sql(staging: str) -> str:
    """SQL inserting the staged alleles (``staging``: a trusted name) not yet in ``alleles`` with a plain INSERT,
    returning one colliding key, if any — cheaper than ``upsert_sql`` (no speculative insertion per row).

    Each staged id is probed once through ``alleles``' primary key (a correlated subquery: always an index
    probe, whatever the table's size). A concurrent transaction that inserts one of the same new alleles makes
    this statement fail with a unique violation: callers run it under a savepoint and fall back to
    ``upsert_sql``, which waits for and merges such rows.
    """
    cols = ", ".join(STAGING_COLUMNS)
    return (
        "WITH probe AS MATERIALIZED (SELECT s.*, (SELECT (a.genome_build, a.chrom, a.pos, a.ref, a.alt)::text "
        f"FROM alleles a WHERE a.id = s.id) AS known FROM (SELECT DISTINCT ON (id) {cols} FROM {staging} "
        f"ORDER BY id) s), ins AS (INSERT INTO alleles ({cols}) SELECT {cols} FROM probe WHERE known IS NULL) "
        "SELECT chrom, pos, ref, alt FROM probe WHERE known IS DISTINCT FROM "
        "(genome_build, chrom, pos, ref, alt)::text AND known IS NOT NULL LIMIT 1"
    )


def insert_alleles_from(conn: Connection, staging: str) -> None:
    """Insert the staged alleles not yet known (SQLAlchemy connection); raise on a key collision."""
    from sqlalchemy import text

    clash = conn.execute(text(upsert_sql(staging))).first()
    if clash is not None:
        raise AlleleKeyCollision(
            f"allele {clash[0]}:{clash[1]} {clash[2]}>{clash[3]} collides with another allele's 64-bit key; "
            "it cannot be stored"
        )
