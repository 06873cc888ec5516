"""A braked run, decided by a lead: confirmed (applied now) or rejected (held).

Contract: only a lead decides (``require``), only a ``braked`` run, under its source's lock (which admits the
deciding run). The run's allele set is staged again and classified against the links as they are now; a
confirmation applies the outcomes at the decision's instant, a rejection records HELD events; the run's ABSENT
events were written when it braked, so neither writes them again. Everything commits in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from services.annotations import lifecycle
from services.annotations.run_connection import run_connection
from services.annotations.run_locks import source_lock
from services.annotations.run_records import RunResult, now, record_decision, run_for_decision
from services.annotations.staging import AlleleSet, drop_staging, release_by_id, stage
from services.auth.identity import Identity, Role, require
from services.errors import InvalidInput, NotFound


def decide_braked_run(
    identity: Identity, run_id: int, *, confirm: bool, at: datetime | None = None, url: str | None = None
) -> RunResult:
    """Confirm (apply now) or reject (hold) a braked run; leads only."""
    require(identity, Role.LEAD, "confirm or reject a braked annotation run")
    with run_connection(url) as conn:
        row = run_for_decision(conn, run_id)
        if row is None:
            raise NotFound(f"no annotation run #{run_id}")
        if row.status != "braked":
            raise InvalidInput(f"run #{run_id} is {row.status}, not waiting for a decision")
        conn.commit()
        with source_lock(conn, row.source, deciding_run=run_id):
            release = release_by_id(conn, row.release_id)
            alleles = AlleleSet(row.alleles_created_after, row.snapshot_at, row.complete_before)
            processed = stage(conn, release, alleles, row.alleles_expected)
            outcomes = lifecycle.classify(conn, release.source)
            at = at or now(conn)
            args = (conn, run_id, release.source, release.version, at)
            if confirm:
                lifecycle.apply_outcomes(*args, record_absences=False)
                status, verdict = "applied", f"confirmed by {identity.user}"
            else:
                lifecycle.hold_outcomes(*args, record_absences=False)
                status, verdict = "rejected", f"rejected by {identity.user}"
            counts = outcomes.counts(applied=confirm)
            record_decision(
                conn,
                run_id,
                status=status,
                decided_by=identity.user,
                reasons=[*row.health_reasons, verdict],
                counts=counts,
                processed=processed,
                applied_at=at if confirm else None,
            )
            lifecycle.drop_outcome(conn)
            drop_staging(conn)
            conn.commit()
    return RunResult(
        run_id,
        release.source,
        release.version,
        release.genome_build,
        status,
        "healthy",
        row.alleles_expected,
        processed,
        outcomes.errors,
        counts,
    )
