"""Benchmark for issue 14: the Experiments page lists 200 runs of 9 cells each in ≤ 1 s.

What is timed: one AppTest run of the Experiments page through the real router (``app.py``, then the page), with
200 experiment runs, each linked to an evaluation result holding the 9 category × namespace best rows (NK/LK/PK
× BPO/MFO/CCO) its headline is computed from. Baseline in the same run: the same page with no runs (the fixed
cost of the router, the page and Streamlit), so the ratio shows what 200 runs add. Printed: the median of
``--repeats`` runs (after one warm-up) and the ratio to the target and to the baseline.

The records are written directly (one ontology snapshot, two annotation sets, one embedding config, one
prediction set, one evaluation set); runs go through ``services.experiments.runs`` (create, attach).

Usage: python bench/experiments_page.py [--runs 200] [--repeats 5]
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

from sqlalchemy import text  # noqa: E402

from services.auth.identity import Identity, Role  # noqa: E402
from services.db import embedded, migrate  # noqa: E402
from services.db.engine import session_scope  # noqa: E402
from services.db.pg_copy import copy_rows  # noqa: E402
from services.embeddings.configs import add_config  # noqa: E402
from services.experiments import runs  # noqa: E402

LEAD = Identity("bench", Role.LEAD)
TARGET_S = 1.0
APP = str(Path(__file__).resolve().parent.parent / "app.py")
CELLS = [(c, n) for c in ("NK", "LK", "PK") for n in ("BPO", "MFO", "CCO")]


def _url_for(server: str, name: str) -> str:
    base, _, query = server.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")


def seed(n_runs: int, rng: random.Random) -> None:
    """The parent records, then ``n_runs`` evaluation results with 9 best rows each, one run linked to each."""
    with session_scope() as s:
        snapshot = s.execute(
            text(
                "INSERT INTO ontology_snapshot (content_hash, term_count, obsolete_count, relationship_count, "
                "loaded_by) VALUES (:h, 0, 0, 0, 'bench') RETURNING id"
            ),
            {"h": uuid.uuid4().hex * 2},
        ).scalar_one()
        sets = [
            s.execute(
                text(
                    "INSERT INTO annotation_set (source, source_version, ontology_snapshot_id, annotation_count, "
                    "skipped_count, skipped_reasons, created_by) VALUES ('goa', :v, :s, 0, 0, '{}', 'bench') "
                    "RETURNING id"
                ),
                {"v": version, "s": snapshot},
            ).scalar_one()
            for version in ("2025-01", "2026-01")
        ]
        config = add_config(s, LEAD, "bench-comp", "composition").id
        prediction_set = s.execute(
            text(
                "INSERT INTO prediction_set (embedding_config_id, annotation_set_id, ontology_snapshot_id, k, metric, "
                "per_aspect, exclude_identical, evidence_codes, params, query_count, reference_count, "
                "prediction_count, created_by) VALUES (:c, :a, :s, 5, 'cosine', false, true, ARRAY['IDA'], "
                "'{}'::jsonb, 0, 0, 0, 'bench') RETURNING id"
            ),
            {"c": config, "a": sets[0], "s": snapshot},
        ).scalar_one()
        evaluation_set = s.execute(
            text(
                "INSERT INTO evaluation_set (name, old_annotation_set_id, new_annotation_set_id, ontology_snapshot_id, "
                "evidence_codes, stats, created_by) VALUES ('bench holdout', :o, :n, :s, ARRAY['EXP'], '{}'::jsonb, "
                "'bench') RETURNING id"
            ),
            {"o": sets[0], "n": sets[1], "s": snapshot},
        ).scalar_one()
        results = [
            s.execute(
                text(
                    "INSERT INTO evaluation_result (evaluation_set_id, prediction_set_id, options, dropped, "
                    "created_by) VALUES (:e, :p, '{}'::jsonb, '{}'::jsonb, 'bench') RETURNING id"
                ),
                {"e": evaluation_set, "p": prediction_set},
            ).scalar_one()
            for _ in range(n_runs)
        ]
        copy_rows(
            s,
            "evaluation_best_row",
            ("evaluation_result_id", "category", "namespace", "metric", "tau", "n", "pr", "rc", "cov", "f"),
            ((rid, c, n, "f", 0.3, 500, 0.5, 0.5, 0.9, rng.uniform(0.2, 0.7)) for rid in results for c, n in CELLS),
        )
        plms = ["esm2_t33", "prott5", "ankh"]
        for i, rid in enumerate(results):
            name = f"run {i:03d}"
            runs.create_run(
                s, LEAD, name, hypothesis=f"idea {i}",
                config={"plm": plms[i % 3], "k": 1 + i % 50, "propagation": f"p{i // 150}"},
                tags=["bench", f"batch{i % 5}"],
            )  # fmt: skip
            runs.attach(s, LEAD, name, evaluation_result_id=rid)
            if i % 4 == 0:
                runs.set_status(s, LEAD, name, "running")


def render_times(repeats: int) -> list[float]:
    """Wall time of one AppTest run of the Experiments page (router first, then the page), per repeat."""
    from streamlit.testing.v1 import AppTest

    times = []
    for _ in range(repeats + 1):  # the first is a warm-up (imports, caches)
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.switch_page("pages/experiments.py")
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    return times[1:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    os.environ.setdefault("WORKBENCH_ROLE", "lead")

    tmp = Path(tempfile.mkdtemp(prefix="bench-exp-"))
    own_server = not os.environ.get("DATABASE_URL")
    server = os.environ.get("DATABASE_URL") or embedded.start_detached(tmp / "pg")
    try:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = _url_for(server, name)
        os.environ["DATABASE_URL"] = url
        migrate.upgrade(url)
        run_benchmark(args)
    finally:
        if own_server:
            embedded.stop(tmp / "pg")
            shutil.rmtree(tmp, ignore_errors=True)


def run_benchmark(args: argparse.Namespace) -> None:
    print(f"# bench/experiments_page.py — {time.strftime('%Y-%m-%d %H:%M:%S')} — {os.cpu_count()} CPUs")
    empty = statistics.median(render_times(args.repeats))
    t = time.perf_counter()
    seed(args.runs, random.Random(args.seed))
    print(f"seeded {args.runs} runs × {len(CELLS)} cells in {time.perf_counter() - t:.1f} s")
    with session_scope() as s:
        listed = runs.list_runs(s)
    assert len(listed) == args.runs and (listed["cells"] == len(CELLS)).all(), listed[["name", "cells"]]
    full = render_times(args.repeats)
    median = statistics.median(full)
    print(f"baseline (no runs): median {empty * 1000:.0f} ms")
    print(
        f"Experiments page, {args.runs} runs × {len(CELLS)} cells: median {median * 1000:.0f} ms "
        f"(min {min(full) * 1000:.0f}, max {max(full) * 1000:.0f}, {args.repeats} runs) — "
        f"{median / TARGET_S:.2f} of the {TARGET_S:.0f} s target, {median / empty:.2f}× the empty page"
    )
    print("PASS" if median <= TARGET_S else "FAIL", f"(target ≤ {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()
