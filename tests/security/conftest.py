"""Fixtures of the security tests: the AppTest ``app`` fixture of the page tests, and a private embedded server
run the way an install runs it (its app role, its ``pg_hba.conf``), for the least-privilege and the
``db stop``/``db migrate`` checks that need a real embedded cluster rather than the shared test server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.db import embedded, migrate
from services.db.engine import _engine_for
from tests.pages.conftest import app  # noqa: F401 - re-exported fixture

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def own_server() -> Iterator[Path]:
    """The data folder of a fresh embedded cluster, migrated to head through its app role (as a lead would)."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is set: the embedded server is not in use")
    tmp = Path(tempfile.mkdtemp(prefix="workbench-sec-"))
    datadir = tmp / "pg"
    embedded.start_detached(datadir)
    url = embedded.app_url(datadir)
    migrate.upgrade(url)
    _engine_for(url).dispose()
    try:
        yield datadir
    finally:
        embedded.stop(datadir)
        shutil.rmtree(tmp, ignore_errors=True)


def workbench(datadir: Path, *args: str, role: str = "lead", **env: str) -> subprocess.CompletedProcess:
    """The real ``workbench`` command on ``datadir``'s embedded server, as a separate process."""
    full = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    full |= {"WORKBENCH_DATA_DIR": str(datadir), "WORKBENCH_ROLE": role, **env}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args], cwd=REPO, env=full, capture_output=True, text=True, timeout=120
    )
