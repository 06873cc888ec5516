"""``workbench serve``: database up and migrated, one worker, and Streamlit — the README's run command.

Contract: the app binds to a loopback address unless OIDC is configured; a non-loopback address without
auth is refused before anything starts. The workers are supervised (``services.supervisor``): one that dies
is started again with back-off, for as long as the app runs. Ctrl-C, SIGTERM or SIGHUP on ``workbench serve``
stops Streamlit and every worker it started (each is asked to stop, then killed after ``STOP_GRACE_SECONDS``);
the embedded database keeps running until ``workbench db stop``.
"""

from __future__ import annotations

import argparse
import ipaddress
import signal
import subprocess
import sys

from services import config
from services.auth.identity import Role
from services.auth.oidc import auth_configured
from services.errors import InvalidInput
from services.input_files import ensure_import_folders
from services.supervisor import WorkerSupervisor


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


STOP_GRACE_SECONDS = 30.0


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM/SIGHUP end ``serve`` like Ctrl-C does, so its ``finally`` stops the children."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def stop_on_signals() -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)


def stop_children(children: list[subprocess.Popen], grace: float = STOP_GRACE_SECONDS) -> None:
    """Ask every child still running to stop (SIGTERM), wait up to ``grace`` seconds, then kill the rest."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(grace)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


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
    ensure_import_folders()
    stop_on_signals()
    children: list[subprocess.Popen] = []
    workers = WorkerSupervisor(
        [sys.executable, "-m", "services.cli", "worker"], args.workers, cwd=config.REPO_ROOT
    ).start()
    try:
        app = subprocess.Popen(
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
        children.insert(0, app)
        return app.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second Ctrl-C must not orphan a child
            signal.signal(sig, signal.SIG_IGN)
        workers.stop(timeout=STOP_GRACE_SECONDS)
        stop_children(children)


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="start the database, a worker and the web app")
    serve.add_argument("--address", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve, min_role=Role.VIEWER, mutating=False)
