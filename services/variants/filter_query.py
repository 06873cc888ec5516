"""How a page and a count of a Variants filter are read: the keyset rows of a page and the capped count, in the form
the filter's indexes serve (``services.variants.filter_conditions`` says what the filter means).
``services.variants.browse`` runs them for pages and exports.

Contract:
1. The ClinVar filter, unless retired values count (``retired_values_shown``), is read from the matching current
   links (``displayed_value_positions``: one row per allele, with the allele's contig and position, which are its
   variants'): each significance's links in position order, each link's variants by one index probe
   (``_by_link``), so that a position-ordered page and a capped count stop early; otherwise (and for the gene
   sort) it is the read path's per-row EXISTS (``filter_conditions.conditions``). A sample, a load, or a gene
   prefix of several genes, without a region, is paged one contig at a time (``fetch_rows``).
2. Every form selects the same rows, in the same order, as the plain form (``Resolved()``, ``matches=None``).
3. Pages are keyset pages: ``rows_query`` / ``fetch_rows`` take the last row's sort key as the cursor, so page N
   costs what page 1 does. Sorts: ``position`` (chrom, pos, variant_id) and ``gene`` (gene, chrom, pos, variant_id).
4. A caller that has counted the matches passes the count (``fetch_rows``): no match reads no row, and at most
   ``FEW_MATCHES`` matches are read at once and then ordered, unless an index gives their order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, cast, func, literal, select, true, tuple_, union_all
from sqlalchemy.orm import Session

from services.annotations.read_path import displayed_value_positions
from services.db import sql_blocks
from services.errors import InvalidInput
from services.variants.columns import SITE_COLUMNS
from services.variants.filter_conditions import (
    SAMPLES,
    VARIANTS,
    WITH_SAMPLES,
    Resolved,
    VariantFilter,
    conditions,
    load_id,
    resolve,
    selected_values,
)

Q = sql_blocks.load(__file__)

_v, _s, _FROM = VARIANTS, SAMPLES, WITH_SAMPLES

# The stored variant columns (services/variants/columns.py) but the range, FILTER and the two packed blobs, with the
# row id in front and the sample's name, genotype and load after them.
EXPORT_COLUMNS = [
    "variant_id",
    *(c for c in SITE_COLUMNS if c not in ("pos_range", "filter", "info", "vep_annotations")),
    "sample",
    "gt",
    "gq",
    "dp",
    "load_batch_id",
]
#: The page's sort orders: the key columns, which are also the keyset cursor.
SORTS: dict[str, tuple[str, ...]] = {
    "position": ("chrom", "pos", "variant_id"),
    "gene": ("gene", "chrom", "pos", "variant_id"),
}


# What a page row and an export row hold: EXPORT_COLUMNS, then the allele id (for the read path's ClinVar).
_ROW: list[ColumnElement[Any]] = [
    _s.c.external_id.label("sample")
    if name == "sample"
    else cast(_v.c.load_batch_id, Text).label("load_batch_id")
    if name == "load_batch_id"
    else _v.c[name]
    for name in EXPORT_COLUMNS
] + [_v.c.allele_id]
#: The key under which a ClinVar-filtered page row carries the matching current link's value (``_page_by_link``).
CLINVAR_VALUE = "clinvar_link_value"


def _by_link(
    f: VariantFilter,
    known: Resolved,
    value: str,
    at_or_after: tuple[str, int] | None = None,
    columns: list[ColumnElement[Any]] = _ROW,
) -> tuple[Any, Any, Any]:
    """The ClinVar filter read from the links (``known.clinvar_joined``) for one significance ``value``:
    ``(source, links, matches)`` where ``matches`` is, for each matching current link (``displayed_value_positions``,
    in position order), its variants that pass the other conditions — a LATERAL subquery probing one
    partition's ``ix_variants_allele_id`` per link — and ``source`` is ``links`` joined with it.

    A link's contig and position are its allele's, so also each of its variants': ordering by the links' columns is
    ordering by the variants'. The subquery is kept apart (OFFSET 0) so that the plan is always this one: the
    planner sizes a join on allele and contig as ~25 times too small and costs each probe as one per partition, and
    chose a hash join over every variant (3 s at 10M) for counts and multi-value pages. ``at_or_after``: the page
    starts at this (contig, position), passed on to the links. ``columns``: what ``matches`` holds (a count needs
    none, and then a match is read from ``ix_variants_allele_id``'s entries alone)."""
    links = displayed_value_positions("clinvar", "clnsig", value, at_or_after=at_or_after)
    # Without the sample's columns or name, the variants alone: the outer join to samples, although removed by the
    # planner, would still rule out reading a count off the index's entries.
    alone = columns is not _ROW and not (f.sample and known.sample_id is None)
    matches = (
        select(*columns)
        .select_from(_v if alone else _FROM)
        .where(_v.c.allele_id == links.c.allele_id, _v.c.chrom == links.c.chrom, *conditions(f, known, clinvar=False))
        .offset(0)
        .lateral("m")
    )
    return links.join(matches, true()), links, matches


def _page_by_link(
    f: VariantFilter, known: Resolved, after: tuple | None, at_or_after: tuple[str, int] | None, limit: int
) -> Select[Any]:
    """A position-ordered page of the ClinVar filter read from the links (``_by_link``): one page per significance,
    each read off its own ordered index range (a UNION ALL of one range per value would be sorted whole: its
    filtered branches cannot be planned as ordered scans), then the first ``limit`` rows of their union. Each row
    also holds its matching link's value as ``CLINVAR_VALUE``: the current link the filter matched is the allele's
    latest, so its value is what the read path displays (``browse.with_current_clinvar`` uses it)."""
    pages = []
    for value in _significances(f):
        source, links, matches = _by_link(f, known, value, at_or_after)
        order = [links.c.chrom, links.c.pos, matches.c.variant_id]
        # The link's value is the row's displayed ClinVar value (``CLINVAR_VALUE``: no read-path lookup needed).
        page = select(*(matches.c[c.key] for c in _ROW), links.c.value.label(CLINVAR_VALUE)).select_from(source)
        if after is not None:
            page = page.where(tuple_(*order) > tuple_(*after))
        pages.append(page.order_by(*order).limit(int(limit)))
    if len(pages) == 1:
        return pages[0]
    merged = union_all(*pages).subquery("pages")
    return select(*merged.c).order_by(merged.c.chrom, merged.c.pos, merged.c.variant_id).limit(int(limit))


def fetch_rows(
    session: Session,
    f: VariantFilter,
    key: tuple[str, ...],
    after: tuple | None,
    limit: int,
    known: Resolved,
    matches: int | None = None,
):
    """The rows of ``rows_query(f, key, after, limit, known)``. ``matches``: how many rows match ``f`` in all, when
    the caller has counted them (None: not known).

    No row matches: none is read. At most ``FEW_MATCHES`` match and no index gives them in the page's order (no
    region, no gene of one spelling, not the ClinVar links): they are read all at once, the way the filter's own
    indexes find them, then ordered (``rows_query(…, few=True)``). Otherwise the planner may walk the position index
    and test each row, expecting the matches to turn up soon; for a term that matches a few thousand rows of 10M, or
    none (the planner puts a term outside its most common ones at ~0.4 % of the rows), that walk read every
    partition (15 s for a 50-row page). The capped count that says how many match has found them all already, the
    way the filter's indexes find them; reading them again that way costs about as much.

    When ``known.contigs`` is set and the order is by position, read one contig at a time, in order, until ``limit``
    rows are found: each contig's query (``rows_query(…, contig=…)``) names its contig, so the planner picks its plan
    for that one partition.

    Rows of a sample, or of a prefix of several genes, are found through an index that does not give them in
    position order. In one query over every partition the page sorts every match of every contig (a merge needs
    each contig's first row: ~100,000 rows for a sample of 1 % of 10M variants); a LATERAL query per contig is
    planned once for any contig, and walked the position index of the largest contig past 100,000 rows. One
    contig at a time, the page reads the matches of the contigs it reaches, each the best way for that contig.
    A load's rows likewise: a later load on one contig, filtered in one query at 10M, walked the position index of
    every other partition (the planner spreads the page's limit over the merged partitions; 10–17 s)."""
    if matches == 0:
        return []
    few = matches is not None and matches <= FEW_MATCHES and _order_from_a_filter_index(f, known) is None
    if (
        few
        or known.contigs is None
        or key != SORTS["position"]
        or (after is not None and after[0] not in known.contigs)
    ):
        return session.execute(rows_query(f, key, after, limit, known, few=few)).mappings().all()
    contigs = known.contigs[known.contigs.index(after[0]) :] if after is not None else known.contigs
    out: list[Any] = []
    for contig in contigs:
        cursor = after if after is not None and contig == after[0] else None
        out += session.execute(rows_query(f, key, cursor, limit - len(out), known, contig=contig)).mappings().all()
        if len(out) >= limit:
            break
    return out


#: ``fetch_rows`` reads every match and orders them when at most this many rows match (``browse.COUNT_CAP``, the
#: capped count's bound, is the same: a page knows its exact count below it).
FEW_MATCHES = 10_000


def _order_from_a_filter_index(f: VariantFilter, known: Resolved) -> str | None:
    """The filter whose index returns the matches in the page's order, if any: a region (the position index's range)
    or a gene of one spelling (ix_variants_gene_position), or the ClinVar links (read in position order)."""
    if f.region and f.region.strip():
        return "region"
    if known.gene_spelling is not None:
        return "gene"
    if known.clinvar_joined:
        return "ClinVar"
    return None


def _count_by_link(session: Session, f: VariantFilter, known: Resolved, cap: int | None) -> int:
    """``count_variants`` of the ClinVar filter read from the links (``_by_link``), each match read off
    ``ix_variants_allele_id``'s entries. Capped, each significance's links are read in their index's order: the
    planner, which expects ~26 variants per link (one per partition it might probe), would otherwise scan every link
    to find the few hundred it thinks enough."""
    if cap is not None and _alone(f, "clinvar_sig") and _some_links_hold_more_than(session, f, int(cap)):
        return int(cap) + 1
    parts = []
    for value in _significances(f):
        source, links, matches = _by_link(f, known, value, columns=[literal(1).label("one")])
        part = select(matches.c.one).select_from(source)
        parts.append(part if cap is None else part.order_by(links.c.chrom, links.c.pos).limit(int(cap) + 1))
    every = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("matches")
    counted = select(every.c.one) if cap is None else select(every.c.one).limit(int(cap) + 1)
    return int(session.execute(select(func.count()).select_from(counted.subquery())).scalar_one())


def _alone(f: VariantFilter, condition: str) -> bool:
    """Whether the filter's field ``condition`` is set and is its only condition (the build and the ClinVar display
    settings are not conditions)."""
    value = getattr(f, condition)
    same = VariantFilter(
        genome_build=f.genome_build, retired_display=f.retired_display, include_retired=f.include_retired
    )
    return bool(selected_values(value) if condition == "clinvar_sig" else value) and f == replace(
        same, **{condition: value}
    )


def _some_links_hold_more_than(session: Session, f: VariantFilter, cap: int) -> bool:
    """Whether some ``cap + 1`` matching current links (any: the first the database finds, significance after
    significance) hold more than ``cap`` variants — if so, so does the filter, and its capped count is ``cap + 1``
    without walking the links in position order. The links' variants are probed in (contig, allele id) order, so
    that each partition's ``ix_variants_allele_id`` is read in its own order: allele ids are hashes, and in position
    order each probe read another leaf of it (a cold capped count read 10,001 of them, 0.57–0.86 s at 10M; in
    allele order 0.29–0.34 s). A link whose allele has no variant (its load replaced) counts none; when too few
    variants are found, ``_count_by_link`` walks the links as before."""
    parts = []
    for value in _significances(f):
        links = displayed_value_positions("clinvar", "clnsig", value)
        some = select(links.c.chrom, links.c.allele_id).limit(cap + 1)
        parts.append(select(*some.subquery("some").c))
    # cap + 1 links in all (each significance's are read until the whole has enough).
    union = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("links")
    every = select(*union.c).limit(cap + 1).subquery("every")
    in_order = select(every.c.chrom, every.c.allele_id).order_by(every.c.chrom, every.c.allele_id).offset(0)
    probes = in_order.subquery("probes")
    held = (
        select(literal(1).label("one"))
        .select_from(_v)
        .where(_v.c.allele_id == probes.c.allele_id, _v.c.chrom == probes.c.chrom)
        .offset(0)
        .lateral("held")
    )
    counted = select(held.c.one).select_from(probes.join(held, true())).limit(cap + 1).subquery("counted")
    return int(session.execute(select(func.count()).select_from(counted)).scalar_one()) > cap


def _significances(f: VariantFilter) -> list[str]:
    """The filter's ClinVar significances, each once (they match case-insensitively), in a fixed order."""
    return sorted({v.lower() for v in selected_values(f.clinvar_sig)})


def count_variants(session: Session, f: VariantFilter, *, cap: int | None = None, known: Resolved | None = None) -> int:
    """How many variants match ``f``; with ``cap``, at most ``cap + 1`` rows are counted (a capped count).

    A filter by load alone is answered by the load's audit row (``load_rows``: the rows a completed load wrote;
    ``models`` points 4–5), without reading the rows: its BRIN index excludes nothing once a later load's rows
    have filled free space all over a partition (a capped count of such a load read the whole partition, 0.4 s at
    10M)."""
    if _alone(f, "load_batch_id"):
        held = session.execute(Q.load_rows, {"load_batch_id": load_id(f.load_batch_id)}).scalar() or 0
        return int(held) if cap is None else min(int(held), int(cap) + 1)
    known = known if known is not None else resolve(session, f)
    if known.clinvar_joined:
        return _count_by_link(session, f, known, cap)
    source, where = _FROM, conditions(f, known)
    matches = select(literal(1)).select_from(source).where(*where)
    if cap is None:
        query = select(func.count()).select_from(source).where(*where)
    else:
        query = select(func.count()).select_from(matches.limit(int(cap) + 1).subquery())
    return int(session.execute(query).scalar_one())


def rows_query(
    f: VariantFilter,
    key: tuple[str, ...],
    after: tuple | None,
    limit: int,
    known: Resolved | None = None,
    *,
    contig: str | None = None,
    few: bool = False,
) -> Select[Any]:
    """The filtered rows ordered by ``key`` (column names), after the keyset cursor ``after``, at most ``limit``;
    with ``contig``, those on that contig only (``_fetch``; rendered as a literal so that the plan is made for its
    partition); with ``few`` (``fetch_rows``: few rows match), every match after the cursor is read first (a
    MATERIALIZED CTE, planned without the page's order and limit), then ordered.

    When every matching row has one gene spelling (``known.gene_spelling``), the position order is the (gene, position)
    order: the query says the latter, which ix_variants_gene_position returns as stored (no sort of the gene's
    rows); the cursor stays the caller's key."""
    known = known or Resolved()
    if after is not None and len(after) != len(key):
        raise InvalidInput("a stale page cursor")
    # In position order the page starts at the cursor's position (rows at it may follow by variant_id).
    at_or_after = tuple(after[:2]) if after is not None and key == SORTS["position"] else None
    if known.gene_spelling is not None and key == SORTS["position"]:
        key = SORTS["gene"]
        after = None if after is None else (known.gene_spelling, *after)
    if known.clinvar_joined and key == SORTS["position"]:
        return _page_by_link(f, known, after, at_or_after, limit)
    order = [_v.c[name] for name in key]
    query = select(*_ROW).select_from(_FROM).where(*conditions(f, known))
    if contig is not None:
        query = query.where(_v.c.chrom == literal(contig, Text, literal_execute=True))
    if after is not None:
        query = query.where(tuple_(*order) > tuple_(*after))
    if few:
        every = query.cte("matches").prefix_with("MATERIALIZED")
        return select(*every.c).order_by(*(every.c[name] for name in key)).limit(int(limit))
    return query.order_by(*order).limit(int(limit))
