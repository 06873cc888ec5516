"""Recovering the work of dead processes (SIGKILL, crash, database outage): nothing stays ``running``.

Run at every worker start-up (and each reconnection) and every minute by the periodic sweep task. Contract:
1. A Job ``running`` whose lease (``services.jobs.leases``) nobody holds is lost: the process running it is
   gone, whatever its worker's last heartbeat says — so a worker that starts recovers a SIGKILLed worker's job
   at once. A lost Job of a retry-safe operation whose queue entry is still ``doing`` is re-queued (event
   ``worker_lost``); any other is ``failed`` with error code ``worker_lost``, and its operation's ``on_lost``
   releases what it held (after the sweep's transaction commits, so the hook never waits on its row locks).
2. Procrastinate's worker table is pruned of workers whose heartbeat is older than ``stalled_after`` seconds
   (housekeeping; the lease is what decides a Job's fate).
3. A queue entry a dead worker took but never started (its Job still ``queued``) goes back to the queue; a
   ``queued`` Job whose entry already failed (the worker could not start it) is ``failed`` with one sentence —
   no Job waits forever for a run that will never come.
4. ``sweep`` also runs the domains' dead-record sweeps (load audits, annotation runs), so a CLI load killed
   mid-file ends ``failed`` with the reason.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from services import config
from services.db import sql_blocks
from services.db.engine import session_scope
from services.jobs.errors import UnknownOperation
from services.jobs.leases import is_held, job_key, sweep_dead_records
from services.jobs.models import JobEvent
from services.jobs.operations import get_operation
from services.jobs.store import finish

Q = sql_blocks.load(__file__)
_log = logging.getLogger(__name__)

UNSTARTABLE_MESSAGE = "a worker took this job but could not start it (its database connection failed); submit it again"
LOST_MESSAGE = "the worker running this job stopped (killed, crashed or cut off from the database) before it finished"


@dataclass(frozen=True)
class Recovery:
    failed: list[uuid.UUID]
    requeued: list[uuid.UUID]
    records: dict[str, int] = field(default_factory=dict)


def recover_lost_jobs(stalled_after: float | None = None) -> Recovery:
    """Contracts 1 to 3."""
    stalled_after = config.stalled_worker_seconds() if stalled_after is None else stalled_after
    failed: list[uuid.UUID] = []
    requeued: list[uuid.UUID] = []
    release_hooks: list[tuple[Callable[[uuid.UUID], None], uuid.UUID]] = []
    with session_scope() as session:
        session.execute(Q.prune_stalled_workers, {"seconds": stalled_after})
        for (queue_id,) in session.execute(Q.stranded_queue_entries).all():
            session.execute(Q.retry_queue_entry, {"id": queue_id})
        for (job_id,) in session.execute(Q.unstartable_jobs).all():
            finish(session, job_id, "failed", error_code="worker_lost", error_message=UNSTARTABLE_MESSAGE)
            failed.append(job_id)
        for job_id, operation, queue_id, queue_status in session.execute(Q.running_jobs).all():
            if is_held(session.connection(), job_key(job_id)):
                continue  # its worker is alive and connected
            try:
                op = get_operation(operation)
            except UnknownOperation:
                op = None
            if op is not None and op.retry_safe and queue_status == "doing":
                session.execute(Q.retry_queue_entry, {"id": queue_id})
                session.execute(Q.mark_requeued, {"id": job_id})
                session.add(JobEvent(job_id=job_id, kind="worker_lost", message=LOST_MESSAGE + "; re-queued"))
                requeued.append(job_id)
                continue
            if queue_status == "doing":
                session.execute(Q.fail_queue_entry, {"id": queue_id})
            finish(session, job_id, "failed", error_code="worker_lost", error_message=LOST_MESSAGE)
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


def sweep(stalled_after: float | None = None) -> Recovery:
    """Lost jobs, then the dead records of every domain (contract 3)."""
    jobs = recover_lost_jobs(stalled_after)
    return Recovery(jobs.failed, jobs.requeued, sweep_dead_records())
