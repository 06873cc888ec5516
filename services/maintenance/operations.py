"""The background operation ``db.maintenance`` (curator or lead; safe to retry)."""

from __future__ import annotations

from typing import Any

from services.auth.identity import Identity, Role
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter
from services.maintenance.service import run_maintenance


@operation("db.maintenance", title="Database maintenance", min_role=Role.CURATOR, retry_safe=True)
def maintenance_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    return run_maintenance(bool(payload.get("vacuum", False)), progress)
