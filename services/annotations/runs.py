"""Refreshing a source: a run from start to outcome — the lock, the snapshot, staging, the gate, the brake.

Contract:
1. One run of a source at a time: the run holds a session advisory lock on the source for its whole life (the
   database drops it when the process dies) and its row is ``running``; ``uq_annotation_run_active`` admits at
   most one running or braked run per source. A second run is refused with a message naming the first; a
   ``running`` row whose lock is free belonged to a dead process and is marked ``partial`` on the spot.
2. The run row is committed first (so a killed run stays visible), staging commits per chunk into a
   session-local table, and every link change, event and the run's outcome commit in one final transaction: a
   run killed or cancelled before it changes nothing, and ends ``partial``.
3. The gate (``services.annotations.health``): only a healthy run may change links; any other is ``held``.
   A healthy run that would retire too many live links is ``braked`` until a lead confirms (applied then, at
   the confirmation instant) or rejects (held) it; its would-be retirements are its ABSENT events.
4. ``force`` only re-applies a release to alleles it has seen already; without it a release already applied to
   every allele of its set is refused (``AlreadyApplied``, exit code 4). It never changes the gate.
5. ``dry_run`` stages and classifies in a transaction that is rolled back: counts and change report, no run
   row, no event, no link.
6. ``at`` pins the instant of every link change and event (tests); by default the database clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from services.alleles.normalize import normalise_build
from services.annotations import lifecycle
from services.annotations.health import (
    BRAKE_MAX_RETIRED_FRACTION,
    brake_applies,
    check_integrity,
    compute_health,
)
from services.annotations.outcome import run_outcome
from services.annotations.staging import (
    AlleleSet,
    Release,
    count_expected,
    release_from_row,
    release_select,
    snapshot,
    stage,
)
from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.db.engine import get_engine
from services.errors import InvalidInput, NotFound, WorkbenchError
from services.jobs import leases
from services.jobs.errors import JobCancelled
from services.jobs.operations import operation
from services.jobs.progress import ProgressReporter

Q = sql_blocks.load(__file__)
LOST_REASON = "the process running it stopped (killed, crashed or cut off from the database) before it finished"


class AlreadyApplied(WorkbenchError):
    code = "already_applied"


class SourceLocked(WorkbenchError):
    code = "source_locked"


class RunErrored(WorkbenchError):
    code = "run_errored"


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


# -- the run's connection ---------------------------------------------------------------------------------

RUN_WORK_MEM = "128MB"
# A million-allele run stages ~120 MB and keeps ~20 MB of outcomes in session-local tables: with PostgreSQL's
# 8 MB of temp buffers they would be written out and read back through the file system several times.
RUN_TEMP_BUFFERS = "256MB"


@contextmanager
def run_connection(url: str | None = None) -> Iterator[Connection]:
    """One connection for a run's whole life (its advisory lock and session-local staging live on it), with
    enough ``work_mem`` that classifying a million alleles hashes in memory and enough ``temp_buffers`` that
    its staging stays in memory. ``temp_buffers`` can only be set before the session's first temporary table,
    and the session keeps those buffers until it ends, so the connection is closed (not pooled) afterwards."""
    with get_engine(url).connect() as conn:
        try:
            conn.execute(text(f"SET temp_buffers = '{RUN_TEMP_BUFFERS}'"))
        except DBAPIError:
            conn.rollback()  # a pooled session that used temporary tables already: keep its size
        conn.execute(text(f"SET work_mem = '{RUN_WORK_MEM}'"))
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            conn.execute(text("RESET work_mem"))
            conn.execute(text("DROP TABLE IF EXISTS run_outcome"))
            conn.execute(text("DROP TABLE IF EXISTS run_staging"))
            conn.commit()
            conn.invalidate()


# -- releases ---------------------------------------------------------------------------------------------


def find_release(conn: Connection, source: str, version: str, genome: str) -> Release:
    row = conn.execute(
        text(
            f"SELECT {release_select('s')} FROM annotation_sources s "
            "WHERE s.name = :name AND s.version = :version AND s.genome_build = :genome"
        ),
        {"name": source, "version": version, "genome": normalise_build(genome)},
    ).first()
    if row is None:
        raise NotFound(
            f"no release {version!r} of source {source!r} for {genome} — load it with `workbench source add`"
        )
    return release_from_row(row)


def _release_by_id(conn: Connection, release_id: int) -> Release:
    row = conn.execute(
        text(f"SELECT {release_select('s')} FROM annotation_sources s WHERE s.id = :id"), {"id": release_id}
    ).one()
    return release_from_row(row)


# -- the per-source lock ----------------------------------------------------------------------------------


def _lock_key(source: str) -> str:
    return f"annotation_run:{source}"


@contextmanager
def source_lock(conn: Connection, source: str, *, deciding_run: int | None = None) -> Iterator[None]:
    """Contract 1. Refuses (``SourceLocked``) when another run of ``source`` is running or braked."""
    key = {"k": _lock_key(source)}
    got = conn.execute(text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))"), key).scalar_one()
    conn.commit()
    if not got:
        row = conn.execute(
            text(
                "SELECT id, started_at, triggered_by FROM annotation_run WHERE source = :s AND status = 'running' "
                "ORDER BY id DESC LIMIT 1"
            ),
            {"s": source},
        ).first()
        conn.rollback()
        who = f"run #{row[0]} (started {row[1]:%Y-%m-%d %H:%M} by {row[2]})" if row else "another run"
        raise SourceLocked(f"{source} is being refreshed by {who}; try again when it has finished")
    try:
        conn.execute(
            text(
                "UPDATE annotation_run SET status = 'held', health = 'partial', health_reasons = ARRAY[:why], "
                "finished_at = clock_timestamp() WHERE source = :s AND status = 'running'"
            ),
            {"s": source, "why": LOST_REASON},
        )
        braked = conn.execute(
            text("SELECT id FROM annotation_run WHERE source = :s AND status = 'braked'"), {"s": source}
        ).scalar()
        conn.commit()
        if braked is not None and braked != deciding_run:
            raise SourceLocked(
                f"run #{braked} of {source} would retire many links and waits for a lead to confirm or reject "
                "it on the Annotation runs page; no other run of this source starts until then"
            )
        yield
    finally:
        conn.rollback()
        conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), key)
        conn.commit()


# -- a run --------------------------------------------------------------------------------------------------


def _error_budget(conn: Connection) -> float:
    from services.settings.service import get_setting

    with Session(bind=conn) as session:
        return float(get_setting(session, "annotation-error-budget"))


def _plan(conn: Connection, release: Release, force: bool) -> tuple[AlleleSet, int]:
    row = conn.execute(
        text(
            "SELECT max(complete_before), max(id) FILTER (WHERE complete_before = "
            "(SELECT max(complete_before) FROM annotation_run WHERE release_id = :id AND status = 'applied')) "
            "FROM annotation_run WHERE release_id = :id AND status = 'applied'"
        ),
        {"id": release.id},
    ).one()
    watermark, last_run = row
    alleles = snapshot(conn, None if force else watermark)
    expected = count_expected(conn, release, alleles)
    if watermark is not None and not force and expected == 0:
        conn.rollback()
        raise AlreadyApplied(
            f"{release.label} was already applied (run #{last_run}) to every allele it covers; "
            "use --force to apply it again"
        )
    return alleles, expected


def _now(conn: Connection) -> datetime:
    return conn.execute(text("SELECT clock_timestamp()")).scalar_one()


def _insert_run(
    conn: Connection,
    release: Release,
    identity: Identity,
    alleles: AlleleSet,
    expected: int,
    force: bool,
    job_id: uuid.UUID | None,
) -> int:
    run_id = conn.execute(
        text(
            "INSERT INTO annotation_run (source, source_kind, release_id, source_version, genome_build, force, "
            "triggered_by, job_id, alleles_created_after, snapshot_at, complete_before, alleles_expected, status) "
            "VALUES (:source, :kind, :release_id, :version, :genome, :force, :who, :job_id, :after, :snap, "
            ":complete, :expected, 'running') RETURNING id"
        ),
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


def _finish_run(conn: Connection, run_id: int, **values: Any) -> None:
    import json

    values.setdefault("finished_at", _now(conn))
    for key in ("counts", "integrity"):
        if key in values:
            values[key] = json.dumps(values[key])
    sets = ", ".join(f"{k} = CAST(:{k} AS jsonb)" if k in ("counts", "integrity") else f"{k} = :{k}" for k in values)
    conn.execute(text(f"UPDATE annotation_run SET {sets} WHERE id = :run_id"), {**values, "run_id": run_id})


def _staging_progress(progress: ProgressReporter):
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
        live = _live_links(conn, release.source)
        status = "would_brake" if brake_applies(outcomes.would_retire, live) else "would_apply"
    changes = lifecycle.would_be_changes(conn)
    conn.execute(text("DROP TABLE IF EXISTS run_outcome"))
    conn.execute(text("DROP TABLE IF EXISTS run_staging"))
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


def _live_links(conn: Connection, source: str) -> int:
    return int(
        conn.execute(
            text("SELECT count(*) FROM annotation_link WHERE source = :s AND valid_to IS NULL"), {"s": source}
        ).scalar_one()
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
    run_id = _insert_run(conn, release, identity, alleles, expected, force, job_id)
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
        _finish_run(conn, run_id, status="failed", health="errored", health_reasons=[message], error_message=message)
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
    at = at or _now(conn)
    args = (conn, run_id, release.source, release.version, at)
    reasons = list(health.reasons)
    if health.health != "healthy":
        lifecycle.hold_outcomes(*args)
        status = "held"
    elif brake_applies(outcomes.would_retire, live := _live_links(conn, release.source)):
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
    _finish_run(
        conn,
        run_id,
        status=status,
        health=health.health,
        health_reasons=reasons,
        alleles_processed=processed,
        source_errors=outcomes.errors,
        counts=counts,
        integrity=integrity.as_dict(),
        applied_at=at if status == "applied" else None,
    )
    conn.execute(text("DROP TABLE IF EXISTS run_outcome"))
    conn.commit()
    conn.execute(text("DROP TABLE IF EXISTS run_staging"))
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
    lifecycle.hold_outcomes(conn, run_id, release.source, release.version, at or _now(conn))
    health = compute_health(
        expected=expected,
        processed=outcomes.processed,
        source_errors=outcomes.errors,
        error_budget=1.0,
        integrity=check_integrity(conn, release),
        failed=None,
    )
    _finish_run(
        conn,
        run_id,
        status="held",
        health="partial" if health.health != "errored" else "errored",
        health_reasons=health.reasons or ["cancelled"],
        alleles_processed=outcomes.processed,
        source_errors=outcomes.errors,
        counts=outcomes.counts(applied=False),
    )
    conn.execute(text("DROP TABLE IF EXISTS run_outcome"))
    conn.commit()


# -- braked runs: a lead decides --------------------------------------------------------------------------


def decide_braked_run(
    identity: Identity, run_id: int, *, confirm: bool, at: datetime | None = None, url: str | None = None
) -> RunResult:
    """Confirm (apply now) or reject (hold) a braked run; leads only."""
    require(identity, Role.LEAD, "confirm or reject a braked annotation run")
    with run_connection(url) as conn:
        row = conn.execute(
            text(
                "SELECT source, release_id, status, alleles_created_after, snapshot_at, complete_before, "
                "alleles_expected, health_reasons FROM annotation_run WHERE id = :id"
            ),
            {"id": run_id},
        ).first()
        if row is None:
            raise NotFound(f"no annotation run #{run_id}")
        if row.status != "braked":
            raise InvalidInput(f"run #{run_id} is {row.status}, not waiting for a decision")
        conn.commit()
        with source_lock(conn, row.source, deciding_run=run_id):
            release = _release_by_id(conn, row.release_id)
            alleles = AlleleSet(row.alleles_created_after, row.snapshot_at, row.complete_before)
            processed = stage(conn, release, alleles, row.alleles_expected)
            outcomes = lifecycle.classify(conn, release.source)
            at = at or _now(conn)
            args = (conn, run_id, release.source, release.version, at)
            if confirm:
                lifecycle.apply_outcomes(*args, record_absences=False)
                status, verdict = "applied", f"confirmed by {identity.user}"
            else:
                lifecycle.hold_outcomes(*args, record_absences=False)
                status, verdict = "rejected", f"rejected by {identity.user}"
            counts = outcomes.counts(applied=confirm)
            _finish_run(
                conn,
                run_id,
                status=status,
                decided_by=identity.user,
                health_reasons=[*row.health_reasons, verdict],
                counts=counts,
                alleles_processed=processed,
                applied_at=at if confirm else None,
            )
            conn.execute(text("DROP TABLE IF EXISTS run_outcome"))
            conn.execute(text("DROP TABLE IF EXISTS run_staging"))
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


# -- the background job -------------------------------------------------------------------------------------


def mark_lost_runs_partial(job_id: uuid.UUID) -> None:
    """``on_lost``: a worker died mid-run — its run changed nothing; it ends ``partial`` (lock released)."""
    with get_engine().begin() as conn:
        conn.execute(
            text(
                "UPDATE annotation_run SET status = 'held', health = 'partial', health_reasons = ARRAY[:why], "
                "finished_at = clock_timestamp() WHERE job_id = :job AND status = 'running'"
            ),
            {"job": job_id, "why": LOST_REASON},
        )


@leases.sweep("annotation_run")
def sweep_dead_runs() -> int:
    """Contract 1 for every source at once: a ``running`` run whose source lock nobody holds belonged to a dead
    process (SIGKILL, crash, database outage) and ends ``partial`` — without waiting for the next run of its
    source. Workers run it at start-up and every minute."""
    ended = 0
    with get_engine().begin() as conn:
        for run_id, source in conn.execute(Q.running_runs).all():
            if not leases.is_held(conn, _lock_key(source)):
                ended += conn.execute(Q.end_dead_run, {"id": run_id, "why": LOST_REASON}).rowcount
    return ended


@operation(
    "annotations.refresh",
    title="Refresh annotations",
    min_role=Role.CURATOR,
    retry_safe=False,
    on_lost=mark_lost_runs_partial,
)
def refresh_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    result = refresh(
        identity,
        payload["source"],
        payload["release"],
        payload.get("genome", "GRCh38"),
        force=bool(payload.get("force")),
        progress=progress,
        job_id=progress.job_id,
    )
    if result.health == "errored":
        raise RunErrored(f"run #{result.run_id} errored: {result.error}")
    findings = result.as_json()
    if not result.applied:
        # A run that changed nothing must not read as a plain success on the Jobs page.
        progress.event("held", f"{findings['outcome']}. {findings.get('next_step', '')}".strip())
    return findings


@operation("annotations.decide", title="Decide a braked annotation run", min_role=Role.LEAD, retry_safe=False)
def decide_operation(payload: dict[str, Any], progress: ProgressReporter, identity: Identity) -> dict[str, Any]:
    """A lead's confirm/reject of a braked run, off the page: it restages the run's whole allele set.

    A worker lost mid-decision changes nothing (the decision commits at its end): the run stays braked.
    """
    return decide_braked_run(identity, int(payload["run_id"]), confirm=bool(payload["confirm"])).as_json()
