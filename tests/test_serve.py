"""``workbench serve`` stops everything it started: SIGTERM (or Ctrl-C) ends Streamlit and every worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.conftest import _free_port, _healthy
from tests.support.waiting import wait_for


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found |= {int(p) for p in text.split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_streamlit_and_its_workers(db_url, tmp_path, how) -> None:
    port = _free_port()
    imports = tmp_path / "imports"
    env = {**os.environ, "DATABASE_URL": db_url, "WORKBENCH_IMPORT_DIRS": str(imports)}
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _healthy(f"http://127.0.0.1:{port}"), timeout=90, message="the app to start")
        children = wait_for(lambda: len(_children(serve.pid)) == 3 and _children(serve.pid), message="3 children")
        assert imports.is_dir()  # created at start
        serve.send_signal(how)
        assert serve.wait(60) == 0
        assert not [c for c in children if _alive(c)], (tmp_path / "serve.log").read_text()
    finally:
        leftovers = _children(serve.pid) if serve.poll() is None else set()
        if serve.poll() is None:
            serve.kill()
            serve.wait()
        for child in leftovers:
            os.kill(child, signal.SIGKILL)
