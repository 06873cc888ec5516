"""The job engine on a real worker: submit → run → outcome with events; failures; cancel; a killed worker."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.errors import PermissionDenied
from services.jobs import service
from services.jobs.recovery import recover_lost_jobs
from tests.support import operations as _test_ops  # noqa: F401  (registers test operations here too)
from tests.support.waiting import wait_for

CURATOR = Identity("carol", Role.CURATOR)
VIEWER = Identity("victor", Role.VIEWER)


def _job(job_id: uuid.UUID) -> service.JobView:
    with session_scope() as s:
        return service.get_job(s, job_id)


def _events(job_id: uuid.UUID) -> list[str]:
    with session_scope() as s:
        return [e.kind for e in service.job_events(s, job_id)]


def _submit(operation: str, payload: dict, who: Identity = CURATOR) -> uuid.UUID:
    with session_scope() as s:
        return service.submit(s, operation, payload, who).id


def _finished(job_id: uuid.UUID):
    job = _job(job_id)
    return job if job.is_finished else None


def test_maintenance_job_succeeds_on_a_real_worker(db_url, start_worker) -> None:
    job_id = _submit("db.maintenance", {"vacuum": False})
    assert _job(job_id).status == "queued"
    start_worker()
    job = wait_for(lambda: _finished(job_id), message="maintenance job to finish")
    assert job.status == "succeeded"
    assert job.findings["tables"] >= 5
    assert any(s["table"] == "job" for s in job.findings["sizes"])
    assert job.progress_current == job.progress_total == job.findings["tables"]
    assert _events(job_id)[:2] == ["queued", "started"]
    assert _events(job_id)[-1] == "succeeded"
    assert job.started_at is not None and job.finished_at >= job.started_at


def test_failing_task_records_its_error(db_url, start_worker) -> None:
    refused = _submit("test.fail", {"reason": "line 7: POS is not a number"})
    crashed = _submit("test.fail", {"crash": True})
    start_worker()
    job = wait_for(lambda: _finished(refused), message="failing job")
    assert (job.status, job.error_code, job.error_message) == (
        "failed",
        "invalid_input",
        "line 7: POS is not a number",
    )
    with session_scope() as s:
        last = service.job_events(s, refused)[-1]
    assert last.kind == "failed" and "POS is not a number" in last.message
    job = wait_for(lambda: _finished(crashed), message="crashing job")
    assert job.status == "failed" and job.error_code == "internal_error" and "boom" in job.error_message


def test_cancel_queued_and_running_jobs(db_url, start_worker) -> None:
    queued = _submit("test.count_slowly", {"steps": 5})
    with session_scope() as s:
        assert service.cancel(s, queued, CURATOR).status == "cancelled"
    running = _submit("test.count_slowly", {"steps": 600, "delay": 0.05})
    start_worker()
    wait_for(lambda: _job(running).progress_current > 2, message="job to make progress")
    with session_scope() as s:
        assert service.cancel(s, running, CURATOR).cancel_requested
    job = wait_for(lambda: _finished(running), message="cancel to be honoured")
    assert job.status == "cancelled" and job.progress_current < 600
    assert "cancel_requested" in _events(running)
    assert _job(queued).started_at is None  # the worker never ran the cancelled one


def test_viewer_is_refused(db_url) -> None:
    with session_scope() as s, pytest.raises(PermissionDenied, match="viewer"):
        service.submit(s, "db.maintenance", {}, VIEWER)
    job_id = _submit("db.maintenance", {})
    with session_scope() as s, pytest.raises(PermissionDenied):
        service.cancel(s, job_id, VIEWER)
    with session_scope() as s, pytest.raises(PermissionDenied):
        service.add_comment(s, job_id, VIEWER, "hello")


def test_comments(db_url) -> None:
    job_id = _submit("db.maintenance", {})
    with session_scope() as s:
        service.add_comment(s, job_id, CURATOR, "  looks fine  ")
        comments = service.job_comments(s, job_id)
    assert [(c.author, c.body) for c in comments] == [("carol", "looks fine")]


def test_job_events_are_append_only(db_url) -> None:
    job_id = _submit("db.maintenance", {})
    for statement in (
        "UPDATE job_event SET message = 'x' WHERE job_id = :id",
        "DELETE FROM job_event WHERE job_id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), session_scope() as s:
            s.execute(text(statement), {"id": job_id})
    assert _events(job_id) == ["queued"]


FAST_HEARTBEAT = {"WORKBENCH_HEARTBEAT_SECONDS": "0.5", "WORKBENCH_STALLED_SECONDS": "1"}


def _start_then_sigkill(start_worker, operation: str, steps: int) -> uuid.UUID:
    """Submit ``operation``, let a real worker start it, SIGKILL that worker; the job is left ``running``."""
    job_id = _submit(operation, {"steps": steps, "delay": 0.05})
    worker = start_worker(env=FAST_HEARTBEAT)
    wait_for(lambda: _job(job_id).status == "running" and _job(job_id).progress_current > 0, message="job running")
    os.kill(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait()
    assert _job(job_id).status == "running"
    return job_id


def test_sigkilled_worker_does_not_leave_job_running(db_url, start_worker) -> None:
    job_id = _start_then_sigkill(start_worker, "test.count_slowly", 10_000)
    # The sweep recovers it once the dead worker's heartbeat is stale.
    wait_for(
        lambda: recover_lost_jobs(stalled_after=1).failed or _finished(job_id),
        timeout=20,
        message="dead worker's heartbeat to go stale",
    )
    job = _job(job_id)
    assert job.status == "failed" and job.error_code == "worker_lost"
    assert _events(job_id)[-2:] == ["failed", "released"]  # the operation's on_lost hook ran


def test_worker_start_recovers_jobs_of_dead_workers(db_url, start_worker) -> None:
    job_id = _start_then_sigkill(start_worker, "test.count_slowly", 10_000)
    time.sleep(1.5)
    start_worker(env=FAST_HEARTBEAT)
    job = wait_for(lambda: _finished(job_id), message="start-up recovery")
    assert job.error_code == "worker_lost"


def test_retry_safe_job_of_a_dead_worker_is_requeued_and_finishes(db_url, start_worker) -> None:
    job_id = _start_then_sigkill(start_worker, "test.count_slowly_safe", 60)
    time.sleep(1.5)
    start_worker(env=FAST_HEARTBEAT)
    job = wait_for(lambda: _finished(job_id), message="requeued job to finish")
    assert job.status == "succeeded" and job.findings == {"counted": 60}
    assert "worker_lost" in _events(job_id)
