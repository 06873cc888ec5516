"""``workbench refresh`` and ``workbench allele``: thin shells over the lifecycle and read-path services.

Exit codes of ``refresh``: 0 applied (healthy), 3 held (unhealthy or braked), 1 errored, 4 already applied.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from services.auth.identity import Role

EXIT_ALREADY_APPLIED = 4


def _refresh(args: argparse.Namespace) -> int:
    from services.annotations.refresh import AlreadyApplied, refresh
    from services.auth import local_identity
    from services.console import print_json

    try:
        result = refresh(
            local_identity(), args.source, args.release, args.genome, force=args.force, dry_run=args.dry_run
        )
    except AlreadyApplied as exc:
        if args.json:
            print_json({"error": str(exc), "code": exc.code})
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ALREADY_APPLIED
    if args.json:
        print_json(result.as_json())
    else:
        what = "dry run" if result.dry_run else f"run #{result.run_id}"
        counts = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
        print(f"{what}: {result.source} {result.release} ({result.genome}) {result.health}, {result.status}; {counts}")
        for reason in result.reasons:
            print(f"  {reason}")
        if result.error:
            print(f"error: {result.error}", file=sys.stderr)
    return result.exit_code


def _allele(args: argparse.Namespace) -> int:
    from services.annotations.allele_view import allele_report
    from services.console import print_json
    from services.db.engine import session_scope
    from services.errors import InvalidInput

    as_of = None
    if args.as_of:
        try:
            as_of = datetime.fromisoformat(args.as_of)
        except ValueError as exc:
            raise InvalidInput(f"--as-of {args.as_of!r} is not an ISO 8601 date or time") from exc
        if as_of.tzinfo is None:
            from datetime import UTC

            as_of = as_of.replace(tzinfo=UTC)
    with session_scope() as session:
        report = allele_report(session, args.allele, args.genome, as_of=as_of)
    if args.json:
        print_json(report.as_json())
        return 0
    print(f"{report.allele.label} ({report.allele.genome_build}, id {report.allele.id}) — display: {report.display}")
    for source, current in report.current.items():
        shown = "—" if current is None else (current.value if current.shown else current.note)
        suffix = f"  [{current.note}]" if current is not None and current.shown else ""
        print(f"  {source}: {shown}{suffix}")
    for e in report.events:
        print(f"  {e.at:%Y-%m-%d %H:%M} {e.source:<10} {e.kind:<10} run #{e.run_id}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    refresh = subparsers.add_parser(
        "refresh",
        help="apply a source release to the annotation links (exit 0 applied, 3 held, 1 errored, 4 already applied)",
    )
    refresh.add_argument("source", help="source name, e.g. clinvar, gnomad, vep")
    refresh.add_argument("--release", required=True, help="the release version to apply")
    refresh.add_argument("--genome", default="GRCh38")
    refresh.add_argument("--force", action="store_true", help="re-apply to alleles this release has seen already")
    refresh.add_argument("--dry-run", action="store_true", help="compute counts and changes, apply nothing")
    refresh.add_argument("--json", action="store_true")
    refresh.set_defaults(handler=_refresh, min_role=Role.CURATOR)

    allele = subparsers.add_parser("allele", help="an allele's current annotation, links and events")
    allele.add_argument("allele", help="CHROM-POS-REF-ALT (e.g. chr1-12345-A-G) or an allele id")
    allele.add_argument("--genome", default="GRCh38")
    allele.add_argument("--as-of", help="an ISO 8601 instant: the state at that time")
    allele.add_argument("--json", action="store_true")
    allele.set_defaults(handler=_allele, min_role=Role.VIEWER, mutating=False)
