"""Loading a GAF 2.x file (plain or gzip) as a GO annotation set.

Contract:
1. All or nothing: lines are checked and classified while streaming (column count, evidence code, aspect,
   term incl. alt ids — see ``gaf.py``) and written with COPY into a fresh table; repeats and lines for
   proteins outside the catalog are then removed set-wise, and the table is attached as the set's partition
   of ``protein_go_annotation`` (indexes built in bulk, foreign keys checked with one query each). Any error
   (bad column count, unsupported version) rolls back the set, its partition included.
2. Every distinct line (identical lines collapse) is kept verbatim (qualifier incl. NOT, evidence,
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
from services.errors import InvalidInput
from services.go_annotations.gaf import ANNOTATION_COLUMNS, GafReadStats, gaf_annotation_chunks
from services.go_annotations.models import ANNOTATION_SOURCES
from services.input_files import InputFile
from services.jobs.progress import ProgressReporter
from services.ontology.snapshots import resolve_snapshot

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

    known = session.execute(Q.term_ids, {"snapshot": snapshot})
    term_ids = {go_id.encode(): str(term_id).encode() for go_id, term_id, _ in known}
    with InputFile(source_file, name=source_name) as infile:
        set_id = int(
            session.execute(
                Q.insert_set, {**params, "file": infile.name, "job": job_id, "user": identity.user}
            ).scalar_one()
        )
        table = f"protein_go_annotation_{set_id}"
        names = {"partition": f'"{table}"', "bound": f'"{table}_bound"', "set_id": str(set_id)}
        session.execute(Q.bulk_memory)
        session.execute(Q.bulk_index_memory)
        session.execute(Q.formatted("create_partition", **names))
        progress.set_total(infile.total_bytes)
        stats = GafReadStats()

        def chunks():
            for chunk in gaf_annotation_chunks(infile, set_id, term_ids, stats):
                progress.set(infile.bytes_read)
                progress.check_cancelled()
                yield chunk

        copy_text(session, table, ANNOTATION_COLUMNS, chunks())
    progress.event("phase", f"read {stats.lines:,} annotation lines; matching proteins")
    reasons, examples = dict(stats.skipped), dict(stats.examples)
    if stats.repeat_candidates or not stats.hashes_exhaustive:
        candidates = stats.repeat_candidates if stats.hashes_exhaustive else None
        repeated = session.execute(Q.formatted("drop_repeated_lines", **names), {"candidates": candidates})
        if repeated.rowcount:
            reasons["duplicate_line"] = repeated.rowcount
    unknown, sample = session.execute(Q.formatted("drop_unknown_proteins", **names)).one()
    if unknown:
        reasons["unknown_protein"], examples["unknown_protein"] = int(unknown), list(sample or [])
    annotations = stats.written - sum(reasons.get(r, 0) for r in ("duplicate_line", "unknown_protein"))
    progress.event("phase", f"indexing and attaching {annotations:,} annotations")
    session.execute(Q.formatted("attach_partition", **names))
    session.execute(Q.formatted("drop_bound", **names))
    reasons = dict(sorted(reasons.items()))
    skipped = sum(reasons.values())
    session.execute(
        Q.finish_set,
        {
            "annotations": annotations,
            "skipped": skipped,
            "reasons": json.dumps(reasons),
            "gaf_version": stats.version,
            "id": set_id,
        },
    )
    if skipped:
        progress.event(
            "skipped",
            f"{skipped:,} lines not stored: " + ", ".join(f"{n:,} {r.replace('_', ' ')}" for r, n in reasons.items()),
            {"reasons": reasons},
        )
    return GafLoadResult(set_id, annotations, skipped, reasons, examples, stats.lines, stats.version)
