"""``workbench serve``: database up and migrated, one worker, and Streamlit — the README's run command.

Contract: the app binds to a loopback address unless OIDC is configured; a non-loopback address without
auth is refused before anything starts.
"""

from __future__ import annotations

import argparse
import ipaddress
import subprocess
import sys

from services import config
from services.auth.identity import Role
from services.auth.oidc import auth_configured
from services.errors import InvalidInput


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def check_bind_address(address: str, auth: bool) -> None:
    if not is_loopback(address) and not auth:
        raise InvalidInput(
            f"refusing to listen on {address} without authentication: configure OIDC in .streamlit/secrets.toml "
            "or use 127.0.0.1"
        )


def _serve(args: argparse.Namespace) -> int:
    from services.auth import local_identity
    from services.db import embedded, migrate

    check_bind_address(args.address, auth_configured())
    url = config.external_database_url()
    if url is None:
        embedded.start_detached()
        url = embedded.app_url()
    migrate.ensure_current(local_identity(), url)
    print(f"database: {url}", flush=True)
    workers = [
        subprocess.Popen([sys.executable, "-m", "services.cli", "worker"], cwd=config.REPO_ROOT)
        for _ in range(args.workers)
    ]
    try:
        return subprocess.call(
            [
                sys.executable,
                "-m",
                "pages.ui.launcher",
                "run",
                str(config.REPO_ROOT / "app.py"),
                "--server.address",
                args.address,
                "--server.port",
                str(args.port),
                "--server.headless",
                "true",
            ],
            cwd=config.REPO_ROOT,
        )
    except KeyboardInterrupt:
        return 0
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(30)


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="start the database, a worker and the web app")
    serve.add_argument("--address", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve, min_role=Role.VIEWER, mutating=False)
