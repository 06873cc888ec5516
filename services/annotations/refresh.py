"""Refreshing a source: a run from start to outcome — the lock, the snapshot, staging, the gate, the brake.

Contract:
1. One run of a source at a time (``services.annotations.run_locks``).
2. The run row is committed first (so a killed run stays visible), staging commits per chunk into a
   session-local table, and every link change, event and the run's outcome commit in one final transaction: a
   run killed or cancelled before it changes nothing, and ends ``partial``.
3. The gate (``services.annotations.health``): only a healthy run may change links; any other is ``held``.
   A healthy run that would retire too many live links is ``braked`` until a lead confirms (applied then, at
   the confirmation instant) or rejects (held) it (``services.annotations.braked``); its would-be retirements
   are its ABSENT events.
4. ``force`` only re-applies a release to alleles it has seen already; without it a release already applied to
   every allele of its set is refused (``AlreadyApplied``, exit code 4). It never changes the gate.
5. ``dry_run`` stages and classifies in a transaction that is rolled back: counts and change report, no run
   row, no event, no link.
6. ``at`` pins the instant of every link change and event (tests); by default the database clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from services.annotations import lifecycle
from services.annotations.health import (
    BRAKE_MAX_RETIRED_FRACTION,
    brake_applies,
    check_integrity,
    compute_health,
)
from services.annotations.run_connection import run_connection
from services.annotations.run_locks import source_lock
from services.annotations.run_records import (
    RunResult,
    applied_watermark,
    fail_run,
    finish_run,
    insert_run,
    live_links,
    now,
)
from services.annotations.staging import (
    AlleleSet,
    Release,
    count_expected,
    drop_staging,
    find_release,
    snapshot,
    stage,
)
from services.auth.identity import Identity, Role, require
from services.errors import WorkbenchError
from services.jobs.errors import JobCancelled
from services.jobs.progress import ProgressReporter


class AlreadyApplied(WorkbenchError):
    code = "already_applied"


def _error_budget(conn: Connection) -> float:
    from services.settings.service import get_setting

    with Session(bind=conn) as session:
        return float(get_setting(session, "annotation-error-budget"))


def _plan(conn: Connection, release: Release, force: bool) -> tuple[AlleleSet, int]:
    watermark, last_run = applied_watermark(conn, release.id)
    alleles = snapshot(conn, None if force else watermark)
    expected = count_expected(conn, release, alleles)
    if watermark is not None and not force and expected == 0:
        conn.rollback()
        raise AlreadyApplied(
            f"{release.label} was already applied (run #{last_run}) to every allele it covers; "
            "use --force to apply it again"
        )
    return alleles, expected


def _staging_progress(progress: ProgressReporter) -> Callable[[int], None]:
    def on_chunk(rows: int) -> None:
        progress.advance(rows)
        progress.check_cancelled()

    return on_chunk


def refresh(
    identity: Identity,
    source: str,
    version: str,
    genome: str = "GRCh38",
    *,
    force: bool = False,
    dry_run: bool = False,
    at: datetime | None = None,
    progress: ProgressReporter | None = None,
    job_id: uuid.UUID | None = None,
    url: str | None = None,
) -> RunResult:
    """Apply release ``version`` of ``source`` to its alleles (see the module contract)."""
    require(identity, Role.CURATOR, "refresh annotations")
    progress = progress or ProgressReporter(None)
    with run_connection(url) as conn:
        release = find_release(conn, source, version, genome)
        conn.commit()
        if dry_run:
            try:
                return _dry_run(conn, release, force, progress)
            finally:
                conn.rollback()
        with source_lock(conn, release.source):
            return _run(conn, release, identity, force, at, progress, job_id)


def _dry_run(conn: Connection, release: Release, force: bool, progress: ProgressReporter) -> RunResult:
    alleles, expected = _plan(conn, release, force)
    progress.set_total(expected)
    processed = stage(conn, release, alleles, expected, _staging_progress(progress))
    outcomes = lifecycle.classify(conn, release.source)
    integrity = check_integrity(conn, release)
    health = compute_health(
        expected=expected,
        processed=processed,
        source_errors=outcomes.errors,
        error_budget=_error_budget(conn),
        integrity=integrity,
    )
    status = "would_hold"
    if health.health == "healthy":
        live = live_links(conn, release.source)
        status = "would_brake" if brake_applies(outcomes.would_retire, live) else "would_apply"
    changes = lifecycle.would_be_changes(conn)
    lifecycle.drop_outcome(conn)
    drop_staging(conn)
    return RunResult(
        None,
        release.source,
        release.version,
        release.genome_build,
        status,
        health.health,
        expected,
        processed,
        outcomes.errors,
        outcomes.counts(applied=status == "would_apply"),
        health.reasons,
        integrity.as_dict(),
        dry_run=True,
        changes=changes,
    )


def _run(
    conn: Connection,
    release: Release,
    identity: Identity,
    force: bool,
    at: datetime | None,
    progress: ProgressReporter,
    job_id: uuid.UUID | None,
) -> RunResult:
    alleles, expected = _plan(conn, release, force)
    run_id = insert_run(conn, release, identity, alleles, expected, force, job_id)
    base = dict(run_id=run_id, source=release.source, release=release.version, genome=release.genome_build)
    progress.set_total(expected)
    try:
        processed = stage(conn, release, alleles, expected, _staging_progress(progress))
        return _gate_and_apply(conn, run_id, release, expected, processed, at, base)
    except JobCancelled:
        conn.rollback()
        _hold_partial(conn, run_id, release, expected, at)
        raise
    except Exception as exc:  # noqa: BLE001 - an unreadable source or a refused write is the run's outcome
        conn.rollback()
        message = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
        fail_run(conn, run_id, message)
        conn.commit()
        empty = lifecycle.Outcomes({}).counts(applied=False)
        return RunResult(
            **base,
            status="failed",
            health="errored",
            expected=expected,
            processed=0,
            source_errors=0,
            counts=empty,
            reasons=[message],
            error=message,
        )


def _gate_and_apply(
    conn: Connection,
    run_id: int,
    release: Release,
    expected: int,
    processed: int,
    at: datetime | None,
    base: dict[str, Any],
) -> RunResult:
    """Contract 3, in the run's one final transaction."""
    outcomes = lifecycle.classify(conn, release.source)
    integrity = check_integrity(conn, release)
    health = compute_health(
        expected=expected,
        processed=processed,
        source_errors=outcomes.errors,
        error_budget=_error_budget(conn),
        integrity=integrity,
    )
    at = at or now(conn)
    args = (conn, run_id, release.source, release.version, at)
    reasons = list(health.reasons)
    if health.health != "healthy":
        lifecycle.hold_outcomes(*args)
        status = "held"
    elif brake_applies(outcomes.would_retire, live := live_links(conn, release.source)):
        lifecycle.hold_outcomes(*args, record_held=False)
        status = "braked"
        reasons.append(
            f"would retire {outcomes.would_retire:,} of {live:,} live links "
            f"(> {BRAKE_MAX_RETIRED_FRACTION * 100:g} %): a lead must confirm"
        )
    else:
        lifecycle.apply_outcomes(*args)
        status = "applied"
    counts = outcomes.counts(applied=status == "applied")
    finish_run(
        conn,
        run_id,
        status=status,
        health=health.health,
        reasons=reasons,
        processed=processed,
        source_errors=outcomes.errors,
        counts=counts,
        integrity=integrity.as_dict(),
        applied_at=at if status == "applied" else None,
    )
    lifecycle.drop_outcome(conn)
    conn.commit()
    drop_staging(conn)
    conn.commit()
    return RunResult(
        **base,
        status=status,
        health=health.health,
        expected=expected,
        processed=processed,
        source_errors=outcomes.errors,
        counts=counts,
        reasons=reasons,
        integrity=integrity.as_dict(),
    )


def _hold_partial(conn: Connection, run_id: int, release: Release, expected: int, at: datetime | None) -> None:
    """A cancelled run: record what it saw of the chunks it staged (HELD/ABSENT), change no link."""
    outcomes = lifecycle.classify(conn, release.source)
    lifecycle.hold_outcomes(conn, run_id, release.source, release.version, at or now(conn))
    health = compute_health(
        expected=expected,
        processed=outcomes.processed,
        source_errors=outcomes.errors,
        error_budget=1.0,
        integrity=check_integrity(conn, release),
        failed=None,
    )
    finish_run(
        conn,
        run_id,
        status="held",
        health="partial" if health.health != "errored" else "errored",
        reasons=health.reasons or ["cancelled"],
        processed=outcomes.processed,
        source_errors=outcomes.errors,
        counts=outcomes.counts(applied=False),
    )
    lifecycle.drop_outcome(conn)
    conn.commit()
