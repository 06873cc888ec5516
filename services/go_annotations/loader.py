"""Loading a GAF 2.x file (plain or gzip) as a GO annotation set.

Contract:
1. All or nothing: lines stream into a temporary staging table with COPY; classification, alt-id mapping
   and the insert are set-based SQL into a fresh table that is then attached as the set's partition of
   ``protein_go_annotation`` (indexes built in bulk, foreign keys checked set-wise on attach); any error
   (bad column count, unsupported version) rolls back the set, its partition included.
2. Every distinct line (distinct in the stored columns) is kept verbatim (qualifier incl. NOT, evidence,
   reference, with/from, assigned_by, date, extension, gene product form) under the number of the line
   where it first appears. GO alt ids are stored against their primary term (and the id as given).
3. Lines that cannot be stored are counted per reason — ``unknown_evidence_code``, ``invalid_aspect``,
   ``unknown_term``, ``unknown_protein`` (not in the catalog), ``duplicate_line`` — with a few examples each;
   ``annotations + skipped == lines read``. Nothing is lost silently.
4. ``(source, version, snapshot)`` is loaded once (``uq_annotation_set_source_source_version_…``); a second
   load of the same release is refused with a clear sentence. Writers must be curators.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.pg_copy import copy_text
from services.errors import InvalidInput, NotFound
from services.go_annotations.gaf import EVIDENCE_CODES, GAF_COLUMNS, GafHeader, gaf_copy_chunks
from services.go_annotations.models import ANNOTATION_SOURCES
from services.input_files import InputFile
from services.jobs.progress import ProgressReporter

Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class GafLoadResult:
    annotation_set_id: int
    annotations: int
    skipped: int
    skipped_reasons: dict[str, int]
    skipped_examples: dict[str, list[str]] = field(default_factory=dict)
    lines: int = 0
    gaf_version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def partition_name(set_id: int) -> str:
    """The quoted name of an annotation set's partition (an integer id only, so always a safe name)."""
    return f'"protein_go_annotation_{int(set_id)}"'


def resolve_snapshot(session: Session, ontology: int | str) -> int:
    """A snapshot named by id or by its data-version (which must then name exactly one snapshot)."""
    text_value = str(ontology).strip()
    if text_value.isdigit():
        found = session.execute(Q.snapshot_by_id, {"id": int(text_value)}).scalar()
        if found is None:
            raise NotFound(f"no ontology snapshot with id {text_value}")
        return int(found)
    ids = list(session.execute(Q.snapshots_by_version, {"v": text_value}).scalars())
    if not ids:
        raise NotFound(f"no ontology snapshot with data-version {text_value!r}")
    if len(ids) > 1:
        raise InvalidInput(
            f"{len(ids)} snapshots share data-version {text_value!r} (e.g. go.obo and go-basic.obo); "
            f"name one by id: {', '.join(map(str, ids))}"
        )
    return int(ids[0])


def load_gaf(
    session: Session,
    source_file: str | os.PathLike[str] | BinaryIO,
    identity: Identity,
    *,
    ontology: int | str,
    source: str,
    version: str,
    job_id: uuid.UUID | None = None,
    source_name: str | None = None,
    progress: ProgressReporter | None = None,
) -> GafLoadResult:
    require(identity, Role.CURATOR, "load GO annotations")
    progress = progress or ProgressReporter(None)
    if source not in ANNOTATION_SOURCES:
        raise InvalidInput(f"unknown annotation source {source!r}; use {' or '.join(ANNOTATION_SOURCES)}")
    version = (version or "").strip()
    if not version:
        raise InvalidInput("an annotation set needs a source version (e.g. the GOA release date)")
    snapshot = resolve_snapshot(session, ontology)
    params = {"source": source, "version": version, "snapshot": snapshot}
    if session.execute(Q.existing_set, params).scalar() is not None:
        raise InvalidInput(f"{source} {version} is already loaded against ontology snapshot {snapshot}")

    with InputFile(source_file, name=source_name) as infile:
        set_id = session.execute(
            Q.insert_set, {**params, "file": infile.name, "job": job_id, "user": identity.user}
        ).scalar_one()
        session.execute(Q.bulk_work_mem)
        session.execute(Q.create_stage)
        progress.set_total(infile.total_bytes)
        header = GafHeader()

        def chunks():
            for chunk in gaf_copy_chunks(infile, header):
                progress.set(infile.bytes_read)
                progress.check_cancelled()
                yield chunk

        copy_text(session, "gaf_stage", ("line_no", *GAF_COLUMNS), chunks())
    progress.event("phase", f"read {header.lines:,} annotation lines; matching proteins and terms")
    codes = list(EVIDENCE_CODES)
    session.execute(Q.build_term_map, {"snapshot": snapshot})
    reasons: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    for reason, lines, sample in session.execute(Q.skipped, {"codes": codes}):
        reasons[reason], examples[reason] = int(lines), list(sample or [])
    partition = partition_name(set_id)
    session.execute(Q.formatted("create_partition", partition=partition))
    annotations = session.execute(
        Q.formatted("insert_annotations", partition=partition), {"set_id": set_id, "codes": codes}
    ).rowcount
    progress.event("phase", f"indexing and attaching {annotations:,} annotations")
    session.execute(Q.formatted("attach_partition", partition=partition, set_id=str(int(set_id))))
    storable = header.lines - sum(reasons.values())
    if storable > annotations:
        reasons["duplicate_line"] = storable - annotations
    skipped = sum(reasons.values())
    session.execute(Q.finish_set, {
        "annotations": annotations, "skipped": skipped, "reasons": json.dumps(reasons),
        "gaf_version": header.version, "id": set_id,
    })
    session.execute(Q.drop_stage)
    if skipped:
        progress.event("skipped", f"{skipped:,} lines not stored: " + ", ".join(
            f"{n:,} {r.replace('_', ' ')}" for r, n in reasons.items()), {"reasons": reasons})
    return GafLoadResult(set_id, annotations, skipped, reasons, examples, header.lines, header.version)
