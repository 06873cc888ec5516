"""Browsing the variant store: filters, keyset pages, counts, details, loads, and streamed exports.

Contract:
1. ``VariantFilter`` holds the page's filters; how a filter becomes SQL — its conditions, the indexed forms that
   ``resolve`` picks, the keyset rows and the capped count — is ``services.variants.filter_query``.
2. ``variant_page`` is keyset-paged: the cursor is the last row's sort key, so page N costs what page 1 does.
   Sorts: ``position`` (chrom, pos, variant_id) and ``gene`` (gene, chrom, pos, variant_id).
3. ``export_csv`` / ``export_parquet`` stream the whole filtered set in batches (never all in memory); CSV
   cells that start with ``=``, ``+``, ``-`` or ``@`` get a leading ``'`` against spreadsheet formula
   injection.
4. The ``clinvar_sig``/``clinvar_review`` columns of pages and exports are the read path's current ClinVar
   value under the retired-link display (``current_annotation``), never the loaded file's own CLNSIG: the
   column, the detail, the filter and the exports say the same thing.
5. A page's total never counts every match: an unfiltered store of ``EXACT_TOTAL_BELOW`` rows or more shows
   the planner's estimate; otherwise at most ``COUNT_CAP + 1`` matching rows are counted and more than
   ``COUNT_CAP`` shows as capped ("10,000+"). The exact count runs only when asked (``exact_total``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from services.alleles.consequences import expand
from services.annotations.read_path import current_annotation
from services.db import sql_blocks
from services.errors import InvalidInput, NotFound
from services.variants.filter_conditions import Resolved, VariantFilter, like_escape, resolve
from services.variants.filter_query import CLINVAR_VALUE, EXPORT_COLUMNS, SORTS, count_variants, fetch_rows
from services.variants.packed_json import unpack

Q = sql_blocks.load(__file__)

PAGE_COLUMNS = [
    "variant_id",
    "chrom",
    "pos",
    "ref",
    "alt",
    "variant_type",
    "gene",
    "consequence",
    "impact",
    "hgvs_c",
    "hgvs_p",
    "af_gnomad",
    "clinvar_sig",
    "sample",
    "gt",
    "rs_id",
]
#: Rows on one page of the Variants page (what ``bench/load_vcf.py`` times as the app's page).
PAGE_ROWS = 50
#: At most this many matches are counted on a page turn; beyond, the page says "10,000+" (exact on demand).
COUNT_CAP = 10_000
# ClinVar's germline classification vocabulary (CLNSIG), offered even before a release mentions each one.
CLINVAR_SIGNIFICANCES = (
    "Pathogenic",
    "Pathogenic/Likely_pathogenic",
    "Likely_pathogenic",
    "Uncertain_significance",
    "Conflicting_classifications_of_pathogenicity",
    "Likely_benign",
    "Benign/Likely_benign",
    "Benign",
    "drug_response",
    "risk_factor",
    "association",
    "protective",
    "not_provided",
    "other",
)
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Page:
    rows: pd.DataFrame
    total: int
    next_cursor: tuple | None
    cursors: list = field(default_factory=list)
    # True when ``total`` is the planner's estimate (an unfiltered store of ≥ EXACT_TOTAL_BELOW rows).
    estimated: bool = False
    # True when more than ``total`` (the cap) rows match: the page shows "10,000+".
    capped: bool = False

    @property
    def exact(self) -> bool:
        """The total is the exact number of matches (neither estimated nor capped)."""
        return not (self.estimated or self.capped)


@dataclass(frozen=True)
class Total:
    """How many variants match: ``count``, unless ``capped`` (more than ``count`` match) or ``estimated``."""

    count: int
    capped: bool
    estimated: bool


def gene_suggestions(session: Session, prefix: str, limit: int = 8) -> list[str]:
    """Gene names in the store that start with ``prefix`` (case-insensitive), for the gene filter's hint: the first
    ``limit`` names in case-insensitive order (one spelling each), sorted; a loose index scan, so a prefix of genes
    with millions of rows costs what a rare one does."""
    if not prefix.strip():
        return []
    rows = session.execute(Q.gene_suggestions, {"prefix": like_escape(prefix.strip().lower()) + "%", "limit": limit})
    return list(rows.scalars())


def clinvar_significance_choices(session: Session) -> list[str]:
    """ClinVar's vocabulary, then any other significance the current ClinVar links use (exact values)."""
    present = session.execute(Q.current_clinvar_significances).scalars()
    known = {v.lower() for v in CLINVAR_SIGNIFICANCES}
    return [*CLINVAR_SIGNIFICANCES, *(v for v in present if v and v.lower() not in known)]


def with_current_clinvar(session: Session, rows: list[dict[str, Any]], display: str) -> list[dict[str, Any]]:
    """Rule 4: set each row's ``clinvar_sig``/``clinvar_review`` from the read path (by its ``allele_id``) — or, for
    the rows of a ClinVar-filtered page read from the links, from the current link each row matched
    (``CLINVAR_VALUE``), which is the read path's displayed value for it (rule 1: a live link shows its value)."""
    from_links = bool(rows) and all(CLINVAR_VALUE in r for r in rows)
    ids = sorted({int(r["allele_id"]) for r in rows if r.get("allele_id") is not None})
    current = current_annotation(session, ids, display=display) if ids and not from_links else {}
    for r in rows:
        if from_links:
            shown = r.pop(CLINVAR_VALUE)
        else:
            value = (current.get(r.get("allele_id")) or {}).get("clinvar")
            shown = value.value if value is not None and value.shown else None
        shown = shown if isinstance(shown, dict) else {}
        r["clinvar_sig"] = shown.get("clnsig")
        r["clinvar_review"] = shown.get("clnrevstat")
    return rows


# Below this many rows the unfiltered total is counted exactly; above, the planner's estimate is shown.
EXACT_TOTAL_BELOW = 200_000


def estimated_total(session: Session) -> int | None:
    """The planner's row estimate of the whole store (the partitions' ``reltuples``); None before ANALYZE."""
    estimate = session.execute(Q.estimated_total).scalar()
    return None if estimate is None else int(estimate)


def variant_total(
    session: Session,
    f: VariantFilter,
    *,
    exact: bool = False,
    cap: int | None = None,
    known: Resolved | None = None,
) -> Total:
    """The total the page shows (module contract, point 5): the planner's estimate for a big unfiltered store,
    else a count capped at ``cap`` (``COUNT_CAP``) — or, with ``exact``, the exact count of every match."""
    if exact:
        return Total(count_variants(session, f, known=known), capped=False, estimated=False)
    if f == VariantFilter(genome_build=f.genome_build, retired_display=f.retired_display):
        # Unfiltered: the estimate is exact enough and costs nothing.
        estimate = estimated_total(session)
        if estimate is not None and estimate >= EXACT_TOTAL_BELOW:
            return Total(estimate, capped=False, estimated=True)
    cap = COUNT_CAP if cap is None else int(cap)
    counted = count_variants(session, f, cap=cap, known=known)
    return Total(min(counted, cap), capped=counted > cap, estimated=False)


def variant_page(
    session: Session,
    f: VariantFilter,
    *,
    sort: str = "position",
    after: tuple | None = None,
    limit: int = 50,
    exact_total: bool = False,
    count_cap: int | None = None,
) -> Page:
    """One keyset page of the filtered variants, its total (``variant_total``), and the next page's cursor
    (None at the end)."""
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}")
    key = SORTS[sort]
    known = resolve(session, f)
    # The total first: it tells the rows' query how many rows match when few do (fetch_rows).
    total = variant_total(session, f, exact=exact_total, cap=count_cap, known=known)
    matches = None if total.capped or total.estimated else total.count
    rows = fetch_rows(session, f, key, after, int(limit) + 1, known, matches)
    more = len(rows) > limit
    rows = rows[:limit]
    records = with_current_clinvar(session, [dict(r) for r in rows], f.retired_display)
    frame = pd.DataFrame(records, columns=[*EXPORT_COLUMNS, "allele_id"])
    next_cursor = tuple(rows[-1][k] for k in key) if more and rows else None
    return Page(
        frame[[*PAGE_COLUMNS, "allele_id"]],
        total.count,
        next_cursor,
        estimated=total.estimated,
        capped=total.capped,
    )


def variant_detail(session: Session, variant_id: int) -> dict[str, Any]:
    """Every field of one variant, its consequences as named rows, its genotype and sample."""
    row = session.execute(Q.variant_detail, {"id": int(variant_id)}).mappings().first()
    if row is None:
        raise NotFound(f"variant {variant_id} does not exist")
    data = dict(row)
    data["info"] = unpack(data.get("info"))
    data["vep_annotations"] = unpack(data.get("vep_annotations"))
    names = data.pop("consequence_fields") or {}
    consequences = {
        kind: pd.DataFrame(expand(entries, names.get(kind, [])))
        for kind, entries in (data.get("vep_annotations") or {}).items()
    }
    genotype = {k: data.get(k) for k in ("sample", "gt", "gq", "dp", "ad")}
    return {
        "fields": data,
        "consequences": consequences,
        "genotype": genotype,
        "sample_format": data.get("sample_format"),
    }


def list_loads(session: Session, limit: int = 50) -> pd.DataFrame:
    rows = session.execute(Q.recent_loads, {"limit": limit}).mappings().all()
    from services.variants.loader import warning_sentence

    out = []
    for r in rows:
        row = dict(r)
        row["warnings"] = "; ".join(warning_sentence(w) for w in row.get("warnings") or []) or None
        out.append(row)
    return pd.DataFrame(out)


def list_samples(session: Session) -> list[str]:
    return list(session.execute(Q.sample_names).scalars())


def neutralise(value: Any) -> Any:
    """A CSV cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _batches(session: Session, f: VariantFilter, batch: int) -> Iterator[list[dict[str, Any]]]:
    """The export's rows in position order, ``batch`` at a time; counted first (capped) so that a filter few rows
    match is read as such (``fetch_rows``)."""
    key = SORTS["position"]
    known = resolve(session, f)
    counted = count_variants(session, f, cap=COUNT_CAP, known=known)
    matches = counted if counted <= COUNT_CAP else None
    after = None
    while True:
        rows = fetch_rows(session, f, key, after, batch, known, matches)
        if not rows:
            return
        yield with_current_clinvar(session, [dict(r) for r in rows], f.retired_display)
        after = tuple(rows[-1][k] for k in key)


def export_csv(session: Session, f: VariantFilter, batch: int = 5000) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(EXPORT_COLUMNS)
    yield buf.getvalue().encode()
    for rows in _batches(session, f, batch):
        buf.seek(0)
        buf.truncate()
        for r in rows:
            writer.writerow([neutralise(r[c]) for c in EXPORT_COLUMNS])
        yield buf.getvalue().encode()


def _arrow_schema():
    import pyarrow as pa

    types = {
        "variant_id": pa.int64(),
        "pos": pa.int64(),
        "end_pos": pa.int64(),
        "qual": pa.float64(),
        "is_coding": pa.bool_(),
        "is_lof": pa.bool_(),
        "af_gnomad": pa.float64(),
        "af_gnomad_popmax": pa.float64(),
        "af_1kg": pa.float64(),
        "cadd_phred": pa.float64(),
        "gq": pa.int64(),
        "dp": pa.int64(),
    }
    return pa.schema([(c, types.get(c, pa.string())) for c in EXPORT_COLUMNS])


def export_parquet(session: Session, f: VariantFilter, batch: int = 20000) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema()
    sink = io.BytesIO()
    writer = pq.ParquetWriter(sink, schema)
    for rows in _batches(session, f, batch):
        writer.write_table(pa.Table.from_pylist([{c: r[c] for c in EXPORT_COLUMNS} for r in rows], schema=schema))
        yield sink.getvalue()
        sink.seek(0)
        sink.truncate()
    writer.close()
    yield sink.getvalue()
