"""Reading annotation sets: the list, per-aspect/evidence statistics, one protein's annotations.

Contract: reads only, plain frozen dataclasses; ``set_statistics`` is a DataFrame with one row per
(aspect, evidence code, negated) and counts of annotations and distinct proteins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from services.db import sql_blocks
from services.ontology.models import ASPECT_NAMES

Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class AnnotationSetView:
    id: int
    source: str
    source_version: str
    ontology_snapshot_id: int
    obo_version: str | None
    gaf_version: str | None
    source_file: str | None
    annotation_count: int
    skipped_count: int
    skipped_reasons: dict[str, Any]
    created_by: str
    created_at: datetime
    job_id: uuid.UUID | None

    @property
    def label(self) -> str:
        return f"#{self.id} {self.source} {self.source_version}"


@dataclass(frozen=True)
class ProteinAnnotation:
    annotation_set_id: int
    source: str
    source_version: str
    go_id: str
    name: str | None
    aspect: str
    qualifier: str | None
    negated: bool
    evidence_code: str
    db_reference: str | None
    with_from: str | None
    assigned_by: str | None
    annotation_date: str | None
    go_id_as_given: str
    term_is_obsolete: bool

    @property
    def aspect_name(self) -> str:
        return ASPECT_NAMES.get(self.aspect, self.aspect)


def list_annotation_sets(session: Session) -> list[AnnotationSetView]:
    return [AnnotationSetView(*r) for r in session.execute(Q.list_sets)]


def set_statistics(session: Session, annotation_set_id: int) -> pd.DataFrame:
    rows = session.execute(Q.set_statistics, {"id": annotation_set_id}).all()
    frame = pd.DataFrame(rows, columns=["aspect", "evidence_code", "negated", "annotations", "proteins"])
    frame["aspect_name"] = frame["aspect"].map(ASPECT_NAMES)
    return frame


def protein_annotations(
    session: Session, accession: str, annotation_set_id: int | None = None
) -> list[ProteinAnnotation]:
    rows = session.execute(Q.protein_annotations, {"acc": accession, "set_id": annotation_set_id})
    return [ProteinAnnotation(*r) for r in rows]
