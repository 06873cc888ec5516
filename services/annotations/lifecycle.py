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

from sqlalchemy import Connection, text

# Link writes are sorted by allele so the no-overlap GiST index and the allele btrees are touched page by page.

# Only rows that act (or would) are kept in ``run_outcome``, with their values: unchanged, never-linked and
# errored alleles are counted in the same pass (the outcomes are materialised once, in memory, and both
# counted and filtered), so a million-allele run neither writes nor re-reads a million outcome rows.
CREATE_OUTCOME = """
CREATE TEMP TABLE run_outcome (
    allele_id bigint NOT NULL, link_id bigint, outcome text NOT NULL, value jsonb, original jsonb, live_value jsonb
) ON COMMIT PRESERVE ROWS
"""
CLASSIFY = """
WITH c AS MATERIALIZED (
  SELECT c.allele_id, c.link_id, c.outcome,
         CASE WHEN c.outcome IN ('supersede', 'retire', 'link', 'relink') THEN c.value END AS value,
         CASE WHEN c.outcome IN ('supersede', 'retire', 'link', 'relink') THEN c.original END AS original,
         CASE WHEN c.outcome IN ('supersede', 'retire') THEN c.live_value END AS live_value
    FROM (SELECT s.allele_id, s.value, s.original, l.id AS link_id, l.value AS live_value,
                 CASE
                   WHEN s.error IS NOT NULL THEN 'error'
                   WHEN s.value IS NULL THEN CASE WHEN l.id IS NULL THEN 'absent_unlinked' ELSE 'retire' END
                   WHEN l.id IS NULL THEN
                        -- a scalar LIMIT 1 probe, not EXISTS: EXISTS would be planned as a hash of every
                        -- link of the source, built to answer the few alleles without a live link
                        CASE WHEN (SELECT true FROM annotation_link p
                                    WHERE p.allele_id = s.allele_id AND p.source = :source LIMIT 1)
                             THEN 'relink' ELSE 'link' END
                   WHEN l.value = s.value THEN 'unchanged'
                   ELSE 'supersede'
                 END AS outcome
            FROM run_staging s
            LEFT JOIN annotation_link l
              ON l.allele_id = s.allele_id AND l.source = :source AND l.valid_to IS NULL
          OFFSET 0) AS c  -- OFFSET 0: compute each outcome once (no pull-up of the CASE into the outer list)
), kept AS (
  INSERT INTO run_outcome (allele_id, link_id, outcome, value, original, live_value)
  SELECT allele_id, link_id, outcome, value, original, live_value
    FROM c
   WHERE outcome IN ('supersede', 'retire', 'link', 'relink')
)
SELECT outcome, count(*) FROM c GROUP BY outcome
"""

# Events of a healthy run (rules 1–3). Written before the links move, so RELINKED can read the last value.
APPLY_EVENTS = """
INSERT INTO annotation_event (run_id, allele_id, source, kind, value, previous_value, source_version, original, at)
SELECT :run_id, o.allele_id, :source, k.kind,
       CASE WHEN k.kind IN ('ABSENT', 'RETIRED') THEN NULL ELSE o.value END,
       CASE WHEN o.outcome = 'relink'
            THEN (SELECT p.value FROM annotation_link p WHERE p.allele_id = o.allele_id AND p.source = :source
                   ORDER BY p.valid_from DESC LIMIT 1)
            ELSE o.live_value END,
       :source_version, o.original, :at
  FROM run_outcome o
  JOIN (VALUES ('supersede', 'SUPERSEDED', 1), ('retire', 'ABSENT', 1), ('retire', 'RETIRED', 2),
               ('link', 'LINKED', 1), ('relink', 'RELINKED', 1)) AS k(outcome, kind, ord)
    ON k.outcome = o.outcome
 WHERE k.kind <> 'ABSENT' OR :record_absences
 ORDER BY o.allele_id, k.ord
"""

CLOSE_LINKS = """
UPDATE annotation_link SET valid_to = :at
 WHERE id = ANY(ARRAY(SELECT link_id FROM run_outcome WHERE outcome IN ('supersede', 'retire') ORDER BY link_id))
"""

OPEN_LINKS = """
INSERT INTO annotation_link (allele_id, source, value, source_version, run_id, valid_from)
SELECT o.allele_id, :source, o.value, :source_version, :run_id, :at
  FROM run_outcome o
 WHERE o.outcome IN ('supersede', 'link', 'relink')
 ORDER BY o.allele_id
"""

# Events of a run that may not act (rule 6); ABSENT only for absences of live links.
HOLD_EVENTS = """
INSERT INTO annotation_event (run_id, allele_id, source, kind, value, previous_value, source_version, original, at)
SELECT :run_id, o.allele_id, :source, k.kind, CASE WHEN k.kind = 'ABSENT' THEN NULL ELSE o.value END,
       o.live_value, :source_version, o.original, :at
  FROM run_outcome o
  JOIN (VALUES ('supersede', 'HELD', 1), ('retire', 'ABSENT', 1), ('retire', 'HELD', 2)) AS k(outcome, kind, ord)
    ON k.outcome = o.outcome
 WHERE (k.kind = 'ABSENT' AND :record_absences) OR (k.kind = 'HELD' AND :record_held)
 ORDER BY o.allele_id, k.ord
"""

CHANGES = """
SELECT o.allele_id, o.outcome, o.live_value, o.value
  FROM run_outcome o
 WHERE o.outcome IN ('supersede', 'retire', 'relink', 'link')
 ORDER BY o.outcome, o.allele_id
 LIMIT :limit
"""


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
    conn.execute(text("DROP TABLE IF EXISTS run_outcome"))
    conn.execute(text(CREATE_OUTCOME))
    counts = {o: int(n) for o, n in conn.execute(text(CLASSIFY), {"source": source})}
    conn.execute(text("ANALYZE run_outcome (allele_id, link_id, outcome)"))
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
    conn.execute(text(APPLY_EVENTS), {**params, "record_absences": record_absences})
    conn.execute(text(CLOSE_LINKS), params)
    conn.execute(text(OPEN_LINKS), params)


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
    conn.execute(text(HOLD_EVENTS), {**params, "record_absences": record_absences, "record_held": record_held})


@dataclass(frozen=True)
class Change:
    allele_id: int
    transition: str
    old: Any
    new: Any


TRANSITION_NAMES = {"supersede": "superseded", "retire": "retired", "relink": "relinked", "link": "linked"}


def would_be_changes(conn: Connection, limit: int = 100_000) -> list[Change]:
    """The changes ``run_outcome`` describes (a dry run's or a braked run's report)."""
    rows = conn.execute(text(CHANGES), {"limit": limit})
    return [Change(a, TRANSITION_NAMES[o], old, new) for a, o, old, new in rows]
