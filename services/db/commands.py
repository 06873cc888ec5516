"""``workbench db …`` (start, stop, url, migrate) and ``workbench maintenance``."""

from __future__ import annotations

import argparse

from services import config
from services.auth.identity import Role


def _start(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db import embedded, migrate

    url = config.external_database_url()
    if url is None:
        embedded.start_detached()
        url = embedded.app_url()
    migrate.ensure_current(local_identity(), url)
    print(url)
    return 0


def _stop(args: argparse.Namespace) -> int:
    from services.db import embedded

    if config.external_database_url():
        print("DATABASE_URL is set: the external server is not ours to stop")
        return 0
    from services.auth import local_identity

    print("stopped" if embedded.stop_server(local_identity()) else "no embedded server was running")
    return 0


def _url(args: argparse.Namespace) -> int:
    from services.db.engine import database_url

    print(database_url())
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db import migrate

    migrate.migrate_as(local_identity(), revision=args.revision, downgrade_to=args.downgrade)
    print(migrate.current_revision() or "base")
    return 0


def _maintenance(args: argparse.Namespace) -> int:
    from services.auth import Role, local_identity, require
    from services.cli import print_json
    from services.db.maintenance import run_maintenance
    from services.jobs.progress import ProgressReporter

    require(local_identity(), Role.CURATOR, "run database maintenance")
    result = run_maintenance(args.vacuum, ProgressReporter(None))
    if args.json:
        print_json(result)
    else:
        print(f"{result['action']}: {result['tables']} tables, {result['total_bytes'] / 1e6:.1f} MB in all")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="the database server").add_subparsers(dest="db_command", required=True)
    start = db.add_parser("start", help="start the embedded server (detached), migrate, print the URL")
    start.set_defaults(handler=_start, min_role=Role.LEAD)
    db.add_parser("stop", help="stop the embedded server").set_defaults(handler=_stop, min_role=Role.LEAD)
    db.add_parser("url", help="print the database URL (the schema owner's: leads only)").set_defaults(
        handler=_url, min_role=Role.LEAD, mutating=False
    )
    mig = db.add_parser("migrate", help="migrate to head (or to --revision / --downgrade)")
    mig.add_argument("--revision", default="head")
    mig.add_argument("--downgrade", metavar="REV")
    mig.set_defaults(handler=_migrate, min_role=Role.LEAD)

    maint = subparsers.add_parser("maintenance", help="ANALYZE (or VACUUM) the workbench tables now")
    maint.add_argument("--vacuum", action="store_true")
    maint.add_argument("--json", action="store_true")
    maint.set_defaults(handler=_maintenance, min_role=Role.CURATOR)
