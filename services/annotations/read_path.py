"""The read path: the current annotation of alleles per source, under the retired-link display decision.

Every page, the CLI, filters and exports use these functions — there is no second copy of "the current value".
Contract:
1. Per (allele, source) the latest link decides: live (``valid_to`` null, or after ``as_of``) → its value;
   closed with no successor → retired at its ``valid_to``, by the release whose RETIRED event closed it.
2. The ``retired-link-display`` setting decides how a retired link shows, the same for every source:
   ``none`` — no value, a note "retired in <source> <version> on <date>"; ``last-known`` — the last value,
   marked retired, with its source version ("last known: <version>").
3. ``displayed_value_filter`` matches what is displayed: live values, and retired last-known values only when
   the display is ``last-known`` *and* the user asked to include retired values. When retired values do not count
   (``retired_values_shown`` false), ``displayed_value_positions`` gives one value's alleles as rows to join, in
   position order.
4. ``as_of`` answers the same question for a past instant, with the half-open ``[valid_from, valid_to)`` rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Subquery, column, exists, func, literal, select, table, true, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from services.alleles.keys import allele_id as allele_key_id
from services.alleles.normalize import normalise_build, normalise_contig
from services.db import sql_blocks
from services.errors import InvalidInput, NotFound
from services.settings.registry import spec

Q = sql_blocks.load(__file__)
DISPLAY_SETTING = "retired-link-display"
DISPLAY_CHOICES: tuple[str, ...] = spec(DISPLAY_SETTING).choices or ()  # the settings registry owns them
#: What each retired-link display does, in the words the Settings page shows (one entry per choice).
DISPLAY_EXPLANATIONS: dict[str, str] = {
    "none": "**Show nothing** — a retired link gives no current value; the allele shows "
    "“retired in <source> <version> on <date>”. Filters never match it.",
    "last-known": "**Show the last known value** — marked retired, with its source version "
    "(“last known: Ensembl 110”). Filters match it only when “include retired” is ticked.",
}


@dataclass(frozen=True)
class AlleleRef:
    id: int
    genome_build: str
    chrom: str
    pos: int
    ref: str
    alt: str

    @property
    def label(self) -> str:
        return f"{self.chrom}-{self.pos}-{self.ref}-{self.alt}"


@dataclass(frozen=True)
class CurrentValue:
    """What a source says about an allele now (or at ``as_of``), under the display setting."""

    source: str
    value: Any | None
    source_version: str
    retired: bool
    retired_at: datetime | None
    retired_in: str | None
    valid_from: datetime
    run_id: int

    @property
    def shown(self) -> bool:
        return self.value is not None

    @property
    def note(self) -> str:
        if not self.retired:
            return f"{self.source} {self.source_version}"
        when = f"{self.retired_at:%Y-%m-%d}" if self.retired_at else "?"
        if self.shown:
            return f"last known: {self.source} {self.source_version} (retired on {when})"
        return f"retired in {self.source} {self.retired_in or '?'} on {when}"

    def as_json(self) -> dict[str, Any] | None:
        """The CLI's ``current[source]``: null when nothing is displayed."""
        if not self.shown:
            return None
        return {
            "value": self.value,
            "source_version": self.source_version,
            "retired": self.retired,
            "retired_at": self.retired_at,
        }


def display_setting(session: Session) -> str:
    from services.settings.service import get_setting

    return str(get_setting(session, DISPLAY_SETTING))


def known_sources(session: Session) -> list[str]:
    return [r[0] for r in session.execute(Q.known_sources)]


def current_annotation(
    session: Session,
    allele_ids: Sequence[int],
    *,
    display: str | None = None,
    as_of: datetime | None = None,
) -> dict[int, dict[str, CurrentValue | None]]:
    """Rules 1, 2 and 4: ``{allele_id: {source: CurrentValue or None (never linked)}}`` for every known source."""
    display = display or display_setting(session)
    if display not in DISPLAY_CHOICES:
        raise InvalidInput(f"{DISPLAY_SETTING} must be one of {', '.join(DISPLAY_CHOICES)}")
    sources = known_sources(session)
    out: dict[int, dict[str, CurrentValue | None]] = {a: dict.fromkeys(sources) for a in allele_ids}
    rows = session.execute(Q.latest_links, {"ids": list(allele_ids), "at": as_of}).all()
    for r in rows:
        retired = r.valid_to is not None and (as_of is None or r.valid_to <= as_of)
        value = r.value if (not retired or display == "last-known") else None
        out[r.allele_id][r.source] = CurrentValue(
            r.source,
            value,
            r.source_version,
            retired,
            r.valid_to if retired else None,
            r.retired_in if retired else None,
            r.valid_from,
            r.run_id,
        )
    return out


# The view of migration 0004: the latest link of each (allele, source), ``retired`` when it has ended.
annotation_current = table(
    "annotation_current",
    column("allele_id"),
    column("source"),
    column("value", JSONB),
    column("source_version"),
    column("valid_to"),
    column("retired"),
)


# An allele's contig, for ``displayed_value_filter(contig=…)``.
_alleles = table("alleles", column("id"), column("chrom"))


def retired_values_shown(display: str, include_retired: bool) -> bool:
    """Rule 3's switch: retired (last-known) values count for filters only under ``last-known`` and when asked."""
    if display not in DISPLAY_CHOICES:
        raise InvalidInput(f"unknown retired-link display {display!r}")
    return include_retired and display == "last-known"


def displayed_value_filter(
    allele_id: ColumnElement[Any],
    source: str,
    field: str,
    values: Sequence[str],
    *,
    display: str,
    include_retired: bool = False,
    contig: ColumnElement[Any] | None = None,
) -> ColumnElement[bool]:
    """Rule 3: ``allele_id``'s displayed ``source`` value has ``field`` in ``values`` (case-insensitive).

    For the Variants page: ``query.where(displayed_value_filter(Variant.allele_id, "clinvar", "clnsig",
    ["Pathogenic"], display=display_setting(session), include_retired=ticked))``. ``contig``, when given, is the
    caller's contig column of the same allele (a variant's ``chrom`` is its allele's): the condition then also
    reads the allele's contig, which is true of every row it matches already but lets the planner go from the
    matching links to one partition of a table partitioned by contig (one probe per link instead of one per
    partition) — worth it when few links match (``displayed_value_links``). Not retired is said as ``valid_to IS
    NULL`` (the view's ``retired``), the predicate of the partial index ``ix_annotation_link_clinvar_position``."""
    c = annotation_current
    query = (
        select(1)
        .select_from(c)
        .where(c.c.allele_id == allele_id, *_displayed_value_matches(source, field, values, display, include_retired))
    )
    if contig is not None:
        query = query.join(_alleles, _alleles.c.id == c.c.allele_id).where(_alleles.c.chrom == contig)
    return exists(query)


def _displayed_value_matches(
    source: str, field: str, values: Sequence[str], display: str, include_retired: bool
) -> list[ColumnElement[bool]]:
    """The conditions on ``annotation_current`` shared by ``displayed_value_filter`` and ``displayed_value_links``:
    the source's latest links whose ``field`` is one of ``values`` (case-insensitively), ended ones only when the
    display shows retired values (``retired_values_shown``)."""
    c = annotation_current
    return [
        c.c.source == source,
        func.lower(c.c.value[field].astext).in_([v.lower() for v in values]),
        true() if retired_values_shown(display, include_retired) else c.c.valid_to.is_(None),
    ]


def displayed_value_links(
    session: Session,
    source: str,
    field: str,
    values: Sequence[str],
    *,
    display: str,
    include_retired: bool = False,
    cap: int,
) -> int:
    """How many (allele, source) links ``displayed_value_filter`` matches, counting at most ``cap + 1`` (an
    index range of ``ix_annotation_link_clinvar_position`` for ClinVar's significance): a caller's cheap measure of
    how selective the filter is."""
    matches = (
        select(1)
        .select_from(annotation_current)
        .where(*_displayed_value_matches(source, field, values, display, include_retired))
        .limit(int(cap) + 1)
    )
    return int(session.execute(select(func.count()).select_from(matches.subquery())).scalar_one())


# The links themselves, for ``displayed_value_positions``; ``chrom``/``pos`` are the allele's (revision 0024).
_links = table(
    "annotation_link",
    column("allele_id"),
    column("source"),
    column("value", JSONB),
    column("valid_to"),
    column("chrom"),
    column("pos"),
)


def displayed_value_positions(
    source: str, field: str, value: str, *, at_or_after: tuple[str, int] | None = None
) -> Subquery:
    """Rule 3 without retired values (``retired_values_shown`` false), for one value: the alleles whose current
    ``source`` link has ``field`` equal to ``value`` (case-insensitively), as rows ``(allele_id, chrom, pos, value)`` —
    the allele's contig and position, which are also those of each of its variants, and the link's value, which is
    what rule 1 displays for the allele now (a current link is its latest). One row per allele (one current link per
    allele and source): the alleles ``displayed_value_filter`` matches for this value with ``include_retired`` off.

    The rows are one range of an index on (``lower(value->>field)``, chrom, pos) — for ClinVar's significance
    ``ix_annotation_link_clinvar_position`` — so a caller ordering by (chrom, pos) reads them in order and can stop
    after a page; several values are several such ranges (a UNION ALL of them is not read in order: its filtered
    branches stay subqueries without an order). ``at_or_after``: only alleles at or after this (contig, position) —
    the start of the caller's next page. ``source`` and ``field`` are rendered as literals (safely quoted) so that
    the partial index's predicate and expression match under any plan."""
    rows = select(_links.c.allele_id, _links.c.chrom, _links.c.pos, _links.c.value).where(
        _links.c.source == literal(source, literal_execute=True),
        _links.c.valid_to.is_(None),
        func.lower(_links.c.value.op("->>")(literal(field, literal_execute=True))) == value.lower(),
    )
    if at_or_after is not None:
        rows = rows.where(tuple_(_links.c.chrom, _links.c.pos) >= tuple_(*at_or_after))
    return rows.subquery("displayed")


def retired_display_impact(session: Session) -> dict[str, int]:
    """How many alleles each source has whose latest link is retired — what the display decision affects now."""
    rows = session.execute(Q.retired_display_impact)
    return {s: int(n) for s, n in rows}


def resolve_allele(session: Session, key: str, genome: str = "GRCh38") -> AlleleRef:
    """An allele by id, or by ``CHROM-POS-REF-ALT`` (contig names normalised for ``genome``)."""
    key = key.strip()
    build = normalise_build(genome)
    if key.lstrip("-").isdigit():
        ident = int(key)
    else:
        parts = key.rsplit("-", 3)
        if len(parts) != 4 or not parts[1].isdigit():
            raise InvalidInput(f"{key!r} is not an allele: use CHROM-POS-REF-ALT (e.g. chr1-12345-A-G) or an id")
        chrom = normalise_contig(build, parts[0])
        ident = allele_key_id(build, chrom, int(parts[1]), parts[2].upper(), parts[3].upper())
    row = session.execute(Q.allele_by_id, {"id": ident}).first()
    if row is None:
        raise NotFound(f"no allele {key} ({build}) in the store")
    return AlleleRef(*row)
