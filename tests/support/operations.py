"""Operations that exist only for tests, registered in the real worker with ``--import-module``.

They exercise the job engine's paths (slow work with progress and cancel, failures) with real behaviour.
"""

from __future__ import annotations

import time
from typing import Any

from services.auth.identity import Identity
from services.errors import InvalidInput
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter


@operation("test.count_slowly", title="Count slowly (test)")
def count_slowly(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    steps, delay = int(payload.get("steps", 10)), float(payload.get("delay", 0.1))
    progress.set_total(steps)
    for _ in range(steps):
        progress.check_cancelled()
        time.sleep(delay)
        progress.advance()
    return {"counted": steps}


@operation("test.fail", title="Fail on purpose (test)")
def fail(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    if payload.get("crash"):
        raise RuntimeError("boom: an unexpected crash")
    raise InvalidInput(payload.get("reason", "the input was refused"))


@operation("test.count_slowly_safe", title="Count slowly, safe to retry (test)", retry_safe=True)
def count_slowly_safe(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    return count_slowly(payload, progress, identity)
