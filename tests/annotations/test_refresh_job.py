"""Refresh as a background job on a real worker: it runs, and a worker killed mid-run changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from sqlalchemy import text

from services.annotations.refresh import refresh
from services.annotations.run_locks import LOST_REASON
from services.db.engine import get_engine, session_scope
from services.jobs import service
from services.jobs.recovery import recover_lost_jobs, sweep
from tests.conftest import REPO
from tests.support.annotation_releases import CURATOR, add_alleles, add_release, at, record
from tests.support.waiting import wait_for

FAST = {"WORKBENCH_HEARTBEAT_SECONDS": "0.5", "WORKBENCH_STALLED_SECONDS": "2"}


def _links() -> list[tuple]:
    with session_scope() as s:
        return [tuple(r) for r in s.execute(text("SELECT allele_id, value, valid_to FROM annotation_link ORDER BY id"))]


def _run_row(job_id) -> tuple | None:
    with session_scope() as s:
        row = s.execute(text("SELECT status, health FROM annotation_run WHERE job_id = :j"), {"j": job_id}).first()
        return None if row is None else tuple(row)


def _job(job_id):
    with session_scope() as s:
        return service.get_job(s, job_id)


def _blocked_on_links() -> int:
    with session_scope() as s:
        return s.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%UPDATE annotation_link%'"
            )
        )


def _setup(conn) -> None:
    with conn.begin():
        a, b, c = add_alleles(conn, 3)
        add_release(conn, "clinvar", "r1", {a: record("clinvar", 1), b: record("clinvar", 2), c: record("clinvar", 3)})
        add_release(conn, "clinvar", "r2", {a: record("clinvar", 4), c: record("clinvar", 3)})
    refresh(CURATOR, "clinvar", "r1", at=at(1))


def test_refresh_job_applies_on_a_worker(conn, start_worker) -> None:
    _setup(conn)
    with session_scope() as s:
        job = service.submit(s, "annotations.refresh", {"source": "clinvar", "release": "r2"}, CURATOR)
    start_worker()
    done = wait_for(lambda: _job(job.id) if _job(job.id).is_finished else None, message="refresh job")
    assert done.status == "succeeded" and done.findings["health"] == "healthy"
    assert done.findings["counts"]["superseded"] == 1 and done.findings["counts"]["retired"] == 1
    assert _run_row(job.id) == ("applied", "healthy")


def test_worker_killed_mid_run_leaves_links_untouched_and_run_partial(conn, start_worker) -> None:
    _setup(conn)
    before = _links()
    with get_engine().connect() as blocker:
        # Hold the links table so the run blocks inside its final (link-changing) transaction.
        blocker.execute(text("LOCK TABLE annotation_link IN SHARE MODE"))
        with session_scope() as s:
            job = service.submit(s, "annotations.refresh", {"source": "clinvar", "release": "r2"}, CURATOR)
        worker = start_worker(env=FAST)
        wait_for(_blocked_on_links, message="the run to reach its link changes")
        assert _run_row(job.id) == ("running", None)
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait()
        blocker.rollback()
    wait_for(
        lambda: recover_lost_jobs(stalled_after=2).failed or _job(job.id).is_finished,
        timeout=20,
        message="the dead worker's job to be recovered",
    )
    assert _job(job.id).error_code == "worker_lost"
    assert _run_row(job.id) == ("held", "partial")
    wait_for(lambda: _links() == before, timeout=10, message="the killed run's transaction to roll back")
    assert _links() == before


def _cli_run_row() -> tuple | None:
    """The latest run started without a job (from the CLI)."""
    with session_scope() as s:
        row = s.execute(
            text(
                "SELECT status, health, health_reasons FROM annotation_run WHERE job_id IS NULL "
                "ORDER BY id DESC LIMIT 1"
            )
        ).first()
        return None if row is None else tuple(row)


def test_cli_refresh_killed_with_sigkill_is_ended_by_the_sweep(conn, db_url, tmp_path) -> None:
    """A ``workbench refresh`` process killed mid-run: no worker, no job — the sweep still ends its run."""
    _setup(conn)
    before = _links()
    log = (tmp_path / "refresh.log").open("w")
    with get_engine().connect() as blocker:
        blocker.execute(text("LOCK TABLE annotation_link IN SHARE MODE"))
        cli = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "refresh", "clinvar", "--release", "r2"],
            cwd=REPO,
            env={**os.environ, "DATABASE_URL": db_url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(_blocked_on_links, message="the CLI run to reach its link changes")
            assert _cli_run_row()[:2] == ("running", None)
            assert sweep().records["annotation_run"] == 0  # alive: it holds its source's lock
            os.kill(cli.pid, signal.SIGKILL)
            cli.wait()
        finally:
            blocker.rollback()
    wait_for(lambda: sweep().records["annotation_run"], timeout=10, message="the sweep to end the dead run")
    assert _cli_run_row() == ("held", "partial", [LOST_REASON])
    wait_for(lambda: _links() == before, timeout=10, message="the killed run's transaction to roll back")
