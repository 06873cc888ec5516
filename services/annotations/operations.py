"""The background operations of annotations: add a source release, refresh a source, decide a braked run.

Contract (each job is thin: one service call, its result's JSON is the finding; none is retried):
1. ``annotations.add_source`` loads a release of an annotation source (a ClinVar, gnomAD, dbSNP or VEP VCF), so
   curators add releases from the Annotation runs page. Payload ``{"path", "name", "kind", "version",
   "genome"?}``; the path must lie inside the import folders (checked again here, not only by the page). A
   half-known state cannot arise (one transaction), and a re-run of a loaded release is refused as already loaded.
2. ``annotations.refresh`` runs ``refresh``; an errored run fails the job (``RunErrored``), a run that changed
   nothing (held, braked) says so in a ``held`` event. A lost worker's run ends ``partial``.
3. ``annotations.decide`` runs ``decide_braked_run`` (leads): it restages the run's whole allele set, so it is a
   job, not a page action. A worker lost mid-decision changes nothing (the decision commits at its end): the
   run stays braked.
"""

from __future__ import annotations

from typing import Any

from services.annotations.braked import decide_braked_run
from services.annotations.refresh import refresh
from services.annotations.run_locks import mark_lost_runs_partial
from services.annotations.sources import add_source
from services.auth.identity import Identity, Role
from services.errors import InvalidInput, WorkbenchError
from services.input_files import resolve_input_path
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter


class RunErrored(WorkbenchError):
    code = "run_errored"


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


@operation(
    "annotations.refresh",
    title="Refresh annotations",
    min_role=Role.CURATOR,
    retry_safe=False,
    on_lost=mark_lost_runs_partial,
)
def refresh_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    result = refresh(
        identity,
        payload["source"],
        payload["release"],
        payload.get("genome", "GRCh38"),
        force=bool(payload.get("force")),
        progress=progress,
        job_id=progress.job_id,
    )
    if result.health == "errored":
        raise RunErrored(f"run #{result.run_id} errored: {result.error}")
    findings = result.as_json()
    if not result.applied:
        # A run that changed nothing must not read as a plain success on the Jobs page.
        progress.event("held", f"{findings['outcome']}. {findings.get('next_step', '')}".strip())
    return findings


@operation("annotations.decide", title="Decide a braked annotation run", min_role=Role.LEAD, retry_safe=False)
def decide_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    """Contract 3."""
    return decide_braked_run(identity, int(payload["run_id"]), confirm=bool(payload["confirm"])).as_json()
