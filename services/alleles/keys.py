"""The allele key: ``allele_id(build, chrom, pos, ref, alt)`` and bulk insertion of alleles.

Contract:
1. ``allele_id`` equals the SQL function ``workbench_allele_id`` (migration 0002) for the same normalised key:
   the first 64 bits of md5("build\\tchrom\\tpos\\tref\\talt") as a signed bigint. ``alleles`` refuses a row
   whose id is not that value (check ``ck_alleles_id_is_key_hash``).
2. Callers pass keys already normalised (``services.alleles.normalize``); this module does not normalise.
3. ``upsert_sql`` / ``insert_new_sql`` (named blocks in ``queries.sql``) add the staged alleles that are new and
   return a staged id that names a different key in ``alleles`` (a 64-bit collision), which the caller raises
   as ``AlleleKeyCollision`` instead of silently attaching data to the wrong allele.
"""

from __future__ import annotations

from functools import cache
from hashlib import md5

from services.errors import WorkbenchError

#: Columns of an allele staging table, in COPY order.
STAGING_COLUMNS = ("id", "genome_build", "chrom", "pos", "ref", "alt", "end_pos", "variant_type")


class AlleleKeyCollision(WorkbenchError):
    code = "allele_key_collision"


def allele_id(genome_build: str, chrom: str, pos: int, ref: str, alt: str) -> int:
    key = f"{genome_build}\t{chrom}\t{pos}\t{ref}\t{alt}".encode()
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[:8], "big", signed=True)


@cache
def _queries():
    """The kernel's named SQL blocks, read on first use: parser processes import this module for ``allele_id``
    alone and never load SQLAlchemy (``services.db`` imports it), hence the imports inside the functions."""
    from services.db import sql_blocks

    return sql_blocks.load(__file__)


def upsert_sql(staging: str) -> str:
    """SQL inserting the new alleles of the staging table ``staging`` and returning one colliding key, if any.

    An id already present with the same key is left alone; with a different key (a 64-bit collision) the
    no-op ``DO UPDATE`` reports it (``xmax <> 0``), so no separate verification pass is needed.
    """
    from services.db.identifiers import quote_identifier

    return _queries().sql("upsert_staged").format(staging=quote_identifier(staging))


def insert_new_sql(staging: str) -> str:
    """SQL inserting the staged alleles not yet in ``alleles`` with a plain INSERT, returning one colliding key,
    if any — cheaper than ``upsert_sql`` (no speculative insertion per row).

    Each staged id is probed once through ``alleles``' primary key (a correlated subquery: always an index
    probe, whatever the table's size). A concurrent transaction that inserts one of the same new alleles makes
    this statement fail with a unique violation: callers run it under a savepoint and fall back to
    ``upsert_sql``, which waits for and merges such rows.
    """
    from services.db.identifiers import quote_identifier, quote_list

    block = _queries().sql("insert_new_staged")
    return block.format(staging=quote_identifier(staging), cols=quote_list(STAGING_COLUMNS))
