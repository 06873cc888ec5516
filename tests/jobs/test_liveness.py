"""Nothing left "running" (issue 12) and the worker's error boundary, on real workers and real SIGKILLs.

- an operation the worker does not know fails its job at once (never ``running``);
- an unexpected exception is one line for users and a traceback in the worker's log;
- a worker that starts recovers a SIGKILLed worker's job at once, although its heartbeat is still fresh;
- a CLI load killed with SIGKILL is ended ``failed`` with the reason by the sweep (and a live one is not);
- every table with a ``running`` state has a sweep;
- a worker survives a database outage and serves again; past its reconnect window it exits 1;
- ``workbench serve``'s supervisor restarts a dead worker, with back-off.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from sqlalchemy import text

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.jobs import service
from services.jobs.errors import UnknownOperation
from services.jobs.leases import registered_sweeps
from services.jobs.recovery import sweep
from services.supervisor import WorkerSupervisor
from services.variants.loader import DEAD_LOAD_MESSAGE
from tests.conftest import REPO
from tests.support.vcf_files import DATA
from tests.support.waiting import wait_for

CURATOR = Identity("carol", Role.CURATOR)


def _submit(operation: str, payload: dict) -> uuid.UUID:
    with session_scope() as s:
        return service.submit(s, operation, payload, CURATOR).id


def _job(job_id: uuid.UUID) -> service.JobView:
    with session_scope() as s:
        return service.get_job(s, job_id)


def _events(job_id: uuid.UUID) -> list[service.EventView]:
    with session_scope() as s:
        return service.job_events(s, job_id)


def _finished(job_id: uuid.UUID) -> service.JobView | None:
    job = _job(job_id)
    return job if job.is_finished else None


# -- the runner ------------------------------------------------------------------------------------------------


def test_unknown_operation_fails_the_job_without_running_it(db_url, start_worker) -> None:
    job_id = _submit("test.count_slowly", {"steps": 1})
    start_worker(test_operations=False)  # this worker was not told about the test operations
    job = wait_for(lambda: _finished(job_id), message="the job of an unknown operation to fail")
    assert (job.status, job.error_code, job.started_at) == ("failed", "unknown_operation", None)
    assert job.error_message.startswith("unknown operation 'test.count_slowly'; known operations: ")
    assert [e.kind for e in _events(job_id)] == ["queued", "failed"]
    # The worker goes on serving the operations it knows.
    known = _submit("db.maintenance", {"vacuum": False})
    assert wait_for(lambda: _finished(known), message="a known operation").status == "succeeded"


def test_submitting_an_unknown_operation_is_refused_in_one_sentence(db_url) -> None:
    with session_scope() as s, pytest.raises(UnknownOperation, match=r"^unknown operation 'nope'; known operations"):
        service.submit(s, "nope", {}, CURATOR)


def test_unexpected_exception_is_one_line_for_users_and_a_traceback_in_the_worker_log(db_url, start_worker) -> None:
    message = 'relation "gone" does not exist\nLINE 1: SELECT * FROM gone\n              ^'
    job_id = _submit("test.fail", {"crash": True, "crash_message": message})
    worker = start_worker()
    job = wait_for(lambda: _finished(job_id), message="the crashing job")
    assert (job.status, job.error_code) == ("failed", "internal_error")
    assert job.error_message == (
        "Fail on purpose (test) stopped on an unexpected error "
        '(RuntimeError: relation "gone" does not exist); the worker log has the details'
    )
    assert _events(job_id)[-1].message == job.error_message
    log = wait_for(lambda: "Traceback" in (out := worker.output()) and out, message="the traceback in the log")
    assert "LINE 1: SELECT * FROM gone" in log and str(job_id) in log


# -- start-up recovery -------------------------------------------------------------------------------------------


def test_a_starting_worker_recovers_a_killed_workers_job_at_once(db_url, start_worker) -> None:
    slow = {"WORKBENCH_STALLED_SECONDS": "300"}  # by heartbeat alone the job would wait five minutes
    job_id = _submit("test.count_slowly", {"steps": 10_000, "delay": 0.05})
    first = start_worker(env=slow)
    wait_for(lambda: _job(job_id).progress_current > 0, message="the job to run")
    os.kill(first.proc.pid, signal.SIGKILL)
    first.proc.wait()
    with session_scope() as s:  # procrastinate still counts the dead worker as alive: its heartbeat is fresh
        fresh = "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - '60 s'::interval"
        assert s.scalar(text(fresh))
    assert _job(job_id).status == "running"
    started = time.monotonic()
    second = start_worker(env=slow)
    job = wait_for(lambda: _finished(job_id), timeout=45, message="start-up recovery")
    assert time.monotonic() - started < 45
    assert (job.status, job.error_code) == ("failed", "worker_lost")
    assert [e.kind for e in _events(job_id)][-2:] == ["failed", "released"]  # its on_lost hook ran
    assert "recovered lost jobs" in second.output()


def test_the_sweep_leaves_a_live_workers_job_alone(db_url, start_worker) -> None:
    job_id = _submit("test.count_slowly", {"steps": 200, "delay": 0.05})
    start_worker()
    wait_for(lambda: _job(job_id).progress_current > 0, message="the job to run")
    result = sweep(stalled_after=0)  # even with every heartbeat counted as stale: the job's lease is held
    assert job_id not in result.failed + result.requeued
    assert wait_for(lambda: _finished(job_id), message="the job to finish").status == "succeeded"


# -- records of CLI runs -------------------------------------------------------------------------------------------


def _audit(db_url: str) -> list[tuple]:
    with psycopg.connect(db_url) as conn:
        return conn.execute("SELECT status, error_message, finished_at IS NOT NULL FROM variant_load_audit").fetchall()


def _blocked_on_lock(db_url: str) -> bool:
    with psycopg.connect(db_url) as conn:
        return bool(
            conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
        )


def test_a_cli_load_killed_with_sigkill_is_failed_by_the_sweep(db_url, tmp_path) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute("INSERT INTO samples (external_id) VALUES ('S1')")
    # Hold sample S1 so that the load blocks inside its transaction, its audit row ``running``.
    blocker = psycopg.connect(db_url)
    blocker.execute("SELECT 1 FROM samples WHERE external_id = 'S1' FOR UPDATE")
    log = (tmp_path / "load.log").open("w")
    load = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "load-vcf", str(DATA / "vep_cases.vcf")],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": db_url},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: _blocked_on_lock(db_url), message="the load to block inside its transaction")
        assert [row[0] for row in _audit(db_url)] == ["running"]
        assert sweep().records["variant_load_audit"] == 0  # alive: its process holds the lease
        assert [row[0] for row in _audit(db_url)] == ["running"]
        os.kill(load.pid, signal.SIGKILL)
        load.wait()
    finally:
        try:
            os.killpg(load.pid, signal.SIGKILL)  # its parser processes, if any are left
        except ProcessLookupError:
            pass
        blocker.rollback()
        blocker.close()
    wait_for(lambda: sweep().records["variant_load_audit"], timeout=10, message="the sweep to end the dead load")
    assert _audit(db_url) == [("failed", DEAD_LOAD_MESSAGE, True)]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM variants").fetchone()[0] == 0


def test_every_record_with_a_running_state_has_a_sweep(db_url) -> None:
    """Embedding vectors and prediction sets are written in the transaction that makes them visible: they have
    no ``running`` state to leave behind. A table that gains one must register a sweep (or be a status that a
    person sets, like an experiment run's)."""
    with session_scope() as s:
        tables = s.scalars(
            text(
                "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
                "WHERE contype = 'c' AND pg_get_constraintdef(oid) LIKE '%''running''%'"
            )
        ).all()
    # An experiment run is "running" by a lead's decision (planned -> running -> done), not because a process
    # holds it: no process can die with it, so it needs no sweep.
    by_decision = {"experiment_run"}
    assert set(tables) == {"job"} | {s.table for s in registered_sweeps()} | by_decision
    assert {s.table for s in registered_sweeps()} == {"variant_load_audit", "annotation_run"}


# -- database outages -------------------------------------------------------------------------------------------


def _database_open(server_url: str, db_url: str, open_: bool) -> None:
    """Refuse (and cut) or allow connections to the test database: an outage that spares the other tests."""
    name = urlsplit(db_url).path.lstrip("/")
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if open_ else "false"}')
        if not open_:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )


def test_a_worker_reconnects_after_a_database_outage(db_url, server_url, start_worker) -> None:
    worker = start_worker(env={"WORKBENCH_WORKER_RECONNECT_SECONDS": "120", "WORKBENCH_HEARTBEAT_SECONDS": "1"})
    before = _submit("test.count_slowly", {"steps": 1, "delay": 0})
    assert wait_for(lambda: _finished(before), message="a job before the outage").status == "succeeded"
    _database_open(server_url, db_url, False)
    try:
        wait_for(lambda: "database unreachable" in worker.output(), timeout=90, message="the outage noticed")
        time.sleep(2)
        assert worker.proc.poll() is None, worker.output()
    finally:
        _database_open(server_url, db_url, True)
    after = _submit("test.count_slowly", {"steps": 1, "delay": 0})
    assert wait_for(lambda: _finished(after), timeout=60, message="a job after the outage").status == "succeeded"
    assert worker.proc.poll() is None and "the database is back" in worker.output()


def test_a_worker_gives_up_after_its_reconnect_window(db_url, server_url, start_worker) -> None:
    worker = start_worker(env={"WORKBENCH_WORKER_RECONNECT_SECONDS": "3", "WORKBENCH_HEARTBEAT_SECONDS": "1"})
    wait_for(lambda: "Starting worker" in worker.output(), message="the worker to start")
    _database_open(server_url, db_url, False)
    try:
        assert worker.proc.wait(90) == 1
    finally:
        _database_open(server_url, db_url, True)
    assert "the worker gives up" in worker.output()


# -- the serve supervisor ------------------------------------------------------------------------------------------


def test_the_supervisor_restarts_a_killed_worker(db_url) -> None:
    command = [sys.executable, "-m", "services.cli", "worker", "--import-module", "tests.support.operations"]
    env = {**os.environ, "DATABASE_URL": db_url}
    supervisor = WorkerSupervisor(command, 1, cwd=REPO, env=env, first_backoff=0.5).start()
    try:
        first = supervisor.pids()[0]
        assert first is not None
        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: (pid := supervisor.pids()[0]) not in (None, first) and pid, message="a new worker")
        assert supervisor.restarts == 1
        job_id = _submit("test.count_slowly", {"steps": 1, "delay": 0})
        assert wait_for(lambda: _finished(job_id), timeout=60, message="the new worker's job").status == "succeeded"
        assert supervisor.pids() == [second]
    finally:
        supervisor.stop(timeout=20)
    assert supervisor.pids() == [None]


def test_the_supervisor_backs_off_a_worker_that_keeps_dying() -> None:
    supervisor = WorkerSupervisor(
        [sys.executable, "-c", "raise SystemExit(1)"], 1, first_backoff=0.2, max_backoff=0.8, steady_after=60
    ).start()
    try:
        wait_for(lambda: len(supervisor.slots[0].starts) >= 5, timeout=30, message="five starts")
    finally:
        supervisor.stop(timeout=5)
    starts = supervisor.slots[0].starts
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    # 0.2, 0.4, 0.8, 0.8 s of back-off (plus the process's own life and the 0.2 s poll)
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4 and gaps[2] >= 0.8 and gaps[3] >= 0.8
    assert gaps[3] < 0.8 + 3.0  # capped at max_backoff


def _worker_children(pid: int) -> list[int]:
    """Live child processes of ``pid`` that run ``services.cli worker`` (children of any of its threads)."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += (task / "children").read_text().split()
        except FileNotFoundError:
            continue
    workers = []
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{child}/stat").read_text().split()[2]
        except FileNotFoundError:
            continue
        if b"worker" in cmdline and state != "Z":
            workers.append(int(child))
    return workers


def test_workbench_serve_restarts_a_dead_worker(db_url, tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": db_url},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        (first,) = wait_for(lambda: _worker_children(serve.pid), message="serve's worker")
        os.kill(first, signal.SIGKILL)
        (second,) = wait_for(
            lambda: (w := _worker_children(serve.pid)) and w != [first] and w,
            timeout=30,
            message=f"a new worker (serve exited: {serve.poll()})",
        )
        assert second != first
        assert "starting it again" in (tmp_path / "serve.log").read_text()
    finally:
        os.killpg(serve.pid, signal.SIGINT)  # what Ctrl-C does
        try:
            serve.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()


def test_jobs_sweep_command(db_url, capsys, monkeypatch) -> None:
    from services.cli import main

    with psycopg.connect(db_url) as conn:  # what a load killed before this change would have left behind
        conn.execute(
            "INSERT INTO variant_load_audit (load_batch_id, file_path, file_name, genome_build, status, is_reload, "
            "tool_versions, consequence_fields, records_total, variants_loaded, variants_skipped, skip_reasons, "
            "warnings, samples_count, loaded_by) VALUES (gen_random_uuid(), '/x.vcf', 'x.vcf', 'GRCh38', "
            "'running', false, '{}', '{}', 0, 0, 0, '{}', '[]', 0, 'cur')"
        )
    monkeypatch.setenv("WORKBENCH_ROLE", "viewer")
    assert main(["jobs", "sweep"]) == 1
    assert "viewer" in capsys.readouterr().err
    monkeypatch.setenv("WORKBENCH_ROLE", "curator")
    assert main(["jobs", "sweep"]) == 0
    assert capsys.readouterr().out.strip() == "jobs failed: 0, re-queued: 0; records ended: 1 in variant_load_audit"
    assert _audit(db_url) == [("failed", DEAD_LOAD_MESSAGE, True)]


def _queue_entry(job_id: uuid.UUID, status: str) -> None:
    """Put a Job's queue entry in the state a worker that died (or lost its database) between fetch and claim
    leaves it in: ``doing`` with its worker pruned (``worker_id`` NULL), or ``failed`` by procrastinate."""
    with session_scope() as s:
        s.execute(
            text(
                "UPDATE procrastinate_jobs SET status = CAST(:status AS procrastinate_job_status), worker_id = NULL "
                "WHERE id = (SELECT procrastinate_job_id FROM job WHERE id = :id)"
            ),
            {"status": status, "id": job_id},
        )


def test_a_job_taken_but_never_started_runs_or_fails_instead_of_waiting_forever(db_url, start_worker) -> None:
    stranded = _submit("test.count_slowly", {"steps": 1, "delay": 0})
    unstartable = _submit("test.count_slowly", {"steps": 1, "delay": 0})
    _queue_entry(stranded, "doing")
    _queue_entry(unstartable, "failed")
    result = sweep()
    assert result.failed == [unstartable]
    job = _job(unstartable)
    assert (job.status, job.error_code, job.started_at) == ("failed", "worker_lost", None)
    assert job.error_message.startswith("a worker took this job but could not start it")
    assert _job(stranded).status == "queued"
    start_worker()
    assert wait_for(lambda: _finished(stranded), message="the stranded job to run").status == "succeeded"


def test_a_cli_load_cut_off_by_a_database_outage_is_failed_by_the_sweep(db_url, server_url, tmp_path) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute("INSERT INTO samples (external_id) VALUES ('S1')")
    blocker = psycopg.connect(db_url)
    blocker.execute("SELECT 1 FROM samples WHERE external_id = 'S1' FOR UPDATE")
    load = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "load-vcf", str(DATA / "vep_cases.vcf")],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": db_url},
        stdout=(tmp_path / "load.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_for(lambda: _blocked_on_lock(db_url), message="the load to block inside its transaction")
    _database_open(server_url, db_url, False)  # cuts the load's connections (and the blocker's)
    try:
        assert load.wait(60) != 0  # it could not even record its own failure
    finally:
        _database_open(server_url, db_url, True)
        blocker.close()
    assert [row[0] for row in _audit(db_url)] == ["running"]
    assert sweep().records["variant_load_audit"] == 1
    assert _audit(db_url) == [("failed", DEAD_LOAD_MESSAGE, True)]
