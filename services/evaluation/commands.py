"""``workbench cafa-eval``: the CAFA evaluator on files, without the database (read-only; any role may run it)."""

from __future__ import annotations

import argparse
import math
from typing import Any

from services.auth.identity import Role
from services.evaluation.cafa import BEST_COLUMNS, NORMS, PROPS, EvalOptions, prepare, score
from services.evaluation.files import (
    prediction_paths,
    read_ia,
    read_pairs,
    read_prediction_file,
    read_terms,
)
from services.evaluation.graph import graph_from_obo

JSON_COLUMNS = ("file",) + BEST_COLUMNS


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN to None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def run_cafa_eval(args: argparse.Namespace) -> dict[str, Any]:
    """Evaluate every prediction file; returns ``{"best": [...], "dropped": {...}, "skipped_lines": {...}}``."""
    options = EvalOptions(norm=args.norm, prop=args.prop, th_step=args.th_step, no_orphans=args.no_orphans)
    graph = graph_from_obo(args.obo)
    prepared = prepare(
        graph,
        read_pairs(args.ground_truth),
        ia=read_ia(args.ia) if args.ia else None,
        toi=read_terms(args.toi) if args.toi else None,
        known=read_pairs(args.known) if args.known else None,
        options=options,
    )
    best: list[dict[str, Any]] = []
    dropped: dict[str, dict[str, int]] = {}
    skipped: dict[str, int] = {}
    for name, path in prediction_paths(args.predictions):
        predictions = read_prediction_file(path, name)
        result = score(prepared, predictions.frame)
        dropped[name] = dict(result.dropped)
        if predictions.skipped_lines:
            skipped[name] = predictions.skipped_lines
        for row in result.best.to_dict("records"):
            best.append({"file": name} | {col: _plain(row[col]) for col in BEST_COLUMNS})
    return {"best": best, "dropped": dropped, "skipped_lines": skipped}


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _print_table(report: dict[str, Any]) -> None:
    headers = ("file", "namespace", "metric", "tau", "n", "pr", "rc", "cov", "f", "s", "f_micro", "f_w")
    rows = [[_fmt(r[h], 2 if h == "tau" else 3) for h in headers] for r in report["best"]]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
    if not rows:
        print("no prediction overlaps the ground truth: nothing to score")
    for name, counts in report["dropped"].items():
        parts = [f"{count:,} {reason.replace('_', ' ')}" for reason, count in counts.items() if count]
        if parts:
            print(f"{name}: dropped {', '.join(parts)}")
    for name, count in report["skipped_lines"].items():
        print(f"{name}: skipped {count:,} line(s) with fewer than three fields")


def _cafa_eval(args: argparse.Namespace) -> int:
    from services.cli import print_json

    report = run_cafa_eval(args)
    if args.json:
        print_json(report)
    else:
        _print_table(report)
    return 0


def _baseline(args: argparse.Namespace) -> int:
    """``workbench predict --method naive|homology``: a baseline prediction set (issue 11)."""
    from services.auth import local_identity
    from services.cli import print_json
    from services.evaluation.baselines import BaselineParams, predict_baseline
    from services.predictions.reference import EXPERIMENTAL_EVIDENCE

    evidence = tuple(c.strip().upper() for c in args.evidence.split(",")) if args.evidence else EXPERIMENTAL_EVIDENCE
    params = BaselineParams(evidence_codes=evidence, max_hits=args.k or 10, exclude_identical=not args.keep_identical)
    result = predict_baseline(
        args.method, args.annotation_set, local_identity(), query_set=args.query_set,
        accessions=args.accession or None, params=params,
    )  # fmt: skip
    summary = {"prediction_set_id": result.prediction_set_id, "method": result.method, "queries": result.queries}
    summary |= {"predictions": result.predictions, "seconds": round(result.seconds, 3)}
    if args.json:
        print_json(summary)
    else:
        print(
            f"prediction set {result.prediction_set_id} ({result.method} baseline): {result.predictions} "
            f"predictions for {result.queries} queries in {result.seconds:.1f}s"
        )
    return 0


def _add_baseline_methods(subparsers: argparse._SubParsersAction) -> None:
    """Give ``workbench predict`` a ``--method``: knn (the predictions domain's own run) or a baseline.

    The dependency runs evaluation -> predictions, as the layers declare: this module extends the parser the
    predictions domain registered (earlier in COMMAND_MODULES) and hands knn runs back to its handler.
    """
    predict = subparsers.choices.get("predict")
    if predict is None:
        raise RuntimeError("services.evaluation.commands must be registered after services.predictions.commands")
    predict.add_argument(
        "--method",
        choices=("knn", "naive", "homology"),
        default="knn",
        help="knn: embedding neighbours (default); naive: term frequencies; homology: Smith-Waterman hits",
    )
    knn = predict.get_default("handler")
    predict.set_defaults(handler=lambda args: knn(args) if args.method == "knn" else _baseline(args))


def register(subparsers: argparse._SubParsersAction) -> None:
    _add_baseline_methods(subparsers)
    p = subparsers.add_parser(
        "cafa-eval",
        help="score prediction files CAFA style (Fmax, Smin, micro F, IA-weighted) without the database",
        description="Evaluate GO-term predictions against a ground truth exactly as the CAFA evaluator does.",
    )
    p.add_argument("obo", help="ontology file (OBO, plain or .gz)")
    p.add_argument("predictions", help="a prediction file or a folder of them (target term score per line)")
    p.add_argument("ground_truth", help="ground truth file (target term per line)")
    p.add_argument("--ia", help="information accretion file (term IA per line): adds the weighted metrics")
    p.add_argument("--toi", help="terms of interest file (one term per line): only these are scored")
    p.add_argument("--known", help="known terms (target term per line), excluded when scoring (partial knowledge)")
    p.add_argument("--norm", choices=NORMS, default="cafa", help="normalisation (default cafa)")
    p.add_argument("--prop", choices=PROPS, default="max", help="score propagation to ancestors (default max)")
    p.add_argument("--th-step", type=float, default=0.01, help="threshold step (default 0.01)")
    p.add_argument("--no-orphans", action="store_true", help="leave out terms without parents (the roots)")
    p.add_argument("--json", action="store_true")
    # Read-only: it reads files and writes nothing, so any role may run it.
    p.set_defaults(handler=_cafa_eval, min_role=Role.VIEWER, mutating=False)
