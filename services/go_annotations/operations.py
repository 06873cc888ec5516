"""Background operations for GO annotation sets; single units of work, safe to retry.

``go_annotations.load_gaf``   payload ``{"path", "ontology", "source", "version", "source_name"?}``
``go_annotations.fetch_quickgo``  payload ``{"ontology", "version", "query": {...}, "base_url"?}``
"""

from __future__ import annotations

from typing import Any

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.input_files import resolve_input_path
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter


@operation("go_annotations.load_gaf", title="Load GO annotations (GAF)", min_role=Role.CURATOR, retry_safe=True)
def load_gaf_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.go_annotations.loader import load_gaf

    with session_scope() as session:
        return load_gaf(
            session,
            str(resolve_input_path(payload.get("path"), "GAF file", confined=True)),
            identity,
            ontology=payload["ontology"],
            source=payload["source"],
            version=payload["version"],
            job_id=progress.job_id,
            source_name=payload.get("source_name"),
            progress=progress,
        ).as_dict()


@operation(
    "go_annotations.fetch_quickgo", title="Fetch GO annotations from QuickGO", min_role=Role.CURATOR, retry_safe=True
)
def fetch_quickgo_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.go_annotations.quickgo import fetch_quickgo

    with session_scope() as session:
        return fetch_quickgo(
            session,
            identity,
            ontology=payload["ontology"],
            version=payload["version"],
            query=payload.get("query") or {},
            base_url=payload.get("base_url"),
            job_id=progress.job_id,
            progress=progress,
        ).as_dict()
