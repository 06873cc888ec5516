"""CAFA evaluator benchmark for issue 11: our standalone evaluator against cafaeval 1.3.0 and cafaeval-protea
0.1.0 on the same files, in the same run, with and without IA; asserts identical best rows.

    python bench/evaluate.py                          # the issue's size: 1,200 targets, 30,000 predictions
    python bench/evaluate.py --targets 200 --predictions 5000 --skip cafaeval   # a quick look

The case: the full go-basic (newest ``go-basic*.obo[.gz]`` under shared/data/go, decompressed once), 1,200
targets with 1-4 ground-truth terms in each of their namespaces (BPO 70 %, MFO 60 %, CCO 50 %, at least one),
25 predictions per target (about 40 % of its true terms with scores in [0.3, 1], the rest random terms of
its namespaces with scores in [0, 0.8], three decimals), IA from IA_cafa6.tsv. Every timing is the whole
standalone path from the files (parse the OBO, ground truth, predictions, IA; propagate; score) on one
thread; the oracles run with n_cpu=1. Files go to bench/out/evaluate/.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import shutil
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.evaluation.cafa import EvalOptions  # noqa: E402
from services.evaluation.graph import graph_from_obo  # noqa: E402
from tests.evaluation.cases import max_difference, ours_best  # noqa: E402
from tests.evaluation.oracles import GO_DATA, ORACLES, load_oracle, oracle_best  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "evaluate"


def newest_obo() -> Path:
    found = sorted(GO_DATA.glob("go-basic*.obo*"))
    if not found:
        raise SystemExit(f"no go-basic OBO under {GO_DATA}")
    return found[-1]


def build_case(n_targets: int, n_predictions: int, seed: int) -> tuple[Path, Path, Path, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    source = newest_obo()
    obo = OUT / source.name.removesuffix(".gz")
    if not obo.exists():
        if source.suffix == ".gz":
            with gzip.open(source, "rb") as src, open(obo, "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            shutil.copy(source, obo)
    graph = graph_from_obo(obo)
    rng = np.random.default_rng(seed)
    by_ns = {ns: np.flatnonzero((graph.namespace == ns) & graph.has_parent) for ns in ("BPO", "MFO", "CCO")}
    share = {"BPO": 0.7, "MFO": 0.6, "CCO": 0.5}
    per_target = max(1, n_predictions // n_targets)
    gt_lines, pred_lines = [], []
    for t in range(n_targets):
        target = f"T{t:05d}"
        spaces = [ns for ns in by_ns if rng.random() < share[ns]] or [str(rng.choice(list(by_ns)))]
        truth = []
        for ns in spaces:
            truth += [int(i) for i in rng.choice(by_ns[ns], size=int(rng.integers(1, 5)), replace=False)]
        gt_lines += [f"{target}\t{graph.ids[i]}" for i in truth]
        hits = [i for i in truth if rng.random() < 0.4][:per_target]
        for i in hits:
            pred_lines.append(f"{target}\t{graph.ids[i]}\t{rng.uniform(0.3, 1.0):.3f}")
        pool = np.concatenate([by_ns[ns] for ns in spaces])
        for i in rng.choice(pool, size=per_target - len(hits), replace=False):
            pred_lines.append(f"{target}\t{graph.ids[int(i)]}\t{rng.uniform(0.0, 0.8):.3f}")
    gt = OUT / "ground_truth.tsv"
    gt.write_text("\n".join(gt_lines) + "\n")
    folder = OUT / "predictions"
    folder.mkdir(exist_ok=True)
    (folder / "method.tsv").write_text("\n".join(pred_lines) + "\n")
    return obo, folder, gt, GO_DATA / "IA_cafa6.tsv"


def timed(fn, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=1200)
    parser.add_argument("--predictions", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=3, help="runs of our evaluator (median reported)")
    parser.add_argument("--skip", action="append", default=[], choices=list(ORACLES), help="leave out an oracle")
    parser.add_argument("--variant", choices=["both", "plain", "ia"], default="both", help="without/with IA or both")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")

    obo, predictions, gt, ia_file = build_case(args.targets, args.predictions, args.seed)
    n_gt = sum(1 for _ in gt.open())
    n_pred = sum(1 for _ in (predictions / "method.tsv").open())
    print(f"case: {obo.name}, {args.targets:,} targets, {n_gt:,} ground-truth lines, {n_pred:,} predictions")
    parse_s, graph = timed(lambda: graph_from_obo(obo), args.repeat)
    print(f"ours: parsing the OBO alone takes {parse_s:.2f} s ({len(graph):,} terms) of each run below")
    variants = [("without IA", None), ("with IA", ia_file)]
    variants = [v for v in variants if args.variant == "both" or (v[1] is None) == (args.variant == "plain")]
    for label, ia in variants:
        ours_s, ours = timed(lambda ia=ia: ours_best(obo, predictions, gt, ia=ia, options=EvalOptions()), args.repeat)
        print(f"\n{label}: ours {ours_s:.2f} s (median of {args.repeat}), {len(ours)} best rows")
        for dist in ORACLES:
            if dist in args.skip:
                continue
            if load_oracle(dist) is None:
                print(f"  {dist}: not available, skipped")
                continue
            ref_s, ref = timed(lambda dist=dist, ia=ia: oracle_best(dist, obo, predictions, gt, ia=ia))
            diff = max_difference(ours, ref)
            print(
                f"  {dist} {ORACLES[dist]}: {ref_s:.2f} s -> ours is {ref_s / ours_s:.1f}x faster; "
                f"best rows max |diff| {diff:.1e}"
            )
            assert diff <= 1e-6, f"best rows differ from {dist} by {diff}"


if __name__ == "__main__":
    main()
