"""Helpers for the hardening tests: run the CLI as a user would, and count every table's rows."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from services.cli import main
from tests.pages.conftest import app  # noqa: F401 - the AppTest factory, for the app's error boundary

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "variants" / "data"


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def one_error_line(self) -> str:
        """The single ``error: …`` line on stderr (asserting there is exactly one and no traceback)."""
        assert "Traceback" not in self.text, self.text
        lines = [line for line in self.err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:") or "error:" in line]
        assert len(errors) == 1, self.err
        return errors[0]


@pytest.fixture
def cli(db_url, capsys, tmp_path, monkeypatch):
    """``cli(*args)`` runs ``services.cli.main`` in this process on the test database; argparse's exit
    becomes the code. Unexpected errors are logged to a file under ``tmp_path`` (``$WORKBENCH_LOG_FILE``)."""
    monkeypatch.setenv("WORKBENCH_LOG_FILE", str(tmp_path / "logs" / "workbench.log"))

    def run(*args: str) -> Outcome:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli_process(db_url, tmp_path):
    """``cli_process(*args, env=…)`` runs ``python -m services.cli`` as a subprocess (a real terminal user)."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Outcome:
        full_env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "PYTHONPATH": str(REPO),
            "WORKBENCH_LOG_FILE": str(tmp_path / "logs" / "workbench.log"),
            **(env or {}),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "services.cli", *map(str, args)],
            cwd=REPO,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Outcome(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def table_counts(db_url):
    """``table_counts()`` → {table: rows} for every ordinary table of the schema (partitions counted through
    their parent), so a test can assert that a refused input wrote nothing anywhere."""

    def count() -> dict[str, int]:
        with psycopg.connect(db_url) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
                    "ORDER BY 1"
                )
            ]
            # Page views are counted in the background (services/usage/recorder.py); an AppTest script thread of an
            # earlier test may record one late, into whichever database is current then. Loads never write them.
            tables = [t for t in tables if t not in ("visitor_event", "visitor_daily_salt")]
            return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}

    return count


def without_audit(counts: dict[str, int]) -> dict[str, int]:
    """Counts less the load audit, whose one row per attempt records a refused load on purpose."""
    return {t: n for t, n in counts.items() if t != "variant_load_audit"}
