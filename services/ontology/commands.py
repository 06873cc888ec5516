"""``workbench load-obo`` and ``workbench go ancestors|descendants``."""

from __future__ import annotations

import argparse

from services.auth.identity import Role


def _load_obo(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.input_files import resolve_input_path
    from services.ontology.loader import load_obo

    with session_scope() as session:
        r = load_obo(session, str(resolve_input_path(args.path, "OBO file", confined=False)), local_identity())
    if args.json:
        print_json(r.as_dict())
    else:
        state = "already loaded" if r.already_loaded else "loaded"
        print(
            f"snapshot {r.snapshot_id} ({r.obo_version or 'no data-version'}) {state}: {r.terms:,} terms, "
            f"{r.relationships:,} relationships, {r.obsolete:,} obsolete"
        )
    return 0


def _closure(args: argparse.Namespace) -> int:
    from services.cli import print_json
    from services.db.engine import session_scope
    from services.go_annotations.loader import resolve_snapshot
    from services.ontology.closure import ALL_RELATIONS, ancestors, descendants

    walk = ancestors if args.go_command == "ancestors" else descendants
    relations = ALL_RELATIONS if args.all_relations else None
    with session_scope() as session:
        snapshot = resolve_snapshot(session, args.ontology)
        terms = walk(session, snapshot, args.terms, relations=relations, include_self=args.include_self)
    if args.json:
        print_json({"snapshot_id": snapshot, "terms": [t.__dict__ for t in terms]})
    else:
        for t in terms:
            print(f"{t.go_id}\t{t.aspect or '-'}\t{t.name or ''}{'  (obsolete)' if t.is_obsolete else ''}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("load-obo", help="load a GO OBO file as an ontology snapshot")
    p.add_argument("path")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_load_obo, min_role=Role.CURATOR)

    go = subparsers.add_parser("go", help="GO term closure queries").add_subparsers(dest="go_command", required=True)
    for name in ("ancestors", "descendants"):
        c = go.add_parser(name, help=f"the {name} of one or more terms")
        c.add_argument("terms", nargs="+", metavar="GO_ID")
        c.add_argument("--ontology", required=True, help="snapshot id or data-version")
        c.add_argument("--all-relations", action="store_true", help="follow the regulates family too")
        c.add_argument("--include-self", action="store_true")
        c.add_argument("--json", action="store_true")
        c.set_defaults(handler=_closure, min_role=Role.VIEWER, mutating=False)
