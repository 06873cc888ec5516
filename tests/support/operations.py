"""Operations that exist only for tests, registered in the real worker with ``--import-module``.

They exercise the job engine's paths (slow work with progress and cancel, failures) with real behaviour.
"""

from __future__ import annotations

import time
from typing import Any

from services.auth.identity import Identity, Role
from services.errors import InvalidInput
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter


def release_held_records(job_id) -> None:
    """Stands in for a domain's ``on_lost`` hook (e.g. marking its load audit row failed): leaves a trace."""
    from services.db.engine import session_scope
    from services.jobs.models import JobEvent

    with session_scope() as session:
        session.add(JobEvent(job_id=job_id, kind="released", message="held records released"))


@operation("test.count_slowly", title="Count slowly (test)", min_role=Role.CURATOR, on_lost=release_held_records)
def count_slowly(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    steps, delay = int(payload.get("steps", 10)), float(payload.get("delay", 0.1))
    progress.set_total(steps)
    for _ in range(steps):
        progress.check_cancelled()
        time.sleep(delay)
        progress.advance()
    return {"counted": steps}


@operation("test.fail", title="Fail on purpose (test)", min_role=Role.CURATOR)
def fail(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    if payload.get("crash"):
        raise RuntimeError("boom: an unexpected crash")
    raise InvalidInput(payload.get("reason", "the input was refused"))


@operation("test.count_slowly_safe", title="Count slowly, safe to retry (test)", min_role=Role.CURATOR, retry_safe=True)
def count_slowly_safe(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    return count_slowly(payload, progress, identity)
