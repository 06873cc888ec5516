"""``workbench eval-set create`` and ``workbench evaluate``: the same service functions the jobs run."""

from __future__ import annotations

import argparse

from services.auth.identity import Role


def _create_set(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.evaluation.holdout import create_evaluation_set

    evidence = [c for part in args.evidence or [] for c in part.split(",")] or None
    with session_scope() as session:
        r = create_evaluation_set(
            session, local_identity(), old=args.old, new=args.new, ontology=args.ontology, evidence=evidence,
            name=args.name,
        )  # fmt: skip
    if args.json:
        print_json({"evaluation_set_id": r.evaluation_set_id, "stats": r.stats})
    else:
        counts = r.stats["categories"]
        parts = ", ".join(f"{c} {sum(v['proteins'] for v in counts[c].values()):,} protein-namespaces" for c in counts)
        print(f"evaluation set {r.evaluation_set_id}: {r.stats['delta_proteins']:,} proteins with new terms ({parts})")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.evaluation.information_accretion import resolve_ia_choice
    from services.evaluation.results import run_evaluation
    from services.input_files import resolve_input_path

    identity = local_identity()
    ia_file = str(resolve_input_path(args.ia, "IA file", confined=False)) if args.ia else None
    choice = {"file": ia_file} if ia_file else ({"annotation_set": args.ia_from} if args.ia_from else None)
    with session_scope() as session:
        table = resolve_ia_choice(session, identity, args.evaluation_set, choice)
        r = run_evaluation(
            session,
            identity,
            evaluation_set_id=args.evaluation_set,
            prediction_set_id=args.prediction_set,
            scoring=args.scoring,
            ia_set_id=None if table is None else table.id,
        )
    if args.json:
        print_json({"evaluation_result_id": r.evaluation_result_id, "results": r.results})
    else:
        print(f"evaluation result {r.evaluation_result_id} ({r.seconds:.2f}s)")
        for category, by_ns in r.results.items():
            cells = "  ".join(
                f"{ns} Fmax {v['fmax']:.3f} (cov {v['coverage']:.2f})"
                if v["fmax"] is not None
                else f"{ns} no predictions"
                for ns, v in by_ns.items()
            )
            print(f"  {category}: {cells}")
    return 0


def _list_sets(args: argparse.Namespace) -> int:
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.evaluation.browse import list_evaluation_sets

    with session_scope() as session:
        sets = list_evaluation_sets(session)
    if args.json:
        print_json([{"id": s.id, "name": s.name, "old": s.old_annotation_set_id, "new": s.new_annotation_set_id,
                     "ontology_snapshot_id": s.ontology_snapshot_id, "stats": s.stats} for s in sets])  # fmt: skip
    else:
        for s in sets:
            print(s.label)
    return 0


def _pairs(values: list[str] | None, what: str) -> dict[str, float]:
    from services.errors import InvalidInput

    out: dict[str, float] = {}
    for item in values or []:
        key, sep, number = item.partition("=")
        try:
            out[key.strip()] = float(number)
        except ValueError:
            raise InvalidInput(f"--{what} {item!r}: expected NAME=NUMBER") from None
        if not sep or not key.strip():
            raise InvalidInput(f"--{what} {item!r}: expected NAME=NUMBER")
    return out


def _add_scoring(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.evaluation.scoring import create_scoring_config

    with session_scope() as session:
        c = create_scoring_config(
            session, local_identity(), name=args.name, formula=args.formula, weights=_pairs(args.weight, "weight"),
            evidence_weights=_pairs(args.evidence_weight, "evidence-weight"), description=args.description,
        )  # fmt: skip
    if args.json:
        print_json({"id": c.id, "name": c.name, "formula": c.formula, "weights": c.weights,
                    "evidence_weights": c.evidence_weights})  # fmt: skip
    else:
        print(f"scoring config {c.name}: {c.summary()}")
    return 0


def _list_scoring(args: argparse.Namespace) -> int:
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.evaluation.scoring import list_scoring_configs

    with session_scope() as session:
        configs = list_scoring_configs(session)
    if args.json:
        print_json([{"name": c.name, "formula": c.formula, "weights": c.weights,
                     "evidence_weights": c.evidence_weights, "preset": c.is_preset} for c in configs])  # fmt: skip
    else:
        for c in configs:
            print(f"{c.name}{' (preset)' if c.is_preset else ''}: {c.summary()}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    es = subparsers.add_parser("eval-set", help="evaluation sets (CAFA temporal holdouts)")
    es_sub = es.add_subparsers(dest="eval_set_command", required=True, metavar="ACTION")
    c = es_sub.add_parser("create", help="compute the NK/LK/PK holdout between two annotation sets")
    c.add_argument("--old", type=int, required=True, help="the earlier annotation set id")
    c.add_argument("--new", type=int, required=True, help="the later annotation set id")
    c.add_argument("--ontology", help="snapshot id or data-version (default: the new set's snapshot)")
    c.add_argument("--evidence", action="append", help="evidence codes, comma-separated (default: experimental)")
    c.add_argument("--name", help="a label for the set")
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=_create_set, min_role=Role.LEAD)
    ls = es_sub.add_parser("list", help="list evaluation sets")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list_sets, min_role=Role.VIEWER, mutating=False)

    from services.evaluation.models import FORMULAS
    from services.evaluation.scoring import SIGNALS

    sc = subparsers.add_parser("scoring-config", help="scoring configs (immutable once created)")
    sc_sub = sc.add_subparsers(dest="scoring_command", required=True, metavar="ACTION")
    a = sc_sub.add_parser("add", help="create a scoring config")
    a.add_argument("name")
    a.add_argument("--formula", choices=FORMULAS, default="linear")
    a.add_argument("--weight", action="append", metavar="SIGNAL=W", help=f"repeatable; signals: {', '.join(SIGNALS)}")
    a.add_argument("--evidence-weight", action="append", metavar="CODE=W", help="per-code override in [0, 1]")
    a.add_argument("--description")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=_add_scoring, min_role=Role.LEAD)
    sl = sc_sub.add_parser("list", help="list scoring configs")
    sl.add_argument("--json", action="store_true")
    sl.set_defaults(handler=_list_scoring, min_role=Role.VIEWER, mutating=False)

    e = subparsers.add_parser("evaluate", help="evaluate a prediction set against an evaluation set (CAFA)")
    e.add_argument("--evaluation-set", type=int, required=True)
    e.add_argument("--prediction-set", type=int, required=True)
    e.add_argument("--scoring", help="scoring config name (default: the stored scores)")
    ia = e.add_mutually_exclusive_group()
    ia.add_argument("--ia", help="IA file (two columns: term, IA)")
    ia.add_argument("--ia-from", type=int, metavar="ANNOTATION_SET", help="compute IA from this annotation set")
    e.add_argument("--json", action="store_true")
    e.set_defaults(handler=_evaluate, min_role=Role.LEAD)
