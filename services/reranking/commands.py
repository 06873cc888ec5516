"""``workbench dataset …``, ``workbench reranker …``, ``workbench rerank`` and ``workbench predict --reranker``:
the same services the jobs run (``services.reranking.operations``).

Must be registered after ``services.predictions.commands`` (it extends the ``predict`` parser)."""

from __future__ import annotations

import argparse
from typing import Any


def _identity():
    from services.auth import local_identity

    return local_identity()


def _out(args: argparse.Namespace, data: dict[str, Any], line: str) -> int:
    from services.console import print_json

    if args.json:
        print_json(data)
    else:
        print(line)
    return 0


def _dataset_export(args: argparse.Namespace) -> int:
    from services.errors import InvalidInput
    from services.reranking.datasets import export_dataset, parse_pairs

    eval_pairs = parse_pairs(args.eval, "--eval")
    if len(eval_pairs) != 1:
        raise InvalidInput("--eval takes exactly one OLD:NEW pair")
    eval_pair = eval_pairs[0]
    result = export_dataset(
        _identity(), args.name, config=args.config, k=args.k, train=parse_pairs(args.train, "--train"),
        eval_pair=eval_pair, families=args.families,
        evidence=args.evidence.split(",") if args.evidence else None,
    )  # fmt: skip
    return _out(
        args,
        result.as_dict(),
        f"dataset {result.name}: {result.train_rows:,} train and {result.eval_rows:,} eval rows "
        f"(manifest sha256 {result.manifest_sha[:12]}…) in {result.seconds:.1f}s",
    )


def _dataset_list(args: argparse.Namespace) -> int:
    from services.db.engine import session_scope
    from services.reranking.datasets import list_datasets

    with session_scope() as session:
        rows = [
            {"name": d.name, "k": d.k, "families": list(d.families), "train_rows": d.train_rows,
             "eval_rows": d.eval_rows, "manifest_sha": d.manifest_sha, "created_at": d.created_at}
            for d in list_datasets(session)
        ]  # fmt: skip
    lines = [f"{r['name']}: {r['train_rows']:,} train / {r['eval_rows']:,} eval rows, k={r['k']}" for r in rows]
    return _out(args, {"datasets": rows}, "\n".join(lines) or "no datasets")


def _dataset_show(args: argparse.Namespace) -> int:
    import json

    from services.db.engine import session_scope
    from services.reranking.datasets import get_dataset, verify_dataset

    with session_scope() as session:
        dataset = get_dataset(session, args.name)
    manifest = verify_dataset(dataset)
    data = {"manifest": manifest, "balance": dataset.stats.get("balance"), "manifest_sha": dataset.manifest_sha}
    return _out(args, data, json.dumps(manifest, indent=2))


def _dataset_delete(args: argparse.Namespace) -> int:
    from services.db.engine import session_scope
    from services.reranking.datasets import delete_dataset

    with session_scope() as session:
        name = delete_dataset(session, _identity(), args.name)
    return _out(args, {"deleted": name}, f"dataset {name} deleted")


def _train(args: argparse.Namespace) -> int:
    from services.reranking.training import TrainSpec, train_reranker

    spec = TrainSpec(
        objective=args.objective, per_category=args.per_category, seed=args.seed, ia_weights=args.ia_set is not None
    )
    result = train_reranker(_identity(), args.name, args.dataset, spec, ia_set_id=args.ia_set)
    m = result.metrics
    return _out(
        args,
        result.as_dict(),
        f"re-ranker {result.name}: validation Fmax {m['fmax']:.3f} at {m['threshold']:.2f}, AUC-PR "
        f"{m['auc_pr']:.3f}, best iteration {m['best_iteration']} ({result.seconds:.1f}s)",
    )


def _import(args: argparse.Namespace) -> int:
    from services.reranking.rerankers import import_reranker

    model = import_reranker(_identity(), args.file, args.manifest, name=args.name)
    data = {"reranker_id": model.id, "name": model.name, "feature_schema_sha": model.feature_schema_sha}
    return _out(args, data, f"re-ranker {model.name} imported ({len(model.feature_names)} features)")


def _reranker_list(args: argparse.Namespace) -> int:
    from services.db.engine import session_scope
    from services.reranking.rerankers import list_rerankers

    with session_scope() as session:
        rows = [
            {"name": r.name, "source": r.source, "objective": r.objective, "families": list(r.families),
             "fmax": r.card.get("metrics", {}).get("all", {}).get("fmax"), "feature_schema_sha": r.feature_schema_sha}
            for r in list_rerankers(session)
        ]  # fmt: skip
    lines = [f"{r['name']} ({r['source']}, {r['objective']}): {', '.join(r['families'])}" for r in rows]
    return _out(args, {"rerankers": rows}, "\n".join(lines) or "no re-rankers")


def _rerank(args: argparse.Namespace) -> int:
    from services.reranking.rerankers import rerank

    result = rerank(_identity(), args.prediction_set, args.reranker)
    return _out(
        args,
        result.as_dict(),
        f"prediction set {result.prediction_set_id}: {result.predictions:,} predictions re-ranked by "
        f"{result.reranker} in {result.seconds:.1f}s",
    )


def _evaluate(args: argparse.Namespace) -> int:
    from services.db.engine import session_scope
    from services.reranking.evaluation import evaluate_reranked

    with session_scope() as session:
        run = evaluate_reranked(
            session, _identity(), evaluation_set_id=args.evaluation_set, prediction_set_id=args.prediction_set,
            reranker=args.reranker, ia_set_id=args.ia_set,
        )  # fmt: skip
    lines = [
        f"{category} {ns}: Fmax {row['fmax']:.3f}" if row["fmax"] is not None else f"{category} {ns}: —"
        for category, by_ns in run.results.items()
        for ns, row in by_ns.items()
    ]
    return _out(args, run.as_dict(), f"evaluation result {run.evaluation_result_id}\n" + "\n".join(lines))


def _add_predict_reranker(subparsers: argparse._SubParsersAction) -> None:
    """``workbench predict … --reranker NAME``: predict, then re-rank the new set (KNN score kept beside)."""
    predict = subparsers.choices.get("predict")
    if predict is None:
        raise RuntimeError("services.reranking.commands must be registered after services.predictions.commands")
    predict.add_argument("--reranker", help="re-rank the new prediction set with this re-ranker (by name)")
    handler = predict.get_default("handler")

    def run(args: argparse.Namespace) -> int:
        if not args.reranker:
            return handler(args)
        import contextlib
        import io
        import json

        from services.reranking.rerankers import rerank

        buffer = io.StringIO()
        json_flag = args.json
        args.json = True
        with contextlib.redirect_stdout(buffer):
            code = handler(args)
        args.json = json_flag
        if code:
            print(buffer.getvalue(), end="")
            return code
        summary = json.loads(buffer.getvalue())
        result = rerank(_identity(), int(summary["prediction_set_id"]), args.reranker)
        summary["reranked"] = result.as_dict()
        return _out(
            args,
            summary,
            f"prediction set {summary['prediction_set_id']}: {summary.get('predictions', 0)} predictions, "
            f"re-ranked by {result.reranker}",
        )

    predict.set_defaults(handler=run)


def register(subparsers: argparse._SubParsersAction) -> None:
    from services.auth.identity import Role
    from services.reranking.training import OBJECTIVES

    _add_predict_reranker(subparsers)
    ds = subparsers.add_parser("dataset", help="re-ranker training datasets (export, list, show, delete)")
    dsub = ds.add_subparsers(dest="dataset_command", required=True)
    e = dsub.add_parser("export", help="export a dataset from temporal holdout pairs (lead)")
    e.add_argument("name")
    e.add_argument("--config", required=True, help="embedding config name")
    e.add_argument("--k", type=int, default=10, help="neighbours per query (default 10)")
    e.add_argument("--train", required=True, help="OLD:NEW[,OLD:NEW…] annotation set id pairs for training")
    e.add_argument("--eval", required=True, help="OLD:NEW annotation set id pair for evaluation")
    e.add_argument("--families", help="feature families, comma-separated, or +name to add to the defaults, or all")
    e.add_argument("--evidence", help="evidence codes (default: experimental)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(handler=_dataset_export, min_role=Role.LEAD)
    for name, handler, helptext in (("list", _dataset_list, "list datasets"), ("show", _dataset_show, "a manifest")):
        p = dsub.add_parser(name, help=helptext)
        if name == "show":
            p.add_argument("name")
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=handler, min_role=Role.VIEWER, mutating=False)
    d = dsub.add_parser("delete", help="delete a dataset and its files (lead)")
    d.add_argument("name")
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler=_dataset_delete, min_role=Role.LEAD)

    rr = subparsers.add_parser("reranker", help="LightGBM re-rankers (train, import, list, evaluate)")
    rsub = rr.add_subparsers(dest="reranker_command", required=True)
    t = rsub.add_parser("train", help="train a re-ranker on a dataset (lead)")
    t.add_argument("name")
    t.add_argument("--dataset", required=True)
    t.add_argument("--objective", choices=OBJECTIVES, default="binary")
    t.add_argument("--per-category", action="store_true", help="one booster per category NK/LK/PK")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--ia-set", type=int, help="IA table id: weight positives by their term's IA (binary)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(handler=_train, min_role=Role.LEAD)
    i = rsub.add_parser("import", help="import a LightGBM text booster trained elsewhere (lead)")
    i.add_argument("file")
    i.add_argument("--manifest", required=True, help="JSON: name, objective, families, feature_names, …")
    i.add_argument("--name", help="name (default: the manifest's)")
    i.add_argument("--json", action="store_true")
    i.set_defaults(handler=_import, min_role=Role.LEAD)
    li = rsub.add_parser("list", help="list re-rankers")
    li.add_argument("--json", action="store_true")
    li.set_defaults(handler=_reranker_list, min_role=Role.VIEWER, mutating=False)
    ev = rsub.add_parser("evaluate", help="evaluate a prediction set's re-ranked scores (lead)")
    ev.add_argument("--evaluation-set", type=int, required=True)
    ev.add_argument("--prediction-set", type=int, required=True)
    ev.add_argument("--reranker", required=True)
    ev.add_argument("--ia-set", type=int)
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(handler=_evaluate, min_role=Role.LEAD)

    r = subparsers.add_parser("rerank", help="re-rank a stored prediction set (the KNN score is kept)")
    r.add_argument("--prediction-set", type=int, required=True)
    r.add_argument("--reranker", required=True)
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=_rerank, min_role=Role.CURATOR)
