"""``workbench load-gaf`` and ``workbench fetch-quickgo``."""

from __future__ import annotations

import argparse

from services.auth.identity import Role
from services.go_annotations.models import ANNOTATION_SOURCES


def _report(args: argparse.Namespace, r) -> int:
    from services.cli import print_json

    if args.json:
        print_json({k: v for k, v in r.as_dict().items()})
    else:
        reasons = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in r.skipped_reasons.items())
        print(
            f"annotation set {r.annotation_set_id}: {r.annotations:,} annotations stored, {r.skipped:,} "
            f"lines skipped{' (' + reasons + ')' if reasons else ''}"
        )
    return 0


def _load_gaf(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db.engine import session_scope
    from services.go_annotations.loader import load_gaf
    from services.input_files import resolve_input_path

    with session_scope() as session:
        r = load_gaf(
            session,
            str(resolve_input_path(args.path, "GAF file", confined=False)),
            local_identity(),
            ontology=args.ontology,
            source=args.source,
            version=args.version,
        )
    return _report(args, r)


def _fetch_quickgo(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db.engine import session_scope
    from services.go_annotations.quickgo import fetch_quickgo

    query = {
        k: v
        for k, v in {
            "taxonId": args.taxon,
            "geneProductId": ",".join(args.protein or []) or None,
            "goId": ",".join(args.go_id or []) or None,
            "evidenceCode": args.evidence,
        }.items()
        if v
    }
    with session_scope() as session:
        r = fetch_quickgo(
            session, local_identity(), ontology=args.ontology, version=args.version, query=query, base_url=args.base_url
        )
    return _report(args, r)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("load-gaf", help="load a GAF 2.x file (plain or gzip) as a GO annotation set")
    p.add_argument("path")
    p.add_argument("--ontology", required=True, help="ontology snapshot id or data-version")
    p.add_argument("--source", required=True, choices=ANNOTATION_SOURCES)
    p.add_argument("--version", required=True, help="the source release, e.g. 2026-01-15")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_load_gaf, min_role=Role.CURATOR)

    q = subparsers.add_parser("fetch-quickgo", help="download QuickGO annotations as an annotation set")
    q.add_argument("--ontology", required=True, help="ontology snapshot id or data-version")
    q.add_argument("--version", required=True, help="a label for this download, e.g. its date")
    q.add_argument("--taxon", help="NCBI taxon id")
    q.add_argument("--protein", action="append", help="UniProtKB accession (repeatable)")
    q.add_argument("--go-id", action="append", help="GO id (repeatable)")
    q.add_argument("--evidence", help="comma-separated ECO ids")
    q.add_argument("--base-url", help="QuickGO REST base URL (default: the public service)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_fetch_quickgo, min_role=Role.CURATOR)
