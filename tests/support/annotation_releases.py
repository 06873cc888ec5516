"""A small documented fixture: alleles and annotation releases written straight into the variant store's tables.

It follows the ``anno_<source>`` layout documented in ``services/annotations/source_models.py`` (release_id,
allele_id, record_id, one column per field alias; primary key (release_id, allele_id)) and fills the
``annotation_sources`` row the loader would, so the lifecycle is tested on exactly what ``workbench source
add`` produces, without parsing files. Values per source:

* ``vep``     — the picked consequence: gene, transcript, consequence, impact, hgvs_c, hgvs_p (text);
* ``gnomad``  — af, af_grpmax (double precision), ac, an (bigint);
* ``clinvar`` — clnsig, clnrevstat (text).

``value(source, i)`` gives distinct values, ``record(source, value)`` the row for a value.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from services.alleles.keys import allele_id
from services.auth.identity import Identity, Role
from services.db.identifiers import quote_identifier

CURATOR = Identity("carol", Role.CURATOR)
LEAD = Identity("lena", Role.LEAD)
VIEWER = Identity("victor", Role.VIEWER)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: float) -> datetime:
    """A pinned instant: ``T0`` plus ``day`` days."""
    return T0 + timedelta(days=day)


GENOME = "GRCh38"
SOURCES = ("vep", "gnomad", "clinvar")
COLUMNS: dict[str, dict[str, str]] = {
    "vep": {
        "gene": "text",
        "transcript": "text",
        "consequence": "text",
        "impact": "text",
        "hgvs_c": "text",
        "hgvs_p": "text",
    },
    "gnomad": {"af": "double precision", "af_grpmax": "double precision", "ac": "bigint", "an": "bigint"},
    "clinvar": {"clnsig": "text", "clnrevstat": "text"},
}
CLNSIG = ("Pathogenic", "Likely_pathogenic", "Uncertain_significance", "Likely_benign", "Benign")
CONSEQUENCES = (
    "missense_variant",
    "synonymous_variant",
    "stop_gained",
    "splice_region_variant&intron_variant",
)


def record(source: str, i: int) -> dict[str, Any]:
    """Release columns for the ``i``-th distinct value of ``source``."""
    if source == "vep":
        tx = f"ENST{1000 + i:011d}"
        return {
            "gene": f"GENE{i}",
            "transcript": f"{tx}.{1 + i % 3}",
            "consequence": CONSEQUENCES[i % len(CONSEQUENCES)],
            "impact": "MODERATE",
            "hgvs_c": f"{tx}.{1 + i % 3}:c.{100 + i}A>G",
            "hgvs_p": None,
        }
    if source == "gnomad":
        return {
            "af": round(0.001 * (i + 1), 6),
            "af_grpmax": round(0.002 * (i + 1), 6),
            "ac": i + 1,
            "an": 1000,
        }
    return {"clnsig": CLNSIG[i % len(CLNSIG)], "clnrevstat": f"criteria_provided_{i}"}


def value(source: str, i: int) -> dict[str, Any]:
    """The canonical value the lifecycle stores for ``record(source, i)``."""
    r = record(source, i)
    if source == "vep":
        tx = r["transcript"].split(".")[0]
        return {
            "gene": r["gene"],
            "transcript": tx,
            "consequence": sorted(r["consequence"].split("&")),
            "impact": "MODERATE",
            "hgvs_c": r["hgvs_c"].replace(r["transcript"], tx),
        }
    return {k: v for k, v in r.items() if v is not None}


def add_alleles(conn: Connection, n: int, *, chrom: str = "chr1", start: int = 1000) -> list[int]:
    """``n`` SNV alleles chrom:start+10k A>G; returns their ids."""
    keys = [(chrom, start + 10 * k, "A", "G") for k in range(n)]
    ids = [allele_id(GENOME, *key) for key in keys]
    conn.execute(
        text(
            "INSERT INTO alleles (id, genome_build, chrom, pos, ref, alt, end_pos, variant_type) "
            "VALUES (:id, :b, :c, :p, :r, :a, :p, 'snv') ON CONFLICT DO NOTHING"
        ),
        [{"id": i, "b": GENOME, "c": c, "p": p, "r": r, "a": a} for i, (c, p, r, a) in zip(ids, keys, strict=True)],
    )
    return ids


def add_release(
    conn: Connection,
    source: str,
    version: str,
    records: dict[int, dict[str, Any] | None],
    *,
    kind: str | None = None,
    contigs: tuple[str, ...] = ("chr1",),
    record_count: int = 1000,
    columns: dict[str, str] | None = None,
) -> int:
    """A release of ``source`` holding ``records`` ({allele_id: columns}); returns its id.

    For VEP a ``None`` record is an allele in the file with no consequence (a row with empty fields).
    ``record_count`` is nominal (1000) so the integrity check passes unless a test says otherwise.
    """
    kind = kind or source
    columns = columns or COLUMNS[kind]
    table = quote_identifier(f"anno_{source}")
    release_id = conn.execute(
        text(
            "INSERT INTO annotation_sources (name, kind, version, genome_build, file_path, file_hash, record_count, "
            "allele_count, duplicate_count, contigs, field_config, table_name, loaded_by) VALUES (:n, :k, :v, :b, "
            "'fixture', md5(:v), :rc, :rc, 0, :contigs, CAST(:fc AS jsonb), :t, 'fixture') RETURNING id"
        ),
        {
            "n": source,
            "k": kind,
            "v": version,
            "b": GENOME,
            "rc": record_count,
            "contigs": list(contigs),
            "fc": "[]",
            "t": f"anno_{source}",
        },
    ).scalar_one()
    conn.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {table} (release_id integer NOT NULL REFERENCES annotation_sources (id) "
            "ON DELETE CASCADE, allele_id bigint NOT NULL, record_id text, PRIMARY KEY (release_id, allele_id))"
        )
    )
    for name, sql_type in columns.items():
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {quote_identifier(name)} {sql_type}"))
    names = list(columns)
    rows = []
    for a, rec in records.items():
        if rec is None and kind != "vep":
            continue
        rec = rec or {}
        rows.append({"release_id": release_id, "allele_id": a, **{n: rec.get(n) for n in names}})
    if rows:
        cols = ", ".join(["release_id", "allele_id", *map(quote_identifier, names)])
        binds = ", ".join(f":{n}" for n in ["release_id", "allele_id", *names])
        conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({binds})"), rows)
    return int(release_id)
