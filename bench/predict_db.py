"""End-to-end predict through the database (issue 6): 1,000 queries against N embedded reference proteins.

Builds a throw-away database on the workbench's server (``$DATABASE_URL``, else the embedded one in
``$WORKBENCH_DATA_DIR``), loads synthetic proteins, a small ontology and a GAF through the real loaders,
stores 1280-dimensional vectors with binary COPY, then times ``services.predictions.predict.predict``:
reading the reference and its vectors, exact KNN, transfer with re-ranker features, parasail alignments,
and writing the prediction set (one unit of work). The database is dropped at the end.

    python bench/predict_db.py --refs 20000          # smaller first
    python bench/predict_db.py                       # 100,000 references
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

AA = np.frombuffer(b"ACDEFGHIKLMNPQRSTVWY", dtype=np.uint8)
NAMESPACES = ("molecular_function", "biological_process", "cellular_component")
ASPECT = {"molecular_function": "F", "biological_process": "P", "cellular_component": "C"}


def accession(i: int) -> str:
    """A UniProt-shaped accession (A0B123C456) for reference protein ``i`` < 1,000,000."""
    d = f"{i:06d}"
    return f"A0B{d[:3]}C{d[3:]}"


def write_inputs(folder: Path, n_refs: int, n_queries: int, n_terms: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(200, 500, n_refs + n_queries)
    seqs = [AA[rng.integers(0, 20, int(n))].tobytes().decode() for n in lengths]
    with (folder / "ref.fasta").open("w") as f:
        for i in range(n_refs):
            f.write(f">sp|{accession(i)}|B{i}_BENCH Bench protein OS=Escherichia coli OX=562 PE=1 SV=1\n{seqs[i]}\n")
    with (folder / "queries.fasta").open("w") as f:
        for i in range(n_queries):
            f.write(f">Q{i} bench query OX=562\n{seqs[n_refs + i]}\n")
    with (folder / "go.obo").open("w") as f:
        f.write("format-version: 1.2\ndata-version: releases/2099-01-01\nontology: go\n")
        for r, ns in enumerate(NAMESPACES):
            f.write(f"\n[Term]\nid: GO:{9000000 + r:07d}\nname: root {ns}\nnamespace: {ns}\n")
        for t in range(n_terms):
            ns = NAMESPACES[t % 3]
            f.write(f"\n[Term]\nid: GO:{t + 1:07d}\nname: term {t}\nnamespace: {ns}\nis_a: GO:{9000000 + t % 3:07d}\n")
    codes = np.array(["IDA", "EXP", "IMP", "IEA", "ISS", "TAS"])
    with (folder / "ref.gaf").open("w") as f:
        f.write("!gaf-version: 2.2\n")
        for i in range(n_refs):
            for t in rng.choice(n_terms, size=int(rng.integers(1, 6)), replace=False):
                ns = NAMESPACES[t % 3]
                code = codes[rng.integers(0, len(codes))]
                cols = ["UniProtKB", accession(i), "SYM", "enables", f"GO:{t + 1:07d}", "PMID:1", code, "",
                        ASPECT[ns], "Name", "", "protein", "taxon:562", "20240101", "UniProt", "", ""]  # fmt: skip
                f.write("\t".join(cols) + "\n")


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--dim", type=int, default=1280)
    parser.add_argument("--terms", type=int, default=3_000)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = parser.parse_args()

    import psycopg
    from pgvector.psycopg import register_vector

    from services.db import migrate
    from services.db.engine import database_url

    admin = database_url()
    name = f"bench_predict_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = with_database(admin, name)
    os.environ["DATABASE_URL"] = url
    try:
        migrate.upgrade(url)
        run(args, url, register_vector, psycopg)
    finally:
        from services.db.engine import _engine_for

        _engine_for(url).dispose()
        if args.keep:
            print(f"kept {url}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args, url: str, register_vector, psycopg) -> None:
    from knn import make_data

    from services.auth.identity import Identity, Role
    from services.db.engine import session_scope
    from services.embeddings.configs import add_config
    from services.go_annotations.loader import load_gaf
    from services.ontology.loader import load_obo
    from services.predictions.predict import PredictParams, predict
    from services.proteins.fasta_loader import load_fasta

    who = Identity("bench", Role.LEAD)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        write_inputs(folder, args.refs, args.queries, args.terms, seed=0)
        with session_scope() as s:
            load_fasta(s, folder / "ref.fasta", who)
            load_fasta(s, folder / "queries.fasta", who, query_set="bench")
            snapshot = load_obo(s, folder / "go.obo", who).snapshot_id
            aset = load_gaf(s, folder / "ref.gaf", who, ontology=snapshot, source="goa", version="bench")
            cfg = add_config(s, who, "bench-1280", "composition", description="synthetic vectors for the benchmark")
        print(f"seeded {args.refs:,} references ({aset.annotations:,} annotations) and {args.queries:,} queries "
              f"through the loaders in {time.perf_counter() - t0:.1f} s")  # fmt: skip

    queries, refs = make_data(args.refs, args.queries, args.dim, seed=0)
    t0 = time.perf_counter()
    with psycopg.connect(url) as conn:
        register_vector(conn)
        ids = dict(conn.execute("SELECT id, length FROM sequence ORDER BY id").fetchall())
        ref_ids = [r[0] for r in conn.execute("SELECT sequence_id FROM protein ORDER BY accession")]
        query_ids = [r[0] for r in conn.execute("SELECT sequence_id FROM query_set_entry ORDER BY position")]
        with conn.cursor().copy(
            "COPY sequence_embedding (sequence_id, embedding_config_id, chunk_index_s, chunk_index_e, embedding, "
            "embedding_dim) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int4", "int4", "int4", "int4", "vector", "int4"])
            for sid, vec in zip(ref_ids + query_ids, np.vstack([refs, queries]), strict=True):
                copy.write_row((sid, cfg.id, 0, ids[sid], vec, args.dim))
    print(f"stored {len(ref_ids) + len(query_ids):,} vectors of {args.dim} dims with binary COPY in "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip

    params = PredictParams(k=args.k, embed_missing=False)
    result = predict(cfg.name, aset.annotation_set_id, who, query_set="bench", params=params)
    print(
        f"predict end to end: {result.queries:,} queries x {result.references:,} references -> "
        f"{result.predictions:,} predictions in {result.seconds:.2f} s "
        f"({result.queries / result.seconds:.1f} queries/s)"
    )
    print(f"  phases (s): {result.timings}")


if __name__ == "__main__":
    main()
