"""Test fixtures on real parts: one PostgreSQL server per test session, a template database migrated once,
and a fresh copy of it per test (``db_url``). Set ``DATABASE_URL`` to run against another server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from services.composition import load_operations
from services.db import embedded, migrate
from services.db.engine import _engine_for

# The test session is a composition root too: the domains' operations (and the test-only ones) are registered
# once, as the worker, the app and the CLI do at their start.
load_operations(("tests.support.operations",))

TEMPLATE = "workbench_template"
REPO = Path(__file__).resolve().parent.parent
E2E = REPO / "tests" / "e2e"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every browser test (tests/e2e) carries the ``e2e`` marker: ``-m "not e2e"`` is the fast loop."""
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """Admin URL of the test server: ``$DATABASE_URL`` or an embedded server in a temp dir."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield external
        return
    tmp = Path(tempfile.mkdtemp(prefix="workbench-test-"))
    datadir = tmp / "pg"
    url = embedded.start_detached(datadir)
    try:
        yield url
    finally:
        embedded.stop(datadir)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def template_url(server_url: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    url = _with_database(server_url, TEMPLATE)
    migrate.upgrade(url)
    _engine_for(url).dispose()
    return url


@pytest.fixture
def db_url(server_url: str, template_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, fully migrated database for this test; every service in this process uses it."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    url = _with_database(server_url, name)
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        yield url
    finally:
        _engine_for(url).dispose()
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def session(db_url: str):
    from services.db.engine import session_scope

    with session_scope(db_url) as s:
        yield s


class WorkerProcess:
    """A real ``workbench worker`` subprocess on the test database."""

    def __init__(self, db_url: str, *extra_args: str, env: dict[str, str] | None = None, test_operations: bool = True):
        full_env = {**os.environ, "DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.log = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False)
        plugins = ["--import-module", "tests.support.operations"] if test_operations else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "worker", *plugins, *extra_args],
            cwd=REPO,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@pytest.fixture
def start_worker(db_url: str):
    """Factory starting real worker subprocesses; all are stopped after the test."""
    workers: list[WorkerProcess] = []

    def start(*extra_args: str, env: dict[str, str] | None = None, test_operations: bool = True) -> WorkerProcess:
        worker = WorkerProcess(db_url, *extra_args, env=env, test_operations=test_operations)
        workers.append(worker)
        return worker

    yield start
    for w in workers:
        w.stop()
