"""Benchmark: applying a staged annotation release to 1,000,000 live links (issue 4).

Run: ``PYTHONPATH=. .venv/bin/python bench/refresh.py [--alleles 1000000]`` (uses ``$DATABASE_URL`` if set,
else a throw-away embedded server). In one run it:

1. creates 1M alleles and release v1 of a gnomAD-like source directly in SQL (the layout of
   ``services/annotations/source_models.py``; file parsing belongs to the loader's benchmark) and links them all;
2. stages release v2 — 10 % of values changed, 1 % of alleles dropped, 1 % new alleles added — and times
   ``refresh`` (snapshot, staging from ``anno_gnomad``, classify, supersede/retire/link, events, commit);
3. times the baseline: a bare ``INSERT … SELECT`` of 1M rows into ``annotation_link`` (rolled back);
4. builds an allele with 100 events (100 real runs of a one-allele source) and times the Allele page's render
   through AppTest.

It prints the figures and the ratio to the baseline. Targets: apply ≤ 20 s; Allele page ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent

SOURCE_ROW = (
    "INSERT INTO annotation_sources (name, kind, version, genome_build, file_path, file_hash, record_count, "
    "allele_count, duplicate_count, contigs, field_config, table_name, loaded_by) VALUES (%s, 'gnomad', %s, "
    "'GRCh38', 'bench', md5(%s), %s, %s, 0, %s, '[]'::jsonb, %s, 'bench') RETURNING id"
)
CONTIGS = [f"chr{i}" for i in range(1, 23)]


def _database(server_url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def _seed(url: str, n: int) -> dict[str, float]:
    timings = {}
    with psycopg.connect(url, autocommit=True) as conn:
        t = time.perf_counter()
        conn.execute(
            """
            INSERT INTO alleles (id, genome_build, chrom, pos, ref, alt, end_pos, variant_type, created_at)
            SELECT workbench_allele_id('GRCh38', c, p, 'A', 'G'), 'GRCh38', c, p, 'A', 'G', p, 'snv',
                   now() - interval '1 day'
              FROM (SELECT 'chr' || (1 + g %% 22) AS c, 1000 + g * 10 AS p FROM generate_series(1, %s) g) s
            """,
            (n,),
        )
        conn.execute(
            "CREATE TABLE anno_gnomad (release_id integer NOT NULL REFERENCES annotation_sources (id) "
            "ON DELETE CASCADE, allele_id bigint NOT NULL, record_id text, af double precision, "
            "af_grpmax double precision, ac bigint, an bigint, PRIMARY KEY (release_id, allele_id))"
        )
        conn.execute("CREATE INDEX anno_gnomad_allele_id ON anno_gnomad (allele_id)")
        v1 = conn.execute(SOURCE_ROW, ("gnomad", "v1", "v1", n, n, CONTIGS, "anno_gnomad")).fetchone()[0]
        conn.execute(
            "INSERT INTO anno_gnomad SELECT %s, id, NULL, (pos %% 997) / 1e4, (pos %% 991) / 1e4, pos %% 997, 10000 "
            "FROM alleles",
            (v1,),
        )
        timings["seed_v1_s"] = time.perf_counter() - t
        conn.execute("ANALYZE")
    return timings


def _stage_v2(url: str, n: int) -> float:
    """v2: 10 % changed, 1 % dropped, 1 % new alleles; returns the seconds it took to write in SQL."""
    t = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        added = n // 100
        conn.execute(
            """
            INSERT INTO alleles (id, genome_build, chrom, pos, ref, alt, end_pos, variant_type)
            SELECT workbench_allele_id('GRCh38', c, p, 'A', 'C'), 'GRCh38', c, p, 'A', 'C', p, 'snv'
              FROM (SELECT 'chr' || (1 + g %% 22) AS c, 1000 + g * 10 AS p FROM generate_series(1, %s) g) s
            """,
            (added,),
        )
        v2 = conn.execute(SOURCE_ROW, ("gnomad", "v2", "v2", n, n, CONTIGS, "anno_gnomad")).fetchone()[0]
        conn.execute(
            """
            INSERT INTO anno_gnomad
            SELECT %s, a.id, NULL,
                   CASE WHEN a.pos %% 100 < 10 THEN (a.pos %% 997) / 1e4 + 0.5 ELSE (a.pos %% 997) / 1e4 END,
                   (a.pos %% 991) / 1e4, a.pos %% 997, 10000
              FROM alleles a
             WHERE a.pos %% 1000 NOT BETWEEN 500 AND 509
            """,
            (v2,),
        )
        conn.execute("ANALYZE")
    return time.perf_counter() - t


def _settle(url: str) -> float:
    """VACUUM ANALYZE, as the ``db.maintenance`` job does: the apply is measured on a settled database, not
    racing the autovacuum that the first run's million inserted links and events would otherwise trigger."""
    t = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - t


def _baseline(url: str, n: int) -> float:
    with psycopg.connect(url) as conn:
        t = time.perf_counter()
        conn.execute(
            "INSERT INTO annotation_link (allele_id, source, value, source_version, run_id, valid_from, chrom, pos) "
            "SELECT allele_id, 'baseline', value, source_version, run_id, now(), chrom, pos FROM annotation_link "
            "WHERE source = 'gnomad' AND valid_to IS NULL LIMIT %s",
            (n,),
        )
        seconds = time.perf_counter() - t
        conn.rollback()
    return seconds


def _allele_with_100_events(url: str) -> str:
    from services.annotations.refresh import refresh
    from services.auth.identity import Identity, Role

    who = Identity("bench", Role.CURATOR)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO alleles (id, genome_build, chrom, pos, ref, alt, end_pos, variant_type) VALUES "
            "(workbench_allele_id('GRCh38', 'chrM', 100, 'A', 'G'), 'GRCh38', 'chrM', 100, 'A', 'G', 100, 'snv')"
        )
        conn.execute(
            "CREATE TABLE anno_clinvar (release_id integer NOT NULL REFERENCES annotation_sources (id) "
            "ON DELETE CASCADE, allele_id bigint NOT NULL, record_id text, clnsig text, "
            "PRIMARY KEY (release_id, allele_id))"
        )
        for i in range(100):
            rid = conn.execute(
                SOURCE_ROW.replace("'gnomad'", "'clinvar'"),
                ("clinvar", f"c{i:03d}", f"c{i}", 1000, 1, ["chrM"], "anno_clinvar"),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO anno_clinvar VALUES (%s, workbench_allele_id('GRCh38', 'chrM', 100, 'A', 'G'), NULL, %s)",
                (rid, ["Pathogenic", "Likely_pathogenic"][i % 2]),
            )
    for i in range(100):
        refresh(who, "clinvar", f"c{i:03d}")
    return "chrM-100-A-G"


def _allele_page_seconds(allele: str) -> float:
    from streamlit.testing.v1 import AppTest

    os.environ["WORKBENCH_ROLE"] = "viewer"
    best = float("inf")
    for _ in range(3):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.query_params["allele"] = allele
        at.run()
        at.switch_page("pages/allele.py")
        t = time.perf_counter()
        at.run()
        best = min(best, time.perf_counter() - t)
        assert not at.exception, at.exception
        assert len(at.get("plotly_chart")) == 1
    return best


PHASES: dict[str, float] = {}


def _timed_phases() -> None:
    """Wrap the run's phases with timers (printed for the last run)."""
    from services.annotations import lifecycle, refresh

    def wrap(module, name: str) -> None:
        inner = getattr(module, name)

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                PHASES[name] = time.perf_counter() - t

        setattr(module, name, timed)

    for module, name in (
        (refresh, "stage"),
        (refresh, "_plan"),
        (lifecycle, "classify"),
        (lifecycle, "apply_outcomes"),
    ):
        wrap(module, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alleles", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.alleles

    from services.db import embedded, migrate

    tmp = None
    server = os.environ.get("DATABASE_URL")
    if not server:
        tmp = Path(tempfile.mkdtemp(prefix="workbench-bench-"))
        server = embedded.start_detached(tmp / "pg")
    try:
        url = _database(server)
        os.environ["DATABASE_URL"] = url
        migrate.upgrade(url)
        from services.annotations.refresh import refresh
        from services.auth.identity import Identity, Role

        who = Identity("bench", Role.CURATOR)
        _timed_phases()
        seed = _seed(url, n)
        t = time.perf_counter()
        first = refresh(who, "gnomad", "v1")
        link_all = time.perf_counter() - t
        assert first.status == "applied" and first.counts["linked"] == n, first
        stage_v2 = _stage_v2(url, n)
        settle = _settle(url)
        t = time.perf_counter()
        second = refresh(who, "gnomad", "v2")
        apply_s = time.perf_counter() - t
        assert second.status == "applied", second
        phases = dict(PHASES)
        baseline = _baseline(url, n)
        allele = _allele_with_100_events(url)
        page = _allele_page_seconds(allele)

        print(f"alleles with live links:               {n:,}")
        print(f"seed v1 + 1M alleles in SQL:            {seed['seed_v1_s']:.1f} s")
        print(f"first run (link all {n:,}):          {link_all:.1f} s")
        print(
            f"release v2 written to anno_gnomad:      {stage_v2:.1f} s (loading a release file is the loader's bench)"
        )
        print(f"VACUUM ANALYZE before the apply:        {settle:.1f} s (the db.maintenance job's work)")
        print(f"apply v2 (staged → links + events):     {apply_s:.1f} s   target ≤ 20 s")
        print(f"  counts: {second.counts}")
        print("  phases: " + ", ".join(f"{k.strip('_')} {v:.1f} s" for k, v in phases.items()))
        print(f"baseline INSERT … SELECT of {n:,} links: {baseline:.1f} s")
        print(f"ratio apply / baseline:                 {apply_s / baseline:.2f}")
        print(f"Allele page, 100 events (best of 3):    {page * 1000:.0f} ms   target ≤ 1000 ms")
    finally:
        if tmp is not None:
            embedded.stop(tmp / "pg")
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
