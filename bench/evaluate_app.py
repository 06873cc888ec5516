"""Benchmark for issue 11 (app side): the in-app evaluation of a CAFA-sized case from the database.

Target named by the issue: ``run_evaluation`` (read the snapshot's graph, the ground truth, known terms and
predictions from PostgreSQL, evaluate NK, LK and PK, store best rows and curves) in ≤ 3 s for about 1,200
targets and 30,000 predictions over the full go-basic, three namespaces, with and without IA.
Baseline in the same run: the standalone evaluator (``services.evaluation.cafa.evaluate``) on the same inputs
from files (go-basic OBO, prediction / ground truth / known TSVs written by this script).

The case is synthetic: 1,200 catalog proteins (random sequences, real FASTA loader), the full go-basic through
the OBO loader, ground truth = 1–4 random live terms per protein in one to three namespaces, propagated, split
NK / LK / PK (a third each; PK proteins get a random ancestor set as known terms), 25 predictions per protein
(about a third of them true terms, scores drawn higher for those).

Usage: python bench/evaluate_app.py [--targets 1200] [--predictions 30000] [--repeats 3]
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

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from services.auth.identity import Identity, Role  # noqa: E402
from services.db import embedded, migrate  # noqa: E402
from services.db.engine import session_scope  # noqa: E402
from services.db.pg_copy import copy_rows  # noqa: E402
from services.embeddings.configs import add_config  # noqa: E402
from services.evaluation.browse import best_rows  # noqa: E402
from services.evaluation.cafa import evaluate  # noqa: E402
from services.evaluation.files import read_pairs, read_prediction_file  # noqa: E402
from services.evaluation.graph import graph_from_obo  # noqa: E402
from services.evaluation.information_accretion import ia_from_file, read_ia_file  # noqa: E402
from services.evaluation.results import run_evaluation  # noqa: E402
from services.ontology.loader import load_obo  # noqa: E402
from services.proteins.fasta_loader import load_fasta  # noqa: E402

DEFAULT_OBO = Path("/work/shared/data/go/go-basic_2015-01-26.obo.gz")
DEFAULT_IA = Path("/work/shared/data/go/IA_cafa6.tsv")
BENCH = Identity("bench", Role.LEAD)
AMINO = "ACDEFGHIKLMNPQRSTVWY"
TARGET_S = 3.0


def accession(i: int) -> str:
    """A valid UniProt-style accession [A-NR-Z][0-9][A-Z][A-Z0-9]{2}[0-9] for counter i."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    a = "ABCDEFGHIJKLMNRSTUVWXYZ"[i % 23]
    i //= 23
    d1, i = i % 10, i // 10
    b, i = letters[i % 26], i // 26
    c, i = letters[i % 26], i // 26
    d, i = letters[i % 26], i // 26
    return f"{a}{d1}{b}{c}{d}{i % 10}"


def _url_for(server: str, name: str) -> str:
    base, _, query = server.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")


def seed_case(tmp: Path, obo_path: Path, n_targets: int, n_predictions: int, rng: random.Random) -> dict:
    """Load the ontology and proteins through the loaders; write the evaluation set and predictions directly."""
    with session_scope() as s:
        snapshot = load_obo(s, obo_path, BENCH).snapshot_id
    accs = [accession(i) for i in range(n_targets)]
    fasta = tmp / "targets.fasta"
    fasta.write_text(
        "".join(
            f">{a} bench target {i}\n{''.join(rng.choices(AMINO, k=rng.randint(80, 300)))}\n"
            for i, a in enumerate(accs)
        )  # fmt: skip
    )
    with session_scope() as s:
        load_fasta(s, fasta, BENCH)

    graph = graph_from_obo(obo_path)
    with session_scope() as s:
        rows = s.execute(
            text("SELECT go_id, id FROM go_term WHERE ontology_snapshot_id = :s AND NOT is_obsolete"), {"s": snapshot}
        ).all()
    row_id = dict(rows)
    by_ns: dict[str, list[int]] = {}
    for i, ns in enumerate(graph.namespace):
        by_ns.setdefault(str(ns), []).append(i)
    ancestors = graph.ancestors.tocsr()

    gt_rows, known_rows, truth = [], [], {}
    categories = ("NK", "LK", "PK")
    for k, acc in enumerate(accs):
        category = categories[k % 3]
        namespaces = rng.sample(list(by_ns), rng.randint(1, 3))
        terms: set[int] = set()
        for ns in namespaces:
            leaves = rng.sample(by_ns[ns], rng.randint(1, 4))
            closed = set(ancestors[leaves].indices.tolist())
            if category == "PK":
                known_from = rng.choice(sorted(closed))
                known = set(ancestors[known_from].indices.tolist())
                known_rows += [(acc, row_id[graph.ids[t]], ns) for t in known]
                closed -= known
            terms |= closed
            gt_rows += [(acc, row_id[graph.ids[t]], category, ns) for t in closed]
        truth[acc] = sorted(terms)

    per_target = max(1, n_predictions // n_targets)
    all_terms = np.arange(len(graph.ids))
    pred_rows = []
    for acc in accs:
        true_terms = truth[acc]
        chosen = set(rng.sample(true_terms, min(len(true_terms), per_target // 3)))
        while len(chosen) < per_target:
            chosen.add(int(all_terms[rng.randrange(len(all_terms))]))
        for t in chosen:
            score = round(rng.uniform(0.3, 1.0) if t in true_terms else rng.uniform(0.0, 0.8), 3)
            pred_rows.append((acc, graph.ids[t], score))

    with session_scope() as s:
        aset = s.execute(
            text("INSERT INTO annotation_set (source, source_version, ontology_snapshot_id, annotation_count, "
                 "skipped_count, skipped_reasons, created_by) VALUES ('goa', 'bench', :s, 0, 0, '{}', 'bench') "
                 "RETURNING id"), {"s": snapshot}).scalar_one()  # fmt: skip
        aset2 = s.execute(
            text("INSERT INTO annotation_set (source, source_version, ontology_snapshot_id, annotation_count, "
                 "skipped_count, skipped_reasons, created_by) VALUES ('goa', 'bench-2', :s, 0, 0, '{}', 'bench') "
                 "RETURNING id"), {"s": snapshot}).scalar_one()  # fmt: skip
        config_id = add_config(s, BENCH, "bench-comp", "composition").id
        set_id = s.execute(
            text("INSERT INTO evaluation_set (old_annotation_set_id, new_annotation_set_id, ontology_snapshot_id, "
                 "evidence_codes, stats, created_by) VALUES (:a, :b, :s, ARRAY['EXP'], '{}', 'bench') RETURNING id"),
            {"a": aset, "b": aset2, "s": snapshot},
        ).scalar_one()  # fmt: skip
        copy_rows(s, "evaluation_ground_truth",
                  ("evaluation_set_id", "protein_accession", "go_term_id", "category", "namespace"),
                  [(set_id, *r) for r in gt_rows])  # fmt: skip
        copy_rows(s, "evaluation_known_term", ("evaluation_set_id", "protein_accession", "go_term_id", "namespace"),
                  [(set_id, *r) for r in dict.fromkeys(known_rows)])  # fmt: skip
        pred_id = s.execute(
            text("INSERT INTO prediction_set (embedding_config_id, annotation_set_id, ontology_snapshot_id, k, "
                 "metric, per_aspect, exclude_identical, evidence_codes, params, query_count, reference_count, "
                 "prediction_count, created_by) VALUES (:c, :a, :s, 5, 'cosine', false, true, ARRAY['EXP'], '{}', "
                 ":q, 0, :n, 'bench') RETURNING id"),
            {"c": config_id, "a": aset, "s": snapshot, "q": n_targets, "n": len(pred_rows)},
        ).scalar_one()  # fmt: skip
        seq = dict(s.execute(text("SELECT accession, sequence_id FROM protein")).all())
        aspect = dict(s.execute(text("SELECT go_id, aspect FROM go_term WHERE ontology_snapshot_id = :s"),
                                {"s": snapshot}).all())  # fmt: skip
        copy_rows(s, "go_prediction",
                  ("prediction_set_id", "protein_accession", "query_sequence_id", "go_term_id", "aspect",
                   "ref_protein_accession", "distance", "score"),
                  [(pred_id, a, seq[a], row_id[t], aspect[t], accs[0], 1 - sc, sc)
                   for a, t, sc in pred_rows])  # fmt: skip
        s.execute(text("ANALYZE"))

    # the same inputs as files, for the standalone baseline
    by_id = {v: k for k, v in row_id.items()}
    (tmp / "preds").mkdir()
    (tmp / "preds" / "bench.tsv").write_text("".join(f"{a}\t{t}\t{sc}\n" for a, t, sc in pred_rows))
    for c in categories:
        (tmp / f"gt_{c}.tsv").write_text("".join(f"{a}\t{by_id[t]}\n" for a, t, cat, _ in gt_rows if cat == c))
    (tmp / "known.tsv").write_text("".join(f"{a}\t{by_id[t]}\n" for a, t, _ in dict.fromkeys(known_rows)))
    return {"snapshot": snapshot, "set": set_id, "pred": pred_id, "gt": len(gt_rows), "preds": len(pred_rows)}


def standalone(tmp: Path, obo: Path, ia: dict | None) -> tuple[float, dict]:
    """Wall time of the standalone evaluator on the files, and its best rows {(category, namespace, metric): row}."""
    t = time.perf_counter()
    graph = graph_from_obo(obo)
    preds = read_prediction_file(tmp / "preds" / "bench.tsv").frame
    known = read_pairs(tmp / "known.tsv")
    best = {}
    for c in ("NK", "LK", "PK"):
        result = evaluate(graph, preds, read_pairs(tmp / f"gt_{c}.tsv"), ia=ia, known=known if c == "PK" else None)
        best.update({(c, r["namespace"], r["metric"]): r for _, r in result.best.iterrows()})
    return time.perf_counter() - t, best


def max_difference(stored, files: dict) -> float:
    """Largest absolute difference between the stored best rows and the standalone ones (NaN == NaN)."""
    worst = 0.0
    assert len(stored) == len(files), (len(stored), len(files))
    for _, row in stored.iterrows():
        other = files[(row["category"], row["namespace"], row["metric"])]
        for col in ("tau", "n", "pr", "rc", "cov", "f", "s", "f_micro", "pr_w", "rc_w", "f_w", "f_micro_w"):
            a, b = (np.nan if v is None else float(v) for v in (row[col], other[col]))
            if not (np.isnan(a) and np.isnan(b)):
                worst = max(worst, abs(a - b))
    return worst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--obo", type=Path, default=DEFAULT_OBO)
    ap.add_argument("--ia", type=Path, default=DEFAULT_IA)
    ap.add_argument("--targets", type=int, default=1_200)
    ap.add_argument("--predictions", type=int, default=30_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--profile", action="store_true", help="print where one run spends its time (cProfile)")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    tmp = Path(tempfile.mkdtemp(prefix="bench-eval-"))
    server = os.environ.get("DATABASE_URL") or embedded.start_detached(tmp / "pg")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _url_for(server, name)
    os.environ["DATABASE_URL"] = url
    try:
        migrate.upgrade(url)
        print(f"# bench/evaluate_app.py — {time.strftime('%Y-%m-%d %H:%M:%S')} — {os.cpu_count()} CPUs")
        t = time.perf_counter()
        case = seed_case(tmp, args.obo, args.targets, args.predictions, rng)
        print(
            f"case: {args.targets:,} targets, {case['preds']:,} predictions, {case['gt']:,} ground-truth rows "
            f"(propagated), {args.obo.name}; seeded in {time.perf_counter() - t:.1f} s"
        )
        with session_scope() as s:
            ia_table = ia_from_file(s, BENCH, case["snapshot"], args.ia).id
        ia_values = read_ia_file(args.ia)
        if args.profile:
            import cProfile
            import pstats

            for label, cached, ia_id in (("cold, no IA", False, None), ("warm, IA", True, ia_table)):
                with cProfile.Profile() as prof, session_scope() as s:
                    run_evaluation(s, BENCH, evaluation_set_id=case["set"], prediction_set_id=case["pred"],
                                   ia_set_id=ia_id, cached_graph=cached)  # fmt: skip
                print(f"## profile: {label}")
                pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        for label, ia_id, ia in (("without IA", None, None), ("with IA", ia_table, ia_values)):
            figures = {}
            for mode, cached in (("cold (graph read and built)", False), ("warm (graph cached)", True)):
                times, cpu = [], []
                for _ in range(args.repeats):
                    t, c = time.perf_counter(), time.process_time()
                    with session_scope() as s:
                        run = run_evaluation(s, BENCH, evaluation_set_id=case["set"], prediction_set_id=case["pred"],
                                             ia_set_id=ia_id, cached_graph=cached)  # fmt: skip
                    times.append(time.perf_counter() - t)
                    cpu.append(time.process_time() - c)
                figures[mode] = (times, cpu)
            base = [standalone(tmp, args.obo, ia) for _ in range(args.repeats)]
            base_s = statistics.median(b[0] for b in base)
            with session_scope() as s:
                stored = best_rows(s, run.evaluation_result_id)
            diff = max_difference(stored, base[0][1])
            for mode, (times, cpu) in figures.items():
                app_s = statistics.median(times)
                print(
                    f"in-app evaluation {label}, {mode}: median {app_s:.2f} s of {args.repeats} "
                    f"({', '.join(f'{x:.2f}' for x in times)}; this process's CPU {statistics.median(cpu):.2f} s, "
                    f"load average {os.getloadavg()[0]:.1f}) — target ≤ {TARGET_S:.0f} s, ratio "
                    f"{app_s / TARGET_S:.2f}; standalone evaluator on the same files (OBO parsed each time) "
                    f"{base_s:.2f} s (app / standalone {app_s / base_s:.2f}x)"
                )
            fmax = {c: {ns: round(v["fmax"], 3) for ns, v in r.items()} for c, r in run.results.items()}
            print(f"  Fmax {fmax}; stored best rows vs the standalone evaluator on the files: max abs diff {diff:.1e}")
    finally:
        if not os.environ.get("KEEP_BENCH_DB"):
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if server != os.environ.get("DATABASE_URL_ORIGINAL") and (tmp / "pg").exists():
            embedded.stop(tmp / "pg")
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
