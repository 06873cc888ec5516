"""Background operations of the protein catalog (thin: resolve the payload, call the service).

``proteins.load_fasta``  payload ``{"path", "query_set"?, "description"?, "source_name"?}``
``proteins.load_uniprot_metadata``  payload ``{"path"}``
``proteins.fetch_uniprot``  payload ``{"query", "limit"?, "base_url"?}``

All are single units of work (a killed worker leaves nothing behind), so they are safe to retry.
"""

from __future__ import annotations

from typing import Any

from services.auth.identity import Identity, Role
from services.db.engine import session_scope
from services.input_files import resolve_input_path
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter


@operation("proteins.load_fasta", title="Load a FASTA file", min_role=Role.CURATOR, retry_safe=True)
def load_fasta_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.proteins.fasta_loader import load_fasta

    with session_scope() as session:
        result = load_fasta(
            session,
            str(resolve_input_path(payload.get("path"), "FASTA file", confined=True)),
            identity,
            query_set=payload.get("query_set"),
            description=payload.get("description"),
            source_name=payload.get("source_name"),
            progress=progress,
        )
    return result.as_dict()


@operation(
    "proteins.load_uniprot_metadata", title="Load UniProt metadata (TSV)", min_role=Role.CURATOR, retry_safe=True
)
def load_metadata_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.proteins.metadata_loader import load_uniprot_metadata

    with session_scope() as session:
        path = str(resolve_input_path(payload.get("path"), "UniProt metadata file", confined=True))
        return load_uniprot_metadata(session, path, identity, progress=progress).as_dict()


@operation("proteins.fetch_uniprot", title="Fetch proteins from UniProt", min_role=Role.CURATOR, retry_safe=True)
def fetch_uniprot_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict:
    from services.proteins.uniprot_fetch import fetch_uniprot

    with session_scope() as session:
        return fetch_uniprot(
            session,
            payload["query"],
            identity,
            limit=payload.get("limit"),
            base_url=payload.get("base_url"),
            progress=progress,
        ).as_dict()
