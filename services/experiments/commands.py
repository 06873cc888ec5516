"""``workbench experiment …``: create, attach, status, show, comment, compare (the functions the page uses)."""

from __future__ import annotations

import argparse
import math

from services.auth.identity import Role


def _create(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.console import print_json
    from services.db.engine import session_scope
    from services.experiments.runs import create_run, parse_config

    with session_scope() as session:
        run = create_run(
            session, local_identity(), args.name, description=args.description, hypothesis=args.hypothesis,
            config=parse_config(args.config), tags=args.tag,
        )  # fmt: skip
    if args.json:
        print_json(run.as_dict())
    else:
        short = f" (axes {run.axis_tuple_shortid})" if run.axis_tuple_shortid else ""
        print(f"experiment run {run.name!r} created, planned{short}")
    return 0


def _attach(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.console import print_json
    from services.db.engine import session_scope
    from services.experiments.runs import attach

    with session_scope() as session:
        link = attach(
            session, local_identity(), args.name, evaluation_result_id=args.evaluation_result,
            prediction_set_id=args.prediction_set, job_id=args.job, dataset=args.dataset, reranker=args.reranker,
        )  # fmt: skip
    if args.json:
        print_json({"run": args.name, "kind": link.kind, "target": link.target, "label": link.label})
    else:
        print(f"{link.label} attached to {args.name!r}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.console import print_json
    from services.db.engine import session_scope
    from services.experiments.runs import set_status

    with session_scope() as session:
        run = set_status(session, local_identity(), args.name, args.status)
    if args.json:
        print_json(
            {"run": run.name, "status": run.status, "started_at": run.started_at, "finished_at": run.finished_at}
        )
    else:
        print(f"{run.name!r} is {run.status}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from services.console import print_json
    from services.db.engine import session_scope
    from services.experiments.runs import comments, get_run, links

    with session_scope() as session:
        run = get_run(session, args.name)
        linked = links(session, run.id)
        thread = comments(session, run.id)
    if args.json:
        print_json(
            run.as_dict()
            | {"links": [{"kind": v.kind, "target": v.target, "label": v.label} for v in linked]}
            | {"comments": [{"author": c.author, "body": c.body, "at": c.created_at} for c in thread]}
        )
        return 0
    print(f"{run.name} — {run.status}" + (f", tags {', '.join(run.tags)}" if run.tags else ""))
    if run.hypothesis:
        print(f"  hypothesis: {run.hypothesis}")
    if run.findings:
        print(f"  findings: {run.findings}")
    for link in linked:
        print(f"  · {link.label}")
    return 0


def _comment(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db.engine import session_scope
    from services.experiments.runs import add_comment

    with session_scope() as session:
        add_comment(session, local_identity(), args.name, args.body)
    print(f"comment added to {args.name!r}")
    return 0


def _fmt(value: float | None) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def _compare(args: argparse.Namespace) -> int:
    from services.console import print_json
    from services.db.engine import session_scope
    from services.experiments.compare import compare, plan_comparison

    with session_scope() as session:
        plan = plan_comparison(session, args.runs, args.evaluation_set)
        result = compare(session, plan, baseline=args.baseline, resamples=args.resamples, seed=args.seed)
    if args.json:
        print_json(result.as_dict())
        return 0
    print(
        f"{plan.metric_label} on {plan.evaluation_set_label}, baseline {result.baseline!r}, "
        f"{result.resamples:,} paired resamples (seed {result.seed}), 95 % intervals"
    )
    for row in result.table.to_dict("records"):
        print(
            f"  {row['category']} {row['namespace']}  {row['run']:<24} {_fmt(row['value'])} "
            f"[{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]  Δ {_fmt(row['diff'])} "
            f"[{_fmt(row['diff_low'])}, {_fmt(row['diff_high'])}]  n={row['n_proteins']:,}"
        )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    exp = subparsers.add_parser("experiment", help="experiment runs: record, link, compare (lab leads)")
    sub = exp.add_subparsers(dest="experiment_command", required=True, metavar="ACTION")

    c = sub.add_parser("create", help="create a planned run")
    c.add_argument("name")
    c.add_argument("--hypothesis")
    c.add_argument("--description")
    c.add_argument("--config", help='JSON object, e.g. \'{"plm": "esm2_t33", "k": 10}\' (axis keys fill the axes)')
    c.add_argument("--tag", action="append", help="a tag (repeat for more)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=_create, min_role=Role.LEAD)

    a = sub.add_parser("attach", help="link an evaluation result, prediction set, job, dataset or re-ranker")
    a.add_argument("name")
    what = a.add_mutually_exclusive_group(required=True)
    what.add_argument("--evaluation-result", type=int, metavar="ID")
    what.add_argument("--prediction-set", type=int, metavar="ID")
    what.add_argument("--job", metavar="JOB_ID")
    what.add_argument("--reranker", metavar="NAME")
    what.add_argument("--dataset", metavar="NAME")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=_attach, min_role=Role.LEAD)

    s = sub.add_parser("status", help="move a run: planned → running → done | abandoned")
    s.add_argument("name")
    s.add_argument("status", choices=("running", "done", "abandoned"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_status, min_role=Role.LEAD)

    sh = sub.add_parser("show", help="a run, its links and comments")
    sh.add_argument("name")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(handler=_show, min_role=Role.VIEWER, mutating=False)

    cm = sub.add_parser("comment", help="add a comment to a run (curators and leads)")
    cm.add_argument("name")
    cm.add_argument("body")
    cm.set_defaults(handler=_comment, min_role=Role.CURATOR)

    cp = sub.add_parser("compare", help="compare 2 to 8 runs on their shared evaluation set (paired bootstrap)")
    cp.add_argument("runs", nargs="+", metavar="RUN")
    cp.add_argument("--baseline", help="the run differences are taken to (default: the first)")
    cp.add_argument("--evaluation-set", type=int, help="the shared evaluation set (default: the newest shared one)")
    cp.add_argument("--resamples", type=int, default=1000)
    cp.add_argument("--seed", type=int, default=0)
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(handler=_compare, min_role=Role.VIEWER, mutating=False)
