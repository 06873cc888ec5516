"""A run's health, computed from what actually happened — the gate that decides whether it may change links.

Contract:
1. errored — the run failed (source unreadable, an exception).
2. partial — it did not process its full allele set (cancelled, worker killed, time-out).
3. degraded — it processed everything but the source reported errors for more than ``error_budget`` of its
   alleles (the ``annotation-error-budget`` setting, default 0.1 %), or the release failed its integrity check.
4. healthy — complete, within the error budget, integrity passed. Only a healthy run may change links;
   ``force`` never changes this gate.
5. Integrity: compared with the release of the same source and build applied before it (the latest applied
   run's release, another release), a release fails when a contig present before is missing or it has more
   than 10 % fewer records — unless a lead verified it (``annotation_release_verification``, audited).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection

from services.annotations.staging import Release, release_by_id
from services.db import sql_blocks

Q = sql_blocks.load(__file__)

MAX_RECORD_DROP = 0.10
BRAKE_MIN_LIVE_LINKS = 100
BRAKE_MAX_RETIRED_FRACTION = 0.05


@dataclass(frozen=True)
class Integrity:
    """The release-integrity report shown on the Annotation runs page."""

    previous_release_id: int | None = None
    previous_version: str | None = None
    previous_records: int | None = None
    records: int | None = None
    missing_contigs: list[str] = field(default_factory=list)
    record_change: float | None = None
    verified: bool = False

    @property
    def failures(self) -> list[str]:
        out = []
        if self.missing_contigs:
            out.append(f"contigs missing since {self.previous_version}: {', '.join(self.missing_contigs)}")
        if self.record_change is not None and self.record_change < -MAX_RECORD_DROP:
            out.append(f"{-self.record_change:.1%} fewer records than {self.previous_version}")
        return out

    @property
    def passed(self) -> bool:
        return self.verified or not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "failures": self.failures, "passed": self.passed}


def previous_release(conn: Connection, release: Release) -> Release | None:
    """The release of the latest applied run of ``release``'s source and build, another one than ``release``."""
    release_id = conn.execute(
        Q.previous_release_id, {"source": release.source, "build": release.genome_build, "release_id": release.id}
    ).scalar()
    return None if release_id is None else release_by_id(conn, release_id)


def is_verified(conn: Connection, release_id: int) -> bool:
    return bool(conn.execute(Q.is_verified, {"id": release_id}).scalar_one())


def check_integrity(conn: Connection, release: Release) -> Integrity:
    """Rule 5."""
    verified = is_verified(conn, release.id)
    before = previous_release(conn, release)
    if before is None:
        return Integrity(records=release.record_count, verified=verified)
    missing = sorted(set(before.contigs) - set(release.contigs))
    change = (release.record_count - before.record_count) / before.record_count if before.record_count else None
    return Integrity(before.id, before.version, before.record_count, release.record_count, missing, change, verified)


@dataclass(frozen=True)
class Health:
    health: str
    reasons: list[str]


def compute_health(
    *,
    expected: int,
    processed: int,
    source_errors: int,
    error_budget: float,
    integrity: Integrity,
    failed: str | None = None,
) -> Health:
    """Rules 1–4, in that order of precedence."""
    if failed:
        return Health("errored", [failed])
    if processed < expected:
        return Health("partial", [f"processed {processed:,} of {expected:,} alleles"])
    reasons = []
    if expected and source_errors / expected > error_budget:
        reasons.append(
            f"source errors for {source_errors:,} of {expected:,} alleles "
            f"({source_errors / expected:.2%} > {error_budget:.2%})"
        )
    if not integrity.passed:
        reasons.extend(integrity.failures)
    return Health("degraded", reasons) if reasons else Health("healthy", [])


def brake_applies(would_retire: int, live_links: int) -> bool:
    """The safety brake: a healthy run that would retire more than ``BRAKE_MAX_RETIRED_FRACTION`` of a source's
    live links (when it has more than ``BRAKE_MIN_LIVE_LINKS``)."""
    return live_links > BRAKE_MIN_LIVE_LINKS and would_retire > BRAKE_MAX_RETIRED_FRACTION * live_links
