"""Background operation ``ontology.load_obo`` (payload ``{"path", "source_name"?}``); safe to retry."""

from __future__ import annotations

from typing import Any

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.input_files import resolve_input_path
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter


@operation("ontology.load_obo", title="Load a GO ontology (OBO)", min_role=Role.CURATOR, retry_safe=True)
def load_obo_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.ontology.loader import load_obo

    path = str(resolve_input_path(payload.get("path"), "OBO file", confined=True))
    with session_scope() as session:
        return load_obo(session, path, identity, source_name=payload.get("source_name"), progress=progress).as_dict()
