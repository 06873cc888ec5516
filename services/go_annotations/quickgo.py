"""Fetching GO annotations from QuickGO (``/QuickGO/services/annotation/downloadSearch``) as a set.

Contract:
1. One download request with ``Accept: text/gaf`` and the caller's filters (``geneProductId``, ``taxonId``,
   ``goId``, ``evidenceCode``, …; at least one is required), fetched with retries and back-off; the GAF 2.2
   body is streamed to a temporary file.
2. The file is then loaded by ``load_gaf`` with ``source="quickgo"`` in the caller's unit of work — the same
   checks, counted skips and all-or-nothing behaviour as a GAF file.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.errors import InvalidInput
from services.go_annotations.loader import GafLoadResult, load_gaf
from services.jobs.progress import ProgressReporter
from services.web_fetch import check_outbound_url, get

DEFAULT_BASE_URL = "https://www.ebi.ac.uk"
DOWNLOAD_PATH = "/QuickGO/services/annotation/downloadSearch"
FILTERS = (
    "geneProductId",
    "taxonId",
    "goId",
    "evidenceCode",
    "aspect",
    "assignedBy",
    "qualifier",
    "goUsage",
    "geneProductType",
    "reference",
)


def fetch_quickgo(
    session: Session,
    identity: Identity,
    *,
    ontology: int | str,
    version: str,
    query: Mapping[str, str],
    base_url: str | None = None,
    job_id: uuid.UUID | None = None,
    progress: ProgressReporter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> GafLoadResult:
    require(identity, Role.CURATOR, "fetch GO annotations")
    unknown = sorted(set(query) - set(FILTERS))
    if unknown:
        raise InvalidInput(f"unknown QuickGO filter(s) {', '.join(unknown)}; use {', '.join(FILTERS)}")
    if not any(query.values()):
        raise InvalidInput("name at least one QuickGO filter (e.g. a taxon or protein accessions)")
    progress = progress or ProgressReporter(None)
    url = check_outbound_url((base_url or DEFAULT_BASE_URL).rstrip("/") + DOWNLOAD_PATH)
    progress.event("phase", f"downloading from {url}")
    response = get(url, params=dict(query), headers={"Accept": "text/gaf"}, sleep=sleep)
    with tempfile.TemporaryDirectory(prefix="quickgo-") as folder:
        path = Path(folder) / "quickgo.gaf"
        with path.open("wb") as out:
            shutil.copyfileobj(response.body, out)
        response.body.close()
        return load_gaf(
            session,
            path,
            identity,
            ontology=ontology,
            source="quickgo",
            version=version,
            job_id=job_id,
            source_name=f"QuickGO {dict(query)}",
            progress=progress,
        )
