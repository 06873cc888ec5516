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

import re
import uuid
from pathlib import Path
from typing import Any

from services import config
from services.auth.identity import Identity, Role
from services.errors import InvalidInput, PermissionDenied, WorkbenchError
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter
from services.variants.loader import load_vcf, mark_job_loads_failed


class LoadFailed(WorkbenchError):
    code = "load_failed"


def resolve_import_path(raw: str | None, what: str = "file") -> Path | None:
    """``raw`` resolved (symlinks too) if it lies inside an import folder; ``PermissionDenied`` otherwise."""
    if raw is None or str(raw).strip() == "":
        return None
    path = Path(str(raw)).expanduser().resolve()
    folders = config.import_folders()
    if not any(path.is_relative_to(folder) for folder in folders):
        raise PermissionDenied(f"the {what} {raw} is outside the import folders ({', '.join(str(f) for f in folders)})")
    if not path.is_file():
        raise InvalidInput(f"the {what} {raw} does not exist")
    return path


def save_upload(name: str, data: bytes, identity: Identity) -> Path:
    """Store an uploaded VCF under ``<first import folder>/uploads`` (a fresh name) and return its path."""
    from services.auth.identity import require

    require(identity, Role.CURATOR, "upload VCF files")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name) or "upload.vcf"
    folder = config.import_folders()[0] / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex[:12]}_{safe}"
    path.write_bytes(data)
    return path


def _lost(job_id: uuid.UUID) -> None:
    mark_job_loads_failed(job_id)


@operation("variants.load_vcf", title="Load VCF", min_role=Role.CURATOR, retry_safe=False, on_lost=_lost)
def load_vcf_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    path = resolve_import_path(payload.get("path"), "VCF file")
    if path is None:
        raise InvalidInput("a VCF path is required")
    fasta = resolve_import_path(payload.get("reference_fasta"), "reference FASTA")
    ped = resolve_import_path(payload.get("sample_map"), "sample map")
    result = load_vcf(
        path,
        identity,
        genome_build=str(payload.get("genome_build") or "GRCh38"),
        reference_fasta=str(fasta) if fasta else None,
        sample_map=str(ped) if ped else None,
        force=bool(payload.get("force", False)),
        force_genome=bool(payload.get("force_genome", False)),
        allow_unknown_contigs=bool(payload.get("allow_unknown_contigs", False)),
        allow_out_of_range=bool(payload.get("allow_out_of_range", False)),
        progress=progress,
        job_id=progress.job_id,
    )
    if result.status == "failed":
        raise LoadFailed(result.error or "the load failed")
    return result.as_json()
