"""``workbench maintenance``: ANALYZE (or VACUUM) the workbench tables now."""

from __future__ import annotations

import argparse

from services.auth.identity import Role


def _maintenance(args: argparse.Namespace) -> int:
    from services.auth import Role, local_identity, require
    from services.console import print_json
    from services.jobs.progress import ProgressReporter
    from services.maintenance.service import run_maintenance

    require(local_identity(), Role.CURATOR, "run database maintenance")
    result = run_maintenance(args.vacuum, ProgressReporter(None))
    if args.json:
        print_json(result)
    else:
        print(f"{result['action']}: {result['tables']} tables, {result['total_bytes'] / 1e6:.1f} MB in all")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    maint = subparsers.add_parser("maintenance", help="ANALYZE (or VACUUM) the workbench tables now")
    maint.add_argument("--vacuum", action="store_true")
    maint.add_argument("--json", action="store_true")
    maint.set_defaults(handler=_maintenance, min_role=Role.CURATOR)
