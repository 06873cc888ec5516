"""The one link lifecycle for every source: supersede, retire on absence, (re-)link, or hold — set-based SQL.

Input: a run's staged results in ``run_staging`` (one row per allele it processed: canonical value, NULL when
absent, or a source error). ``classify`` compares them with the live links of the source into
``run_outcome``; then either ``apply_outcomes`` (a healthy, unbraked run) or ``hold_outcomes`` (any other) —
never both, and always inside the caller's one transaction.

Contract (the constraint guarding each rule in brackets):
1. supersede — an actual change of canonical value closes the live link and opens the new one at the run's one
   instant ``at`` (old ``valid_to`` = new ``valid_from``: no gap; ``ex_annotation_link_no_overlap``: no
   overlap); one SUPERSEDED event with the value and the previous value.
2. retire — a live link whose allele the release lacks is closed at ``at`` with no successor; ABSENT and
   RETIRED events.
3. link / re-link — a value for an allele with no live link opens one: LINKED the first time, RELINKED after a
   retirement (the event carries the last retired value as ``previous_value``).
4. An equal canonical value is UNCHANGED, an absence of an allele never linked is ``absent`` — counts only.
5. A source error leaves that allele's link alone (it counts against the error budget, not as an absence).
6. hold — an unhealthy (degraded, partial, errored) or rejected run changes no link: HELD events (value seen,
   previous value) for every live link it would have superseded or retired, plus ABSENT for absences of live
   links, so the log says what it saw. Would-be links and re-links count as held.
7. At most one live link per (allele, source) (``uq_annotation_link_live``); events are append-only
   (``annotation_event_append_only``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from services.db import sql_blocks

Q = sql_blocks.load(__file__, "lifecycle.sql")


@dataclass(frozen=True)
class Outcomes:
    """How many alleles of the run fall in each outcome of ``classify``."""

    by_outcome: dict[str, int]

    def n(self, outcome: str) -> int:
        return self.by_outcome.get(outcome, 0)

    @property
    def processed(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def errors(self) -> int:
        return self.n("error")

    @property
    def would_retire(self) -> int:
        return self.n("retire")

    @property
    def would_change(self) -> int:
        return sum(self.n(o) for o in ("supersede", "retire", "link", "relink"))

    def counts(self, applied: bool) -> dict[str, int]:
        """The run's per-transition counts (the CLI's ``counts``)."""
        if applied:
            return {
                "linked": self.n("link"),
                "unchanged": self.n("unchanged"),
                "superseded": self.n("supersede"),
                "absent": self.n("retire") + self.n("absent_unlinked"),
                "retired": self.n("retire"),
                "relinked": self.n("relink"),
                "held": 0,
            }
        return {
            "linked": 0,
            "unchanged": self.n("unchanged"),
            "superseded": 0,
            "absent": self.n("retire") + self.n("absent_unlinked"),
            "retired": 0,
            "relinked": 0,
            "held": self.would_change,
        }


def classify(conn: Connection, source: str) -> Outcomes:
    """Compare ``run_staging`` with the source's live links into ``run_outcome`` (see the module contract)."""
    conn.execute(Q.drop_outcome)
    conn.execute(Q.create_outcome)
    counts = {o: int(n) for o, n in conn.execute(Q.classify, {"source": source})}
    conn.execute(Q.analyze_outcome)
    return Outcomes(counts)


def _params(run_id: int, source: str, source_version: str, at: datetime) -> dict[str, Any]:
    return {"run_id": run_id, "source": source, "source_version": source_version, "at": at}


def apply_outcomes(
    conn: Connection,
    run_id: int,
    source: str,
    source_version: str,
    at: datetime,
    *,
    record_absences: bool = True,
) -> None:
    """Rules 1–3 for a healthy run: events, then close the old links, then open the new ones, all at ``at``.

    ``record_absences=False`` when the run's ABSENT events were written already (a braked run confirmed later).
    """
    params = _params(run_id, source, source_version, at)
    conn.execute(Q.apply_events, {**params, "record_absences": record_absences})
    conn.execute(Q.close_links, params)
    conn.execute(Q.open_links, params)


def hold_outcomes(
    conn: Connection,
    run_id: int,
    source: str,
    source_version: str,
    at: datetime,
    *,
    record_absences: bool = True,
    record_held: bool = True,
) -> None:
    """Rule 6: record what the run saw, change no link."""
    params = _params(run_id, source, source_version, at)
    conn.execute(Q.hold_events, {**params, "record_absences": record_absences, "record_held": record_held})


@dataclass(frozen=True)
class Change:
    allele_id: int
    transition: str
    old: Any
    new: Any


TRANSITION_NAMES = {"supersede": "superseded", "retire": "retired", "relink": "relinked", "link": "linked"}


def would_be_changes(conn: Connection, limit: int = 100_000) -> list[Change]:
    """The changes ``run_outcome`` describes (a dry run's or a braked run's report)."""
    rows = conn.execute(Q.changes, {"limit": limit})
    return [Change(a, TRANSITION_NAMES[o], old, new) for a, o, old, new in rows]


def drop_outcome(conn: Connection) -> None:
    """Drop the session-local ``run_outcome`` (a run's last step, or its connection's end)."""
    conn.execute(Q.drop_outcome)
