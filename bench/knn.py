"""KNN benchmark for issue 6: exact KNN throughput vs FAISS IndexFlatIP, HNSW recall/speed-up, and the
in-memory predict path (search + transfer + alignment features) for 1,000 queries.

    python bench/knn.py                       # the issue's size: 100,000 refs x 1,000 queries x 1280
    python bench/knn.py --refs 10000          # try a smaller reference first

Data: clustered Gaussian vectors (centres + noise), so neighbours are meaningful and HNSW recall is not
trivially low. Both exact searches start from the same raw float32 vectors (normalisation included).
Prints the BLAS libraries and thread counts it ran with.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.jobs.progress import ProgressReporter  # noqa: E402
from services.predictions.alignment import align_global, align_local  # noqa: E402
from services.predictions.knn import exact_knn, faiss_knn  # noqa: E402
from services.predictions.predict import PredictParams, _search_and_transfer  # noqa: E402
from services.predictions.reference import Protein, Reference  # noqa: E402
from services.predictions.transfer import RefAnnotation  # noqa: E402

AA = np.frombuffer(b"ACDEFGHIKLMNPQRSTVWY", dtype=np.uint8)


def blas_report() -> str:
    try:
        from threadpoolctl import threadpool_info

        parts = [
            f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
            f"{i['num_threads']} threads, {Path(i['filepath']).name})"
            for i in threadpool_info()
            if i.get("user_api") == "blas"
        ]
        return "; ".join(parts)
    except ImportError:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{cfg.get('name')} {cfg.get('version')} (threadpoolctl not installed: thread count unknown)"


def make_data(n_refs: int, n_queries: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(n_refs // 50, 10), dim), dtype=np.float32)
    refs = centres[rng.integers(0, len(centres), n_refs)]
    refs += 0.6 * rng.standard_normal(refs.shape, dtype=np.float32)
    queries = centres[rng.integers(0, len(centres), n_queries)]
    queries += 0.6 * rng.standard_normal(queries.shape, dtype=np.float32)
    return queries, refs


def timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f[f >= 0]) & set(t[t >= 0])) for f, t in zip(found, truth, strict=True))
    return hits / max(1, int((truth >= 0).sum()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--dim", type=int, default=1280)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-hnsw", action="store_true")
    parser.add_argument("--no-predict", action="store_true")
    args = parser.parse_args()

    import faiss

    print(f"data: {args.refs:,} refs x {args.queries:,} queries x {args.dim} dims, k={args.k}")
    print(f"BLAS: {blas_report()}; FAISS {faiss.__version__} with {faiss.omp_get_max_threads()} OpenMP threads")
    queries, refs = make_data(args.refs, args.queries, args.dim, args.seed)

    t_np, (d_np, i_np) = timed(lambda: exact_knn(queries, refs, args.k, metric="cosine"), args.repeat)
    t_fx, (d_fx, i_fx) = timed(lambda: faiss_knn(queries, refs, args.k, metric="cosine"), args.repeat)
    qps_np, qps_fx = args.queries / t_np, args.queries / t_fx
    print(f"exact numpy (blocks)   : {t_np:8.3f} s  {qps_np:10.1f} queries/s")
    print(f"FAISS IndexFlatIP      : {t_fx:8.3f} s  {qps_fx:10.1f} queries/s")
    print(f"ratio numpy / FAISS    : {qps_np / qps_fx:8.3f}   (target >= 0.8)")
    print(f"recall@{args.k} vs FAISS     : {recall(i_np, i_fx):8.4f}   max |d| diff {np.abs(d_np - d_fx).max():.2e}")

    if not args.no_hnsw:
        from services.predictions.knn import normalize_rows

        r, q = normalize_rows(refs), normalize_rows(queries)
        index = faiss.IndexHNSWFlat(args.dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        t_build, _ = timed(lambda: index.add(r))
        index.hnsw.efSearch = 128
        t_hnsw, (_, i_h) = timed(lambda: index.search(q, args.k), args.repeat)
        print(
            f"FAISS HNSW (M=32, efC=80, efS=128): build {t_build:.1f} s, search {t_hnsw:.3f} s, "
            f"recall@{args.k} {recall(i_h, i_fx):.4f}, search speed-up vs exact numpy {t_np / t_hnsw:.1f}x"
        )

    if not args.no_predict:
        rng = np.random.default_rng(args.seed + 1)
        n_terms = 5_000
        proteins = [Protein(f"R{i}", i, None) for i in range(args.refs)]
        aspects = np.array(list("FPC"))
        terms = {
            i: [
                RefAnnotation(int(t), str(aspects[t % 3]), None, "IDA")
                for t in rng.choice(n_terms, size=rng.integers(1, 6), replace=False)
            ]
            for i in range(args.refs)
        }
        counts = np.bincount([a.go_term_id for anns in terms.values() for a in anns], minlength=n_terms)
        ref = Reference(proteins, terms, {t: c / args.refs for t, c in enumerate(counts) if c})
        qs = [Protein(f"Q{i}", args.refs + i, None) for i in range(args.queries)]
        vectors = {i: refs[i] for i in range(args.refs)} | {args.refs + i: queries[i] for i in range(args.queries)}
        params = PredictParams(k=args.k)
        t_st, (_, rows) = timed(lambda: _search_and_transfer(qs, ref, vectors, params, ProgressReporter(None)))
        lengths = rng.integers(200, 500, args.refs + args.queries)
        seqs = {i: AA[rng.integers(0, 20, n)].tobytes().decode() for i, n in enumerate(lengths)}
        pairs = {(r.query.sequence_id, r.prediction.ref) for r in rows}

        def align_all():
            for q_id, r_id in pairs:
                align_global(seqs[q_id], seqs[r_id])
                align_local(seqs[q_id], seqs[r_id])

        t_al, _ = timed(align_all)
        print(
            f"predict path, {args.queries:,} queries: search + transfer {t_st:.3f} s "
            f"({len(rows):,} predictions), "
            f"NW+SW alignments of {len(pairs):,} pairs (~350 aa) {t_al:.3f} s, total {t_st + t_al:.3f} s"
        )


if __name__ == "__main__":
    main()
