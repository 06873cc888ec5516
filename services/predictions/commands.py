"""``workbench predict``: a prediction run from the command line (the same service the job runs)."""

from __future__ import annotations

import argparse

from services.auth.identity import Role


def _predict(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.cli import print_json
    from services.errors import InvalidInput
    from services.input_files import resolve_input_path
    from services.predictions.predict import PredictParams, predict
    from services.predictions.reference import EXPERIMENTAL_EVIDENCE

    evidence = tuple(c.strip().upper() for c in args.evidence.split(",")) if args.evidence else EXPERIMENTAL_EVIDENCE
    if not args.config:
        raise InvalidInput("--config (an embedding config name) is needed for embedding predictions")
    params = PredictParams(
        k=args.k or 5,
        metric=args.metric,
        distance_threshold=args.max_distance,
        per_aspect=args.per_aspect,
        exclude_identical=not args.keep_identical,
        evidence_codes=evidence,
        engine=args.engine,
        alignments=not args.no_alignments,
        taxdump=str(resolve_input_path(args.taxdump, "taxdump", confined=False, folder_ok=True))
        if args.taxdump
        else None,
    )
    result = predict(
        args.config,
        args.annotation_set,
        local_identity(),
        query_set=args.query_set,
        accessions=args.accession or None,
        params=params,
    )
    summary = {
        k: v for k, v in result.as_dict().items() if k in ("prediction_set_id", "queries", "predictions", "seconds")
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"prediction set {result.prediction_set_id}: {result.predictions} predictions for "
            f"{result.queries} queries in {result.seconds:.1f}s"
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from services.predictions.knn import ENGINES, METRICS

    p = subparsers.add_parser("predict", help="predict GO terms by embedding similarity (or a baseline)")
    # services.evaluation.commands adds --method naive|homology (the baselines) to this command.
    p.add_argument("--config", help="embedding config name (needed for embedding predictions)")
    p.add_argument("--annotation-set", type=int, required=True, help="reference annotation set id")
    queries = p.add_mutually_exclusive_group(required=True)
    queries.add_argument("--query-set", help="query set name")
    queries.add_argument("--accession", action="append", help="catalog accession (repeatable)")
    p.add_argument("-k", type=int, help="neighbours per query (default 5; homology: hits, default 10)")
    p.add_argument("--metric", choices=METRICS, default="cosine")
    p.add_argument("--max-distance", type=float, help="drop neighbours farther than this")
    p.add_argument("--per-aspect", action="store_true", help="search separately per GO aspect")
    p.add_argument("--keep-identical", action="store_true", help="allow references with an identical sequence")
    p.add_argument("--evidence", help="comma-separated evidence codes to transfer (default: experimental)")
    p.add_argument("--engine", choices=ENGINES, default="numpy")
    p.add_argument("--no-alignments", action="store_true")
    p.add_argument("--taxdump", help="NCBI taxdump directory (nodes.dmp) for taxonomy features")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_predict, min_role=Role.CURATOR)
