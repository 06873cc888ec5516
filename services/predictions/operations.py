"""Background operation ``predictions.run``: one prediction run from a job payload.

Payload: ``config``, ``annotation_set_id``, and ``query_set`` or ``accessions``; optional ``k``, ``metric``,
``distance_threshold``, ``per_aspect``, ``exclude_identical``, ``evidence_codes``, ``engine``,
``alignments``, ``taxdump``. Not retry-safe: a rerun would make a second prediction set.
"""

from __future__ import annotations

from typing import Any

from services.auth.identity import Identity, Role
from services.errors import InvalidInput
from services.input_files import resolve_input_path
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter
from services.predictions.predict import PredictParams, predict


@operation("predictions.run", title="Predict GO terms", min_role=Role.CURATOR)
def predict_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    if not payload.get("config") or payload.get("annotation_set_id") is None:
        raise InvalidInput("the payload needs an embedding config and an annotation set")
    if payload.get("taxdump"):
        # A job payload may come from the UI: server paths must lie inside the import folders.
        taxdump = resolve_input_path(payload["taxdump"], "taxdump", confined=True, folder_ok=True)
        payload = {**payload, "taxdump": str(taxdump)}
    result = predict(
        payload["config"],
        int(payload["annotation_set_id"]),
        identity,
        query_set=payload.get("query_set"),
        accessions=payload.get("accessions"),
        params=PredictParams.from_payload(payload),
        progress=progress,
        job_id=progress.job_id,
    )
    return result.as_dict()
