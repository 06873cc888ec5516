"""The background operation ``annotations.add_source``: load a release of an annotation source (a ClinVar,
gnomAD, dbSNP or VEP VCF) as a job, so curators add releases from the Annotation runs page.

Contract: payload ``{"path", "name", "kind", "version", "genome"?}``; the path must lie inside the import folders
(checked again here, not only by the page); the job is thin — ``sources.add_source`` does the work and its
``SourceRelease.as_json()`` is the finding. Not retried: a half-known state cannot arise (one transaction), but a
re-run of a loaded release is refused as already loaded.
"""

from __future__ import annotations

from typing import Any

from services.annotations.sources import add_source
from services.auth.identity import Identity, Role
from services.errors import InvalidInput
from services.input_files import resolve_input_path
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter


@operation("annotations.add_source", title="Add an annotation source release", min_role=Role.CURATOR)
def add_source_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    raw = str(payload.get("path") or "").strip()
    if not raw:
        raise InvalidInput("a release file path is required")
    path = resolve_input_path(raw, "release file", confined=True)
    name = str(payload.get("name") or payload.get("kind") or "").strip()
    progress.event("phase", f"loading {name} {payload.get('version')} from {path.name}")
    release = add_source(
        path,
        identity,
        name=name,
        kind=str(payload.get("kind") or ""),
        version=str(payload.get("version") or ""),
        genome_build=str(payload.get("genome") or "GRCh38"),
    )
    return {**release.as_json(), "alleles": release.alleles, "duplicates": release.duplicates}
