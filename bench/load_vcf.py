"""Benchmark (issue 3): load a synthetic 1M-record VEP VCF with our loader, with vcf-pg-loader 0.5.4, and
COPY our own final rows raw into the same table layout — all in one run, on one fresh embedded server.

Usage: ``python -m bench.load_vcf [--records N] [--real] [--skip-vcf-pg-loader]``. Prints input records/s for
each, our real peak RSS (``RssSampler``: the loader and its parser processes sampled from /proc while it runs; the
peak of their sum at one instant, each one's peak, and the summed peak per quarter of the run, which stays flat
when memory does not grow with the input), the ratios, the storage per variant (the database's growth
and the ``variants`` table with its indexes and TOAST, per loaded row), and each Variants filter's p50/p95 after the
load. ``--real`` (issue 18) loads the records of a real VEP 110 VCF tiled to N (``bench/real_vcf.py``) instead of
the synthetic file, whose 1–5 transcripts per record hide where real records cost; after the storage is measured it
adds a ClinVar release over 6 % of the alleles (``_clinvar_release``, through ``add_source`` and ``refresh``) and
moves 1 % of the calls to a second sample (``_rare_sample``), so that the ClinVar and sample filters are timed too.
vcf-pg-loader is installed into its own venv (``/tmp/vpl``) when missing so it cannot disturb our pins.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
VPL_VENV = Path(os.environ.get("VPL_VENV", "/tmp/vpl"))


def _fixture(records: int, real: bool = False) -> Path:
    from bench.real_vcf import SOURCE, tile
    from bench.vcf_fixture import write_vcf

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{'real' if real else 'bench'}_{records}.vcf.gz"
    if not path.exists():
        t = time.monotonic()
        tmp = path.with_suffix(".tmp")
        if real:
            tile(SOURCE, tmp, records)
        else:
            write_vcf(tmp, records)
        tmp.rename(path)
        print(f"generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - t:.0f}s")
    return path


def _create_db(admin_url: str, name: str, migrate_it: bool = True) -> str:
    from tests.conftest import _with_database

    _drop_db(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(admin_url, name)
    if migrate_it:
        from services.db import migrate

        migrate.upgrade(url)
    return url


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (from each process's /proc stat line)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            out.append(int(entry))
    return out


def _rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` in KiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples the real resident memory of a process and its children every ``interval`` seconds:
    ``peak_sum_kb`` is the largest sum over the process tree at one instant, ``peaks_kb`` each process's own peak
    (by pid: the loader first, then its parser children), ``series`` the (seconds, summed KiB) samples."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval = pid, interval
        self.peak_sum_kb = 0
        self.peaks_kb: dict[int, int] = {}
        self.series: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        t0 = time.monotonic()
        kids: list[int] = []
        last_scan = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now - last_scan > 2.0:  # parsers start after the file is hashed; rescan now and then
                kids, last_scan = _children(self.pid), now
            total = 0
            for pid in [self.pid, *kids]:
                kb = _rss_kb(pid)
                total += kb
                if kb > self.peaks_kb.get(pid, 0):
                    self.peaks_kb[pid] = kb
            self.peak_sum_kb = max(self.peak_sum_kb, total)
            self.series.append((now - t0, total))
            self._stop.wait(self.interval)

    def quarters_kb(self) -> list[int]:
        """The largest summed RSS in each quarter of the run: flat when memory does not grow with the input."""
        if not self.series:
            return []
        end = self.series[-1][0] or 1.0
        out = [0, 0, 0, 0]
        for at, kb in self.series:
            q = min(3, int(4 * at / end))
            out[q] = max(out[q], kb)
        return out

    def describe(self) -> str:
        loader = self.peaks_kb.get(self.pid, 0)
        kids = [kb for pid, kb in self.peaks_kb.items() if pid != self.pid]
        return (
            f"peak RSS {self.peak_sum_kb / 1024:,.0f} MiB summed at one instant (loader {loader / 1024:,.0f} MiB, "
            f"children {', '.join(f'{kb / 1024:,.0f}' for kb in kids) or '-'} MiB each at their peak; summed peak "
            f"per quarter of the run {' / '.join(f'{kb / 1024:,.0f}' for kb in self.quarters_kb())} MiB)"
        )


def _run_ours(url: str, vcf: Path) -> dict:
    """Our loader in a fresh process; its real memory (loader and parser processes) sampled from /proc while it
    runs (``RssSampler``)."""
    code = (
        "import json, logging, resource, sys\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stderr, format='  %(message)s')\n"
        "from services.auth.identity import Identity, Role\n"
        "from services.variants.loader import load_vcf\n"
        "if __name__ == '__main__':\n"
        "    r = load_vcf(sys.argv[1], Identity('bench', Role.CURATOR), url=sys.argv[2])\n"
        "    me = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    kids = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "    print(json.dumps({'result': r.as_json(),\n"
        "                      'cpu_main': me.ru_utime + me.ru_stime, 'cpu_parsers': kids.ru_utime + kids.ru_stime}))\n"
    )
    t = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(vcf), url],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    with RssSampler(proc.pid) as rss:
        stdout, stderr = proc.communicate()
    elapsed = time.monotonic() - t
    if proc.returncode != 0:
        raise SystemExit(f"our loader failed:\n{stderr}")
    print(stderr.strip())
    data = json.loads(stdout.strip().splitlines()[-1])
    if data["result"]["status"] != "completed":
        raise SystemExit(f"our loader failed: {data['result']['error']}")
    data["seconds"] = elapsed
    data["rss"] = rss
    return data


def _ensure_vpl() -> Path:
    exe = VPL_VENV / "bin" / "vcf-pg-loader"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VPL_VENV)], check=True)
        subprocess.run([str(VPL_VENV / "bin" / "pip"), "install", "-q", "vcf-pg-loader==0.5.4"], check=True)
    return exe


def _run_vpl(url: str, vcf: Path) -> float:
    exe = _ensure_vpl()
    subprocess.run([str(exe), "init-db", "--db", url], check=True, capture_output=True, text=True)
    t = time.monotonic()
    proc = subprocess.run(
        [str(exe), "load", str(vcf), "--db", url, "--no-progress", "--quiet", "--workers", "2"],
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - t
    if proc.returncode != 0:
        raise SystemExit(f"vcf-pg-loader failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def _raw_copy(ours_url: str, raw_url: str) -> float:
    """COPY our loaded rows (pre-formatted, binary) into the same layout in a fresh database."""
    from psycopg import sql

    from services.variants.columns import VARIANT_COPY_COLUMNS

    cols = sql.SQL(", ").join(map(sql.Identifier, VARIANT_COPY_COLUMNS))
    dump = Path(tempfile.mkstemp(prefix="variants-", suffix=".copy")[1])
    with psycopg.connect(ours_url) as src, open(dump, "wb") as fh:
        dump_sql = sql.SQL("COPY (SELECT {} FROM variants) TO STDOUT (FORMAT BINARY)").format(cols)
        with src.cursor().copy(dump_sql) as copy:
            for chunk in copy:
                fh.write(chunk)
        audit = src.execute("SELECT load_batch_id FROM variant_load_audit WHERE status = 'completed'").fetchone()[0]
        samples = src.execute("SELECT id, external_id FROM samples").fetchall()
    with psycopg.connect(raw_url) as dst:
        dst.execute(
            "INSERT INTO variant_load_audit (load_batch_id, file_path, file_name, genome_build, status, "
            "is_reload, tool_versions, consequence_fields, records_total, variants_loaded, "
            "variants_skipped, skip_reasons, warnings, samples_count, loaded_by) VALUES "
            "(%s, 'raw', 'raw', 'GRCh38', 'running', false, '{}', '{}', 0, 0, 0, '{}', '[]', 0, 'bench')",
            (audit,),
        )
        for sid, ext in samples:
            dst.execute("INSERT INTO samples (id, external_id) OVERRIDING SYSTEM VALUE VALUES (%s, %s)", (sid, ext))
        dst.commit()
        t = time.monotonic()
        with (
            dst.cursor().copy(sql.SQL("COPY variants ({}) FROM STDIN (FORMAT BINARY)").format(cols)) as copy,
            open(dump, "rb") as fh,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        dst.commit()
        elapsed = time.monotonic() - t
    dump.unlink()
    return elapsed


def _storage(url: str, empty_bytes: int, rows: int) -> tuple[float, float]:
    """Bytes per loaded variant row: the database's growth over the freshly migrated one, and the ``variants``
    table alone (every partition with its indexes and TOAST)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        db = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        table = conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid "
            "WHERE i.inhparent = 'variants'::regclass"
        ).fetchone()[0]
    return (db - empty_bytes) / rows, float(table or 0) / rows


def _database_bytes(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


#: The Variants page's page size (``services.variants.browse.PAGE_ROWS``, which ``pages/variants.py`` shows).
APP_PAGE_ROWS = 50


def _filter_times(url: str, filters: list, analyze: bool = True, limit: int = 1000) -> tuple[float, float]:
    """p50 and p95 (ms) of the Variants page's query for each filter: ``browse.variant_page`` (a ``limit``-row keyset
    page and its total, as the app runs it with its page size ``APP_PAGE_ROWS``), in a process whose startup heap is
    frozen as the app's is (``services.heap``). ``analyze``: run ``ANALYZE variants`` first (18 s at 10M; it also
    churns the page cache and makes the next query reload every partition's statistics — ``_time_real_filters`` runs
    it once for all cases)."""
    from sqlalchemy import text

    from services.db.engine import session_scope
    from services.heap import freeze_startup_heap
    from services.variants.browse import variant_page

    freeze_startup_heap()  # as the app's process does once (app.py)
    times = []
    with session_scope(url) as session:
        if analyze:
            session.execute(text("ANALYZE variants"))
        for item in filters:
            f, sort = item if isinstance(item, tuple) else (item, "position")
            t = time.perf_counter()
            variant_page(session, f, sort=sort, limit=limit)
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def _p95(url: str, filters: list) -> float:
    return _filter_times(url, filters)[1]


#: The benchmark's ClinVar release: CLNSIG of the alleles whose id ends (mod 1,000) below ``CLINVAR_PER_MILLE``, the
#: value picked by the id's next digits in ClinVar's rough proportions (benign most, pathogenic least).
CLINVAR_PER_MILLE = 60
_CLINVAR_RELEASE = """
COPY (
    SELECT chrom, pos, abs(id % 1000000), ref, alt, '.', '.',
           'CLNSIG=' || (ARRAY['Pathogenic', 'Likely_pathogenic', 'Uncertain_significance', 'Uncertain_significance',
                               'Uncertain_significance', 'Conflicting_classifications_of_pathogenicity',
                               'Likely_benign', 'Likely_benign', 'Likely_benign', 'Likely_benign',
                               'Benign', 'Benign', 'Benign', 'Benign', 'Benign', 'Benign', 'Benign', 'Benign',
                               'Benign', 'Benign'])[1 + abs((id / 1000) % 20)]
           || ';CLNREVSTAT=criteria_provided,_single_submitter'
    FROM alleles WHERE genome_build = 'GRCh38' AND abs(id % 1000) < {per_mille}
    ORDER BY chrom, pos, ref, alt
) TO STDOUT
"""
#: The benchmark's second sample: the calls of every ``RARE_SAMPLE_EVERY``-th variant id are re-assigned to it, so
#: that one sample filter matches few rows (1 %) and the file's own sample the rest.
RARE_SAMPLE = "bench_rare_sample"
RARE_SAMPLE_EVERY = 100


def _clinvar_release(url: str, work: Path) -> tuple[int, float]:
    """A ClinVar release covering ``CLINVAR_PER_MILLE`` ‰ of the loaded alleles, written as a VCF by one COPY
    (no per-row Python), added and applied through the real services (``add_source``, ``refresh``), so the
    filter reads the links a lab's refresh writes. Returns (links, seconds)."""
    from services.annotations.refresh import refresh
    from services.annotations.sources import add_source
    from services.auth.identity import Identity, Role

    path = work / "clinvar_bench.vcf"
    with open(path, "wb") as fh, psycopg.connect(url) as conn:
        fh.write(
            b"##fileformat=VCFv4.2\n##reference=GRCh38\n"
            b'##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance">\n'
            b'##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description="Review status">\n'
            b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        )
        with conn.cursor().copy(_CLINVAR_RELEASE.format(per_mille=int(CLINVAR_PER_MILLE))) as copy:
            for chunk in copy:
                fh.write(chunk)
    curator = Identity("bench", Role.CURATOR)
    t = time.monotonic()
    add_source(path, curator, name="clinvar", kind="clinvar", version="bench", url=url)
    run = refresh(curator, "clinvar", "bench", url=url)
    elapsed = time.monotonic() - t
    path.unlink()
    with psycopg.connect(url) as conn:
        links = conn.execute(
            "SELECT count(*) FROM annotation_link WHERE source = 'clinvar' AND valid_to IS NULL"
        ).fetchone()[0]
    print(f"ClinVar release: {links:,} current links ({run.health}) added and applied in {elapsed:.1f} s")
    return links, elapsed


#: The benchmark's later load: the records of one contig of the loaded file, loaded again (``_later_load``).
LATER_LOAD_CONTIG = "chrX"


def _later_load(url: str, vcf: Path, work: Path) -> int:
    """A second, later load into the store: the ``LATER_LOAD_CONTIG`` records of ``vcf`` (the same file, so real
    records), written to a plain VCF and loaded by the real loader, as a re-called contig would be. Its rows fill
    free space the first load's updates left (``_rare_sample``), spread over the partition. A kept store that has a
    second completed load keeps it. Returns the rows it loaded."""
    import gzip

    with psycopg.connect(url) as conn:
        done = conn.execute("SELECT count(*) FROM variant_load_audit WHERE status = 'completed'").fetchone()[0]
    if done > 1:
        return 0
    path = work / f"later_{LATER_LOAD_CONTIG}.vcf"
    with gzip.open(vcf, "rb") as lines, open(path, "wb") as out:
        for line in lines:
            if line.startswith(b"#") or line.split(b"\t", 1)[0] == LATER_LOAD_CONTIG.encode():
                out.write(line)
    result = _run_ours(url, path)["result"]
    path.unlink()
    return int(result["variants_loaded"])


def _rare_sample(url: str) -> int:
    """Re-assign every ``RARE_SAMPLE_EVERY``-th variant's call to a second sample (one UPDATE, then VACUUM)."""
    with psycopg.connect(url) as conn:
        (sample,) = conn.execute(
            "INSERT INTO samples (external_id) VALUES (%s) ON CONFLICT (external_id) DO UPDATE "
            "SET external_id = EXCLUDED.external_id RETURNING id",
            (RARE_SAMPLE,),
        ).fetchone()
        moved = conn.execute(
            "UPDATE variants SET sample_id = %s WHERE variant_id %% %s = 0", (sample, RARE_SAMPLE_EVERY)
        ).rowcount
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM variants")
    return moved


#: The benchmark's rare consequence term, absent from the real file: added to the picked consequence of every
#: ``RARE_TERM_EVERY``-th variant (5,000 rows of 10M), so that one term filter matches few rows, spread over the
#: contigs (the file's own terms match ≥ 0.9 % of the rows each, or none).
RARE_TERM = "start_lost"
RARE_TERM_EVERY = 2000


def _rare_term(url: str) -> int:
    """Add ``RARE_TERM`` to the picked consequence of every ``RARE_TERM_EVERY``-th variant (one UPDATE, then
    VACUUM); rows that have it already are left (a kept store is updated once)."""
    with psycopg.connect(url) as conn:
        changed = conn.execute(
            "UPDATE variants SET consequence = coalesce(consequence || '&', '') || %s "
            "WHERE variant_id %% %s = 0 AND NOT (string_to_array(lower(coalesce(consequence, '')), '&') @> ARRAY[%s])",
            (RARE_TERM, RARE_TERM_EVERY, RARE_TERM),
        ).rowcount
    if changed:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM variants")
    return changed


def _real_filters(url: str) -> dict[str, list]:
    """Each Variants filter alone and gene+region+impact combined, with values drawn from the loaded rows; the
    ClinVar filter over a benchmark release (``_clinvar_release``), the sample filter for a sample of 1 % of the
    rows (``_rare_sample``) and for the file's own sample (the rest)."""
    from services.variants.browse import VariantFilter

    rng = random.Random(7)
    with psycopg.connect(url) as conn:
        genes = [r[0] for r in conn.execute("SELECT DISTINCT gene FROM variants WHERE gene IS NOT NULL")]
        spots = conn.execute("SELECT chrom, pos, gene FROM variants TABLESAMPLE SYSTEM (1) LIMIT 2000").fetchall()
        samples = [r[0] for r in conn.execute("SELECT external_id FROM samples ORDER BY external_id")]
        loads = [
            str(r[0])
            for r in conn.execute(
                "SELECT load_batch_id FROM variant_load_audit WHERE status = 'completed' ORDER BY started_at"
            )
        ]
    impacts = ["HIGH", "MODERATE", "LOW", "MODIFIER"]
    terms = ["missense_variant", "intron_variant", "synonymous_variant", "splice_region_variant", "stop_gained"]
    cases: dict[str, list] = {}
    cases["none (first page)"] = [VariantFilter() for _ in range(20)]
    cases["region 100 kb"] = [
        VariantFilter(region=f"{c}:{max(1, p - 50_000)}-{p + 50_000}") for c, p, _ in rng.sample(spots, 50)
    ]
    cases["gene"] = [VariantFilter(gene=g) for g in rng.choices(genes, k=50)] if genes else []
    cases["impact"] = [VariantFilter(impact=i) for i in impacts * 5]
    cases["consequence term"] = [VariantFilter(consequence=t) for t in terms * 4]
    cases["rare consequence term"] = [VariantFilter(consequence=RARE_TERM)] * 20
    cases["max gnomAD AF"] = [VariantFilter(max_af=a) for a in (0.001, 0.01, 0.05, 0.1) * 5]
    cases["gene, gene sort"] = [(VariantFilter(gene=g), "gene") for g in rng.choices(genes, k=20)] if genes else []
    cases["gene prefix (2+ genes)"] = [VariantFilter(gene=p) for p in ("hb", "rab", "wdr", "pi")] * 5
    cases["ClinVar significance"] = [
        VariantFilter(clinvar_sig=v)
        for v in ("Pathogenic", "Likely_pathogenic", "Uncertain_significance", "Likely_benign", "Benign")
    ] * 4
    cases["ClinVar P + LP"] = [VariantFilter(clinvar_sig=("Pathogenic", "Likely_pathogenic"))] * 20
    cases["sample (1 % of rows)"] = [VariantFilter(sample=RARE_SAMPLE)] * 20
    cases["sample (99 % of rows)"] = [VariantFilter(sample=s) for s in samples if s != RARE_SAMPLE] * 20
    cases["load (the first)"] = [VariantFilter(load_batch_id=loads[0])] * 20
    cases[f"load (later, {LATER_LOAD_CONTIG} only)"] = [VariantFilter(load_batch_id=b) for b in loads[1:]] * 20
    cases["gene + region + impact"] = [
        VariantFilter(gene=g, region=f"{c}:{max(1, p - 50_000)}-{p + 50_000}", impact=rng.choice(impacts))
        for c, p, g in rng.sample([s for s in spots if s[2]], 50)
    ]
    return cases


def _queries(url: str) -> tuple[float, float]:
    from bench.vcf_fixture import CONTIGS, GENE_SPAN
    from services.variants.browse import VariantFilter

    rng = random.Random(7)
    regions = []
    for _ in range(200):
        chrom, length = rng.choice(CONTIGS)
        start = rng.randint(1, length - 100_000)
        regions.append(VariantFilter(region=f"{chrom}:{start}-{start + 100_000}"))
    genes = []
    for _ in range(200):
        chrom, length = rng.choice(CONTIGS)
        genes.append(VariantFilter(gene=f"G{chrom[3:]}_{rng.randint(1, length // GENE_SPAN - 1)}"))
    return _p95(url, regions), _p95(url, genes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--skip-vcf-pg-loader", action="store_true")
    parser.add_argument("--real", action="store_true", help="tile a real VEP 110 VCF's records (issue 18)")
    parser.add_argument("--skip-raw", action="store_true", help="skip the raw COPY (and its ratio)")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the server's cluster in DIR (a new folder) and leave it running, for --filters-only",
    )
    parser.add_argument(
        "--filters-only",
        type=Path,
        metavar="DIR",
        help="time the --real filters on the store a --keep run left in DIR (migrated to head first)",
    )
    parser.add_argument("--only", default="", help="with --filters-only: the filters whose name contains this")
    parser.add_argument(
        "--page-rows",
        default=f"{APP_PAGE_ROWS},1000",
        help="the page sizes the --real filters are timed with, comma-separated (default: the app's, then 1,000)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from services.db import embedded

    page_rows = tuple(int(n) for n in args.page_rows.split(","))
    if args.filters_only:
        _filters_on_kept(args.filters_only, args.only, page_rows)
        return
    vcf = _fixture(args.records, args.real)
    print(f"input: {vcf.name}, {vcf.stat().st_size / 1e6:.0f} MB ({vcf.stat().st_size / args.records:.0f} B/record)")
    if args.keep and args.keep.exists():
        raise SystemExit(f"--keep {args.keep}: the folder exists; give a new one")
    tmp = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="bench-pg-"))
    admin = embedded.start_detached(tmp / "pg")
    try:
        ours_url = _create_db(admin, "bench_ours")
        empty_bytes = _database_bytes(ours_url)
        ours = _run_ours(ours_url, vcf)
        rate = args.records / ours["seconds"]
        res = ours["result"]
        print(
            f"ours:          {ours['seconds']:7.1f} s  {rate:9,.0f} records/s  "
            f"({res['variants_loaded']:,} rows; {ours['rss'].describe()}; CPU: loader "
            f"{ours['cpu_main']:.1f} s, parsers {ours['cpu_parsers']:.1f} s; load average {os.getloadavg()[0]:.2f})"
        )
        if not args.skip_raw:
            raw_s = _raw_copy(ours_url, _create_db(admin, "bench_raw"))
            raw_rate = args.records / raw_s
            print(f"raw COPY:      {raw_s:7.1f} s  {raw_rate:9,.0f} records/s  -> ours / raw = {rate / raw_rate:.2f}")
            _drop_db(admin, "bench_raw")
        if not args.skip_vcf_pg_loader:
            vpl_s = _run_vpl(_create_db(admin, "bench_vpl", migrate_it=False), vcf)
            vpl_rate = args.records / vpl_s
            print(
                f"vcf-pg-loader: {vpl_s:7.1f} s  {vpl_rate:9,.0f} records/s  -> ours / vcf-pg-loader = "
                f"{rate / vpl_rate:.2f}x"
            )
        db_per, table_per = _storage(ours_url, empty_bytes, res["variants_loaded"])
        print(f"storage: {db_per:,.0f} B per variant (database growth), {table_per:,.0f} B (variants + indexes)")
        if args.real:
            _clinvar_release(ours_url, tmp)
            print(f"sample filter: {_rare_sample(ours_url):,} calls moved to {RARE_SAMPLE}")
            print(f"rare term filter: {RARE_TERM} added to {_rare_term(ours_url):,} variants")
            print(f"later load: {_later_load(ours_url, vcf, tmp):,} variants of {LATER_LOAD_CONTIG} loaded again")
            _time_real_filters(ours_url, page_rows=page_rows)
        else:
            region_p95, gene_p95 = _queries(ours_url)
            print(
                f"Variants page after the load (1,000-row page + total): region (100 kb) p95 {region_p95:.1f} ms, "
                f"gene p95 {gene_p95:.1f} ms"
            )
    finally:
        if args.keep:
            print(f"kept the store in {tmp} (server running); time the filters with --filters-only {tmp}")
        else:
            embedded.stop(tmp / "pg")
            shutil.rmtree(tmp, ignore_errors=True)


def _drop_db(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _time_real_filters(url: str, only: str = "", page_rows: tuple[int, ...] = (APP_PAGE_ROWS, 1000)) -> None:
    """Each ``--real`` filter's p50/p95 after one ``ANALYZE variants`` (fresh statistics after the ClinVar release and
    the sample change), for each page size of ``page_rows``: the app's (``APP_PAGE_ROWS``), then 1,000-row pages (the
    figure this benchmark reported before 2026-12-06 17:00). Before 2026-12-06 15:30 each filter ran after its own
    ANALYZE, whose cold first query then weighed on every filter's p95."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE variants")
    cases = _real_filters(url)
    for rows in page_rows:
        print(f"Variants page of {rows:,} rows and its total:", flush=True)
        for name, filters in cases.items():
            if filters and only.lower() in name.lower():
                p50, p95 = _filter_times(url, filters, analyze=False, limit=rows)
                print(
                    f"Variants filter {name:<24} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  ({len(filters)} queries)",
                    flush=True,
                )


def _filters_on_kept(folder: Path, only: str = "", page_rows: tuple[int, ...] = (APP_PAGE_ROWS, 1000)) -> None:
    """``--filters-only``: start the kept cluster if it is not running, migrate its store to head (new indexes are
    built on the loaded rows), VACUUM ANALYZE, and time the ``--real`` filters; the server is left running."""
    from services.db import embedded, migrate
    from tests.conftest import _with_database

    admin = embedded.start_detached(folder.resolve() / "pg")
    url = _with_database(admin, "bench_ours")
    t = time.monotonic()
    migrate.upgrade(url)
    print(f"rare term filter: {RARE_TERM} added to {_rare_term(url):,} more variants")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"migrated to head and vacuumed in {time.monotonic() - t:.0f} s")
    _time_real_filters(url, only, page_rows)


if __name__ == "__main__":
    main()
