"""Benchmark for issue 5: GO loading and closure speed.

Targets named by the issue (ratio = measured / target, ≤ 1 is good for times, ≥ 1 for rates):
  * full go-basic (≈ 42k terms) loads in ≤ 20 s        — baseline in the same run: parsing alone (fastobo)
  * GAF at ≥ 100,000 annotation lines/s                 — baseline in the same run: a bare COPY of the lines
  * ancestor closure p95 ≤ 10 ms over 1,000 random terms

Usage: python bench/load_go.py [--obo PATH] [--gaf-lines N] [--proteins N]
Runs on a throw-away embedded PostgreSQL (or $DATABASE_URL's server) in a fresh database.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.auth.identity import Identity, Role  # noqa: E402
from services.db import embedded, migrate  # noqa: E402
from services.db.engine import get_engine, session_scope  # noqa: E402
from services.db.pg_copy import copy_text  # noqa: E402
from services.go_annotations.gaf import EVIDENCE_CODES  # noqa: E402
from services.go_annotations.loader import load_gaf  # noqa: E402
from services.input_files import InputFile  # noqa: E402
from services.ontology.closure import ancestors  # noqa: E402
from services.ontology.loader import load_obo  # noqa: E402
from services.ontology.obo import read_obo  # noqa: E402
from services.proteins.fasta_loader import load_fasta  # noqa: E402

DEFAULT_OBO = Path("/work/shared/data/go/go-basic_2015-01-26.obo.gz")
BENCH = Identity("bench", Role.LEAD)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
AMINO = "ACDEFGHIKLMNPQRSTVWY"


def accession(i: int) -> str:
    """A valid UniProt-style accession [A-NR-Z][0-9][A-Z][A-Z0-9]{2}[0-9] for counter i."""
    a = "ABCDEFGHIJKLMNRSTUVWXYZ"[i % 23]
    i //= 23
    d1, i = i % 10, i // 10
    b, i = LETTERS[i % 26], i // 26
    c, i = LETTERS[i % 26], i // 26
    d, i = LETTERS[i % 26], i // 26
    return f"{a}{d1}{b}{c}{d}{i % 10}"


def write_fasta(path: Path, n: int, rng: random.Random) -> list[str]:
    accs = []
    with path.open("w") as fh:
        for i in range(n):
            acc = accession(i)
            accs.append(acc)
            seq = "".join(rng.choices(AMINO, k=rng.randint(80, 400)))
            fh.write(f">sp|{acc}|P{i}_BENCH Bench protein {i} OS=Benchus OX=9999 GN=G{i} PE=1 SV=1\n{seq}\n")
    return accs


def write_gaf(path: Path, n: int, accs: list[str], terms: list[tuple[str, str]], rng: random.Random) -> None:
    codes = [c for c in EVIDENCE_CODES if c not in ("IMR", "NR")]
    quals = {
        "P": ["involved_in", "acts_upstream_of"],
        "F": ["enables", "contributes_to"],
        "C": ["located_in", "part_of", "is_active_in"],
    }
    with path.open("w") as fh:
        fh.write("!gaf-version: 2.2\n!generated-by: bench/load_go.py\n")
        for i in range(n):
            acc = accs[rng.randrange(len(accs))] if i % 100 else "Z9ZZZ9"  # 1% unknown proteins
            go_id, aspect = terms[rng.randrange(len(terms))]
            qual = rng.choice(quals[aspect])
            if i % 50 == 0:
                qual = "NOT|" + qual
            fh.write(
                f"UniProtKB\t{acc}\tG\t{qual}\t{go_id}\tPMID:{rng.randrange(10**7)}\t{rng.choice(codes)}\t"
                f"\t{aspect}\tBench protein\t\tprotein\ttaxon:9999\t2024{rng.randrange(1, 13):02d}15"
                "\tUniProt\t\t\n"
            )


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--obo", type=Path, default=DEFAULT_OBO)
    ap.add_argument("--gaf-lines", type=int, default=1_000_000)
    ap.add_argument("--proteins", type=int, default=20_000)
    ap.add_argument("--gaf-repeats", type=int, default=3, help="GAF loads to take the median of")
    ap.add_argument("--closure-terms", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    tmp = Path(tempfile.mkdtemp(prefix="bench-go-"))
    server = os.environ.get("DATABASE_URL") or embedded.start_detached(tmp / "pg")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = (
        server.rsplit("/", 1)[0] + "/" + name
        if "?" not in server
        else server.split("?")[0].rsplit("/", 1)[0] + "/" + name + "?" + server.split("?", 1)[1]
    )
    os.environ["DATABASE_URL"] = url
    try:
        migrate.upgrade(url)
        print(f"# bench/load_go.py — {time.strftime('%Y-%m-%d %H:%M:%S')} — {os.cpu_count()} CPUs")

        # 1. Ontology: parse-only baseline, then the full load.
        t = time.perf_counter()
        with InputFile(args.obo) as f:
            doc = read_obo(f)
        parse_s = time.perf_counter() - t
        t = time.perf_counter()
        with session_scope() as s:
            obo = load_obo(s, args.obo, BENCH)
        obo_s = time.perf_counter() - t
        print(
            f"OBO  {args.obo.name}: {obo.terms:,} terms, {obo.relationships:,} relationships, {obo.obsolete:,} obsolete"
        )
        print(
            f"OBO  load {obo_s:.2f} s (target ≤ 20 s, ratio {obo_s / 20:.2f}); "
            f"parse-only baseline {parse_s:.2f} s (load/parse {obo_s / parse_s:.2f}x)"
        )
        del doc

        # 2. Proteins and a synthetic GAF over live terms.
        fasta = tmp / "bench.fasta"
        accs = write_fasta(fasta, args.proteins, rng)
        t = time.perf_counter()
        with session_scope() as s:
            fr = load_fasta(s, fasta, BENCH)
        fasta_s = time.perf_counter() - t
        print(f"FASTA {fr.proteins:,} proteins in {fasta_s:.2f} s ({fr.proteins / fasta_s:,.0f} entries/s)")
        with session_scope() as s:
            from sqlalchemy import text

            terms = [
                (g, a)
                for g, a in s.execute(
                    text(
                        "SELECT go_id, aspect FROM go_term WHERE ontology_snapshot_id = :s AND NOT is_obsolete "
                        "AND aspect IS NOT NULL ORDER BY go_id"
                    ),
                    {"s": obo.snapshot_id},
                )
            ]
        gaf = tmp / "bench.gaf"
        write_gaf(gaf, args.gaf_lines, accs, terms, rng)

        t = time.perf_counter()
        with session_scope() as s:
            s.execute(text("CREATE TEMP TABLE copy_baseline (line text) ON COMMIT DROP"))
            with gaf.open() as fh:
                chunks = iter(lambda: fh.read(1 << 20), "")
                copy_text(
                    s, "copy_baseline", ("line",), (chunk.replace("\\", "\\\\").replace("\t", " ") for chunk in chunks)
                )
        copy_s = time.perf_counter() - t
        rates = []
        for attempt in range(args.gaf_repeats):  # one set per attempt (a release loads once)
            t = time.perf_counter()
            with session_scope() as s:
                gr = load_gaf(s, gaf, BENCH, ontology=obo.snapshot_id, source="goa", version=f"bench-{attempt}")
            rates.append(gr.lines / (time.perf_counter() - t))
        rate = statistics.median(rates)
        print(f"GAF  {gr.lines:,} lines → {gr.annotations:,} annotations, {gr.skipped:,} skipped {gr.skipped_reasons}")
        print(
            f"GAF  load: median {rate:,.0f} lines/s of {len(rates)} loads "
            f"({', '.join(f'{r:,.0f}' for r in rates)}) (target ≥ 100,000/s, ratio {rate / 100_000:.2f}); "
            f"bare COPY baseline {gr.lines / copy_s:,.0f} lines/s"
        )

        # 3. Ancestor closure of single random terms through the public API.
        sample = rng.sample([g for g, _ in terms], args.closure_terms)
        times = []
        with session_scope() as s:
            ancestors(s, obo.snapshot_id, [sample[0]])  # warm the plan cache
            sizes = []
            for go_id in sample:
                t = time.perf_counter()
                found = ancestors(s, obo.snapshot_id, [go_id])
                times.append((time.perf_counter() - t) * 1000)
                sizes.append(len(found))
        q95 = p95(times)
        print(
            f"CLOSURE ancestors of {len(sample):,} random terms: p50 {statistics.median(times):.2f} ms, "
            f"p95 {q95:.2f} ms (target ≤ 10 ms, ratio {q95 / 10:.2f}), max {max(times):.2f} ms; "
            f"mean {statistics.mean(sizes):.1f} ancestors per term"
        )
    finally:
        get_engine(url).dispose()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not os.environ.get("BENCH_KEEP"):
            if server != url and (tmp / "pg").exists():
                embedded.stop(tmp / "pg")
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
