"""Bulk allele insertion: new alleles once, known ones left alone, key collisions refused, concurrent loads merged."""

from __future__ import annotations

import threading

import psycopg
import pytest

from services.alleles.keys import AlleleKeyCollision, allele_id
from services.variants import loader
from services.variants.copy_binary import enc_int8, enc_text, row_header


def _staged(key: tuple[str, str, int, str, str], forced_id: int | None = None) -> bytes:
    build, chrom, pos, ref, alt = key
    return b"".join(
        (
            row_header(8),
            enc_int8(allele_id(*key) if forced_id is None else forced_id),
            enc_text(build),
            enc_text(chrom),
            enc_int8(pos),
            enc_text(ref),
            enc_text(alt),
            enc_int8(pos + len(ref) - 1),
            enc_text("SNV"),
        )
    )


def _insert(conn: psycopg.Connection, *rows: bytes) -> None:
    loader._create_allele_staging(conn)
    loader._insert_alleles(conn, [b"".join(rows)])


def _alleles(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id, chrom, pos, ref, alt FROM alleles ORDER BY chrom, pos").fetchall()


A = ("GRCh38", "chr1", 100, "A", "G")
B = ("GRCh38", "chr1", 200, "C", "T")
C = ("GRCh38", "chr2", 300, "G", "A")


def test_new_alleles_are_inserted_once_and_known_ones_kept(db_url):
    with psycopg.connect(db_url) as conn:
        _insert(conn, _staged(A), _staged(B), _staged(A))  # a repeated allele within one chunk
    with psycopg.connect(db_url) as conn:
        _insert(conn, _staged(B), _staged(C))
    assert _alleles(db_url) == [(allele_id(*k), k[1], k[2], k[3], k[4]) for k in (A, B, C)]


def test_an_id_naming_another_key_is_refused(db_url):
    with psycopg.connect(db_url) as conn:
        _insert(conn, _staged(A))
    other = ("GRCh38", "chr9", 5, "T", "C")
    with psycopg.connect(db_url) as conn, pytest.raises(AlleleKeyCollision, match="chr9:5 T>C"):
        _insert(conn, _staged(other, forced_id=allele_id(*A)))


def test_alleles_inserted_meanwhile_by_another_load_are_merged(db_url):
    """Another transaction inserts one of our new alleles and commits while our chunk waits on it: the plain
    INSERT fails on the unique key, and the chunk is merged instead (the load goes on)."""
    other = psycopg.connect(db_url)
    other.execute(
        "INSERT INTO alleles (id, genome_build, chrom, pos, ref, alt, end_pos, variant_type) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, 'SNV')",
        (allele_id(*B), *B, B[2]),
    )
    outcome: list[object] = []

    def ours() -> None:
        try:
            with psycopg.connect(db_url) as conn:
                _insert(conn, _staged(A), _staged(B))
            outcome.append("ok")
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    thread = threading.Thread(target=ours)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive(), "our insert should wait for the other transaction's uncommitted allele"
    other.commit()
    other.close()
    thread.join(30)
    assert outcome == ["ok"]
    assert [r[0] for r in _alleles(db_url)] == [allele_id(*A), allele_id(*B)]
