"""The background operation ``variants.load_vcf``: a thin job around ``services.variants.loader.load_vcf``.

Contract:
1. Payload: ``{"path", "genome_build"?, "reference_fasta"?, "sample_map"?, "force"?}``. Server-side paths
   (the VCF and its companions) are accepted only inside the configured import folders
   (``services.config.import_folders``); anything else is refused before a byte is read.
2. A failed load fails the job with the loader's sentence (the audit row already says ``failed``); the
   findings of a completed or duplicate load are the ``--json`` result.
3. ``on_lost``: a load left ``running`` by a dead worker is marked ``failed`` (its transaction never
   committed, so nothing of the file is visible).
"""

from __future__ import annotations

import uuid
from typing import Any

from services.auth.identity import Identity, Role
from services.errors import WorkbenchError
from services.input_files import resolve_input_path
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter
from services.variants.loader import load_vcf, mark_job_loads_failed


class LoadFailed(WorkbenchError):
    code = "load_failed"


def _confined(raw: str | None, what: str) -> str | None:
    """An optional payload path through the one resolver (contract 1); None when not given."""
    if raw is None or not str(raw).strip():
        return None
    return str(resolve_input_path(raw, what, confined=True))


def _lost(job_id: uuid.UUID) -> None:
    mark_job_loads_failed(job_id)


@operation("variants.load_vcf", title="Load VCF", min_role=Role.CURATOR, retry_safe=False, on_lost=_lost)
def load_vcf_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    path = resolve_input_path(payload.get("path"), "VCF file", confined=True)
    result = load_vcf(
        path,
        identity,
        genome_build=str(payload.get("genome_build") or "GRCh38"),
        reference_fasta=_confined(payload.get("reference_fasta"), "reference FASTA"),
        sample_map=_confined(payload.get("sample_map"), "sample map"),
        force=bool(payload.get("force", False)),
        progress=progress,
        job_id=progress.job_id,
    )
    if result.status == "failed":
        raise LoadFailed(result.error or "the load failed")
    return result.as_json()
