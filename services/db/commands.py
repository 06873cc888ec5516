"""``workbench db …`` (start, stop, url, migrate)."""

from __future__ import annotations

import argparse

from services import config


def _start(args: argparse.Namespace) -> int:
    from services.db import embedded, migrate

    url = config.external_database_url() or embedded.start_detached()
    migrate.upgrade(url)
    print(url)
    return 0


def _stop(args: argparse.Namespace) -> int:
    from services.db import embedded

    if config.external_database_url():
        print("DATABASE_URL is set: the external server is not ours to stop")
        return 0
    print("stopped" if embedded.stop() else "no embedded server was running")
    return 0


def _url(args: argparse.Namespace) -> int:
    from services.db.engine import database_url

    print(database_url())
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from services.db import migrate

    if args.downgrade:
        migrate.downgrade(revision=args.downgrade)
    else:
        migrate.upgrade(revision=args.revision)
    print(migrate.current_revision() or "base")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="the database server").add_subparsers(dest="db_command", required=True)
    db.add_parser("start", help="start the embedded server (detached), migrate, print the URL").set_defaults(
        handler=_start
    )
    db.add_parser("stop", help="stop the embedded server").set_defaults(handler=_stop)
    db.add_parser("url", help="print the database URL").set_defaults(handler=_url)
    mig = db.add_parser("migrate", help="migrate to head (or to --revision / --downgrade)")
    mig.add_argument("--revision", default="head")
    mig.add_argument("--downgrade", metavar="REV")
    mig.set_defaults(handler=_migrate)
