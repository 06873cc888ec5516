"""Background operation ``embeddings.compute`` on its own queue ``embeddings``.

GPU machines can run ``workbench worker --queues embeddings`` and take only this work. The job resolves
its payload (``config`` plus one of ``query_set`` / ``annotation_set_id`` / ``all``; optional ``device``,
``batch_size``) and calls ``compute_embeddings``; it is retry-safe because existing vectors are skipped.
"""

from __future__ import annotations

from typing import Any

from services.auth.identity import Identity, Role
from services.embeddings.compute import EmbedTarget, compute_embeddings
from services.errors import InvalidInput
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter

EMBEDDINGS_QUEUE = "embeddings"


@operation(
    "embeddings.compute",
    title="Compute embeddings",
    queue=EMBEDDINGS_QUEUE,
    min_role=Role.CURATOR,
    retry_safe=True,
)
def compute_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    if not payload.get("config"):
        raise InvalidInput("the payload needs an embedding config")
    result = compute_embeddings(
        payload["config"],
        EmbedTarget.from_payload(payload),
        identity,
        progress,
        device=payload.get("device", "auto"),
        batch_size=int(payload.get("batch_size", 16)),
    )
    return result.as_dict()
