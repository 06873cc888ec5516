"""What the Annotation runs page shows: runs with health and counts, releases, a run's change report.

Reads return plain dataclasses or DataFrames; ``submit_refresh`` queues the background job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.annotations.lifecycle_models import AnnotationRun
from services.annotations.outcome import RunOutcome, run_outcome
from services.annotations.value_display import value_summary
from services.auth.identity import Identity
from services.db import sql_blocks
from services.errors import NotFound
from services.jobs.service import JobView, submit

Q = sql_blocks.load(__file__)
# Which events make up a run's change report (old → new), by run status.
REPORT_KINDS = {
    # LINKED: a first release links alleles that had no value — a change a curator must see too.
    "applied": ("LINKED", "SUPERSEDED", "RETIRED", "RELINKED"),
    "braked": ("ABSENT",),  # the would-be retirements
    "held": ("HELD",),
    "rejected": ("HELD",),
}


@dataclass(frozen=True)
class RunView:
    id: int
    source: str
    source_kind: str
    release_id: int
    source_version: str
    genome_build: str
    force: bool
    triggered_by: str
    job_id: uuid.UUID | None
    alleles_expected: int
    alleles_processed: int
    source_errors: int
    counts: dict[str, int]
    integrity: dict[str, Any]
    status: str
    health: str | None
    health_reasons: list[str]
    error_message: str | None
    applied_at: datetime | None
    decided_by: str | None
    started_at: datetime
    finished_at: datetime | None = field(default=None)

    @classmethod
    def from_row(cls, run: AnnotationRun) -> RunView:
        return cls(**{f: getattr(run, f) for f in cls.__dataclass_fields__})

    @property
    def outcome(self) -> RunOutcome:
        """What the run did, in words, and what to do next (the same sentences as its job's findings)."""
        return run_outcome(self.status, self.health, self.source, self.source_version, self.health_reasons)


def list_runs(session: Session, *, source: str | None = None, limit: int = 100) -> list[RunView]:
    query = select(AnnotationRun)
    if source:
        query = query.where(AnnotationRun.source == source)
    rows = session.scalars(query.order_by(AnnotationRun.id.desc()).limit(limit))
    return [RunView.from_row(r) for r in rows]


def run_progress(session: Session, run: RunView) -> float | None:
    """A running run's progress (its job's), 0–1; None when it has no job or no total yet."""
    if run.job_id is None:
        return None
    from services.jobs.service import get_job

    return get_job(session, run.job_id).fraction


def get_run(session: Session, run_id: int) -> RunView:
    run = session.get(AnnotationRun, run_id)
    if run is None:
        raise NotFound(f"no annotation run #{run_id}")
    return RunView.from_row(run)


def runs_frame(runs: list[RunView]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "run": r.id,
                "source": r.source,
                "release": r.source_version,
                "genome": r.genome_build,
                "health": r.health or "running",
                "status": r.status,
                "expected": r.alleles_expected,
                "processed": r.alleles_processed,
                "errors": r.source_errors,
                **{
                    k: r.counts.get(k, 0)
                    for k in ("linked", "unchanged", "superseded", "absent", "retired", "relinked", "held")
                },
                "by": r.triggered_by,
                "started": r.started_at,
            }
            for r in runs
        ],
        columns=[
            "run",
            "source",
            "release",
            "genome",
            "health",
            "status",
            "expected",
            "processed",
            "errors",
            "linked",
            "unchanged",
            "superseded",
            "absent",
            "retired",
            "relinked",
            "held",
            "by",
            "started",
        ],
    )


@dataclass(frozen=True)
class ReleaseView:
    id: int
    source: str
    kind: str
    version: str
    genome_build: str
    record_count: int
    contigs: list[str]
    loaded_at: datetime
    verified_by: str | None


def list_releases(session: Session, source: str | None = None) -> list[ReleaseView]:
    rows = session.execute(Q.list_releases, {"source": source})
    return [ReleaseView(*r) for r in rows]


def list_samples(session: Session) -> list[str]:
    return list(session.scalars(Q.list_samples))


def change_report(
    session: Session, run_id: int, *, sample: str | None = None, significance: str | None = None
) -> pd.DataFrame:
    """Old → new for every allele the run changed (or would have: braked, held), from its events; alleles
    as CHROM-POS-REF-ALT with their build, values in words (``value_summary``).

    ``sample`` keeps alleles that sample carries; ``significance`` keeps rows whose old or new value has that
    ClinVar significance (``clnsig``, case-insensitive substring).
    """
    run = get_run(session, run_id)
    kinds = list(REPORT_KINDS.get(run.status, ()))
    rows = session.execute(
        Q.change_report,
        {"run": run_id, "kinds": kinds, "sample": sample or None, "sig": significance or None},
    ).all()
    return pd.DataFrame(
        [
            {
                "allele": r.allele,
                "build": r.genome_build,
                "change": r.kind.lower(),
                "old": value_summary(r.previous_value),
                "new": value_summary(r.value),
                "at": r.at,
            }
            for r in rows
        ],
        columns=["allele", "build", "change", "old", "new", "at"],
    )


@dataclass(frozen=True)
class ReleaseVerificationView:
    verified_by: str
    verified_at: datetime
    note: str


def release_verification(session: Session, release_id: int) -> ReleaseVerificationView | None:
    """Who verified the release and when (the live state, not the run's snapshot); None if not verified."""
    row = session.execute(Q.release_verification, {"r": release_id}).first()
    return None if row is None else ReleaseVerificationView(*row)


def submit_refresh(
    session: Session,
    identity: Identity,
    source: str,
    release: str,
    genome: str = "GRCh38",
    *,
    force: bool = False,
) -> JobView:
    """Queue ``annotations.refresh`` (role checked by the job service)."""
    payload = {"source": source, "release": release, "genome": genome, "force": force}
    return submit(session, "annotations.refresh", payload, identity, description=f"Refresh {source} {release}")


def submit_decision(session: Session, identity: Identity, run_id: int, *, confirm: bool) -> JobView:
    """Queue ``annotations.decide``: confirm (apply) or reject (hold) a braked run (leads; checked by the job
    service and again by ``decide_braked_run``)."""
    verb = "Confirm" if confirm else "Reject"
    return submit(
        session,
        "annotations.decide",
        {"run_id": int(run_id), "confirm": bool(confirm)},
        identity,
        description=f"{verb} braked run #{run_id}",
    )
