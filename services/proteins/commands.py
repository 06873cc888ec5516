"""``workbench load-fasta``, ``load-uniprot-metadata``, ``fetch-uniprot`` (the same services as the pages)."""

from __future__ import annotations

import argparse

from services.auth.identity import Role


def _emit(args: argparse.Namespace, data: dict, line: str) -> int:
    from services.cli import print_json

    print_json(data) if args.json else print(line)
    return 0


def _load_fasta(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db.engine import session_scope
    from services.input_files import resolve_input_path
    from services.proteins.fasta_loader import load_fasta

    with session_scope() as session:
        path = str(resolve_input_path(args.path, "FASTA file", confined=False))
        r = load_fasta(session, path, local_identity(), query_set=args.query_set, description=args.description)
    what = f"query set {r.query_set_id}" if r.query_set_id else "reference proteins"
    return _emit(
        args,
        r.as_dict(),
        f"{r.proteins:,} entries loaded as {what}: {r.sequences_new:,} new sequences, {r.sequences_reused:,} reused",
    )


def _load_metadata(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db.engine import session_scope
    from services.input_files import resolve_input_path
    from services.proteins.metadata_loader import load_uniprot_metadata

    with session_scope() as session:
        path = str(resolve_input_path(args.path, "UniProt metadata file", confined=False))
        r = load_uniprot_metadata(session, path, local_identity())
    return _emit(args, r.as_dict(), f"{r.entries:,} metadata rows ({r.inserted:,} new, {r.updated:,} updated)")


def _fetch_uniprot(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db.engine import session_scope
    from services.proteins.uniprot_fetch import fetch_uniprot

    with session_scope() as session:
        r = fetch_uniprot(session, args.query, local_identity(), limit=args.limit, base_url=args.base_url)
    return _emit(
        args, r.as_dict(), f"{r.proteins:,} proteins fetched in {r.pages} page(s), {r.metadata:,} metadata rows"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("load-fasta", help="load a FASTA file (reference proteins or a query set)")
    p.add_argument("path")
    p.add_argument("--query-set", help="store the entries as a new query set with this name")
    p.add_argument("--description")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_load_fasta, min_role=Role.CURATOR)

    m = subparsers.add_parser("load-uniprot-metadata", help="load a UniProt TSV export into protein metadata")
    m.add_argument("path")
    m.add_argument("--json", action="store_true")
    m.set_defaults(handler=_load_metadata, min_role=Role.CURATOR)

    f = subparsers.add_parser("fetch-uniprot", help="fetch proteins (sequence + metadata) from UniProt REST")
    f.add_argument("query", help="a UniProtKB query, e.g. 'organism_id:559292 AND reviewed:true'")
    f.add_argument("--limit", type=int, help="stop after this many entries")
    f.add_argument("--base-url", help="UniProt REST base URL (default: the public service)")
    f.add_argument("--json", action="store_true")
    f.set_defaults(handler=_fetch_uniprot, min_role=Role.CURATOR)
