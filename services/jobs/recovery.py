"""Recovering jobs of dead workers (SIGKILL, power loss): no Job stays ``running`` forever.

Run at every worker start-up and every minute by the periodic sweep task. Contract:
1. A worker whose heartbeat is older than ``stalled_after`` seconds is dead; its ``doing`` queue entries are
   lost. A lost Job of a retry-safe operation is re-queued (event ``worker_lost``); any other is marked
   ``failed`` with error code ``worker_lost``, and its operation's ``on_lost`` releases what it held (after the
   sweep's transaction commits, so the hook never waits on the sweep's own row locks).
2. A Job ``running`` whose queue entry is no longer ``doing`` (its worker died between the two writes) is
   failed the same way.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text

from services import config
from services.db.engine import session_scope
from services.jobs.models import JobEvent
from services.jobs.operations import get_operation
from services.jobs.service import mark_finished

_log = logging.getLogger(__name__)

LOST_MESSAGE = "the worker running this job stopped (killed or crashed) before it finished"


@dataclass(frozen=True)
class Recovery:
    failed: list[uuid.UUID]
    requeued: list[uuid.UUID]


def recover_lost_jobs(stalled_after: float | None = None) -> Recovery:
    stalled_after = config.stalled_worker_seconds() if stalled_after is None else stalled_after
    failed: list[uuid.UUID] = []
    requeued: list[uuid.UUID] = []
    release_hooks: list[tuple[Callable[[uuid.UUID], None], uuid.UUID]] = []
    with session_scope() as session:
        session.execute(text("SELECT procrastinate_prune_stalled_workers_v1(:s)"), {"s": stalled_after})
        lost = session.execute(
            text(
                """
                SELECT j.id, j.operation, p.id AS queue_id, p.status::text AS queue_status
                  FROM job j
                  LEFT JOIN procrastinate_jobs p ON p.id = j.procrastinate_job_id
                  LEFT JOIN procrastinate_workers w ON w.id = p.worker_id
                 WHERE j.status = 'running'
                   AND (p.id IS NULL OR p.status <> 'doing' OR w.id IS NULL)
                 FOR UPDATE OF j SKIP LOCKED
                """
            )
        ).all()
        for job_id, operation, queue_id, queue_status in lost:
            try:
                op = get_operation(operation)
            except KeyError:
                op = None
            if op is not None and op.retry_safe and queue_status == "doing":
                session.execute(text("SELECT procrastinate_retry_job_v2(:id, now(), 0, NULL, NULL)"), {"id": queue_id})
                session.execute(text("UPDATE job SET status = 'queued' WHERE id = :id"), {"id": job_id})
                session.add(JobEvent(job_id=job_id, kind="worker_lost", message=LOST_MESSAGE + "; re-queued"))
                requeued.append(job_id)
                continue
            if queue_status == "doing":
                session.execute(text("SELECT procrastinate_finish_job_v1(:id, 'failed', false)"), {"id": queue_id})
            mark_finished(session, job_id, "failed", error_code="worker_lost", error_message=LOST_MESSAGE)
            failed.append(job_id)
            if op is not None and op.on_lost is not None:
                release_hooks.append((op.on_lost, job_id))
    # Hooks run after the sweep commits: they write rows that reference the (then unlocked) job.
    for hook, job_id in release_hooks:
        try:
            hook(job_id)
        except Exception:  # noqa: BLE001 - one failing hook must not stop the others
            _log.exception("on_lost hook for job %s failed", job_id)
    if failed or requeued:
        _log.warning("recovered lost jobs: failed=%s requeued=%s", failed, requeued)
    return Recovery(failed, requeued)
