"""A run's record (``annotation_run``) and its result: written first as ``running``, finished with its outcome.

Contract:
1. ``insert_run`` commits the row at once, so a run killed later stays visible (and ends ``partial``).
2. The outcome is written by one of three fixed statements — ``finish_run`` (applied, held, braked),
   ``fail_run`` (errored) and ``record_decision`` (a lead confirmed or rejected a braked run) — inside the
   caller's transaction, with the database clock as ``finished_at``.
3. ``RunResult`` is what ``refresh`` and ``decide_braked_run`` return (the CLI's JSON, a job's findings).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from services.annotations import lifecycle
from services.annotations.outcome import run_outcome
from services.annotations.staging import AlleleSet, Release
from services.auth.identity import Identity
from services.db import sql_blocks

Q = sql_blocks.load(__file__)


@dataclass(frozen=True)
class RunResult:
    run_id: int | None
    source: str
    release: str
    genome: str
    status: str
    health: str
    expected: int
    processed: int
    source_errors: int
    counts: dict[str, int]
    reasons: list[str] = field(default_factory=list)
    integrity: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    dry_run: bool = False
    changes: list[lifecycle.Change] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return self.status == "applied"

    @property
    def exit_code(self) -> int:
        """0 applied (or a dry run that would apply), 3 held or braked, 1 errored."""
        if self.health == "errored":
            return 1
        if self.dry_run:
            return 0 if self.status == "would_apply" else 3
        return 0 if self.applied else 3

    def as_json(self) -> dict[str, Any]:
        out = {
            "run_id": self.run_id,
            "source": self.source,
            "release": self.release,
            "genome": self.genome,
            "health": self.health,
            "status": self.status,
            "expected": self.expected,
            "processed": self.processed,
            "source_errors": self.source_errors,
            "applied": self.applied,
            "counts": self.counts,
            "reasons": self.reasons,
        }
        outcome = run_outcome(self.status, self.health, self.source, self.release, self.reasons)
        out["outcome"] = outcome.headline
        if outcome.next_step:
            out["next_step"] = outcome.next_step
        if self.error:
            out["error"] = self.error
        if self.dry_run:
            out["dry_run"] = True
            out["changes"] = [
                {"allele_id": c.allele_id, "transition": c.transition, "old": c.old, "new": c.new} for c in self.changes
            ]
        return out


def now(conn: Connection) -> datetime:
    """The database clock (the instant of a run's link changes when the caller pins none)."""
    return conn.execute(Q.now).scalar_one()


def applied_watermark(conn: Connection, release_id: int) -> tuple[datetime | None, int | None]:
    """The newest ``complete_before`` of the release's applied runs, and the last applied run that reached it."""
    watermark, last_run = conn.execute(Q.applied_watermark, {"id": release_id}).one()
    return watermark, last_run


def insert_run(
    conn: Connection,
    release: Release,
    identity: Identity,
    alleles: AlleleSet,
    expected: int,
    force: bool,
    job_id: uuid.UUID | None,
) -> int:
    """Contract 1: the ``running`` row, committed."""
    run_id = conn.execute(
        Q.insert_run,
        {
            "source": release.source,
            "kind": release.kind,
            "release_id": release.id,
            "version": release.version,
            "genome": release.genome_build,
            "force": force,
            "who": identity.user,
            "job_id": job_id,
            "after": alleles.created_after,
            "snap": alleles.snapshot_at,
            "complete": alleles.complete_before,
            "expected": expected,
        },
    ).scalar_one()
    conn.commit()
    return int(run_id)


def finish_run(
    conn: Connection,
    run_id: int,
    *,
    status: str,
    health: str,
    reasons: list[str],
    processed: int,
    source_errors: int,
    counts: dict[str, int],
    integrity: dict[str, Any] | None = None,
    applied_at: datetime | None = None,
) -> None:
    """The outcome of a run that ran to its gate (applied, held, braked) or was cancelled (held); ``integrity``
    None keeps the row's."""
    conn.execute(
        Q.finish_run,
        {
            "run_id": run_id,
            "status": status,
            "health": health,
            "reasons": reasons,
            "processed": processed,
            "source_errors": source_errors,
            "counts": json.dumps(counts),
            "integrity": None if integrity is None else json.dumps(integrity),
            "applied_at": applied_at,
        },
    )


def fail_run(conn: Connection, run_id: int, message: str) -> None:
    """An errored run: ``failed``, with the error as its one reason."""
    conn.execute(Q.fail_run, {"run_id": run_id, "message": message})


def record_decision(
    conn: Connection,
    run_id: int,
    *,
    status: str,
    decided_by: str,
    reasons: list[str],
    counts: dict[str, int],
    processed: int,
    applied_at: datetime | None,
) -> None:
    """A lead's decision on a braked run: ``applied`` (at ``applied_at``) or ``rejected``."""
    conn.execute(
        Q.decide_run,
        {
            "run_id": run_id,
            "status": status,
            "decided_by": decided_by,
            "reasons": reasons,
            "counts": json.dumps(counts),
            "processed": processed,
            "applied_at": applied_at,
        },
    )


def run_for_decision(conn: Connection, run_id: int) -> Row[Any] | None:
    """What deciding a braked run needs of its row (source, release, status, allele set, expected, reasons)."""
    return conn.execute(Q.braked_run, {"id": run_id}).first()


def live_links(conn: Connection, source: str) -> int:
    """How many live links ``source`` has (the brake's denominator)."""
    return int(conn.execute(Q.live_links, {"s": source}).scalar_one())
