"""Browsing the variant store: filters, keyset pages, counts, details, loads, and streamed exports.

Contract:
1. ``VariantFilter`` holds the page's filters; ``where(filter)`` turns it into one parameterised SQL condition
   from fixed snippets (no user text is ever spliced into SQL). A region is a range ``chr1:1,000,000-2,000,000``
   (or ``1:100-200``) or a whole contig (``chrX``, ``X``), contig names normalised like the loader does.
   A region finds every variant overlapping ``[start, end]``: short ones through the ``(chrom, pos)`` btree
   (``pos ≥ start − LONG_VARIANT_SPAN``), longer ones through the partial GiST index on ``pos_range``
   (``end_pos − pos ≥ LONG_VARIANT_SPAN``); both are needed for a complete answer. A gene matches
   case-insensitively by prefix (``hba`` finds HBA1, HBA2). The ClinVar filter is a set of significance
   values matched exactly (case-insensitively) against the displayed value of the read path.
2. ``variant_page`` is keyset-paged: the cursor is the last row's sort key, so page N costs what page 1 does.
   Sorts: ``position`` (chrom, pos, variant_id) and ``gene`` (gene, chrom, pos, variant_id).
3. ``export_csv`` / ``export_parquet`` stream the whole filtered set in batches (never all in memory); CSV
   cells that start with ``=``, ``+``, ``-`` or ``@`` get a leading ``'`` against spreadsheet formula
   injection.
4. The ``clinvar_sig``/``clinvar_review`` columns of pages and exports are the read path's current ClinVar
   value under the retired-link display (``current_annotation``), never the loaded file's own CLNSIG: the
   column, the detail, the filter and the exports say the same thing.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from services.alleles.consequences import expand
from services.alleles.normalize import contig_normaliser
from services.annotations.read_path import current_annotation, displayed_value_condition
from services.errors import InvalidInput, NotFound
from services.variants.models import LONG_VARIANT_SPAN

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
EXPORT_COLUMNS = [
    "variant_id",
    "chrom",
    "pos",
    "end_pos",
    "ref",
    "alt",
    "qual",
    "variant_type",
    "rs_id",
    "gene",
    "transcript",
    "hgvs_c",
    "hgvs_p",
    "consequence",
    "impact",
    "is_coding",
    "is_lof",
    "af_gnomad",
    "af_gnomad_popmax",
    "af_1kg",
    "cadd_phred",
    "clinvar_sig",
    "clinvar_review",
    "sample",
    "gt",
    "gq",
    "dp",
    "load_batch_id",
]
_SELECT = (
    "SELECT v.variant_id, v.chrom, v.pos, v.end_pos, v.ref, v.alt, v.qual, v.variant_type, v.rs_id, v.gene, "
    "v.transcript, v.hgvs_c, v.hgvs_p, v.consequence, v.impact, v.is_coding, v.is_lof, v.af_gnomad, "
    "v.af_gnomad_popmax, v.af_1kg, v.cadd_phred, v.clinvar_sig, v.clinvar_review, s.external_id AS sample, "
    "v.gt, v.gq, v.dp, v.load_batch_id::text AS load_batch_id, v.allele_id FROM variants v "
    "LEFT JOIN samples s ON s.id = v.sample_id"
)
SORTS = {
    "position": ("v.chrom, v.pos, v.variant_id", ("chrom", "pos", "variant_id")),
    "gene": ("v.gene, v.chrom, v.pos, v.variant_id", ("gene", "chrom", "pos", "variant_id")),
}
_REGION = re.compile(r"^\s*([^:\s]+)\s*:\s*([\d,_]+)\s*-\s*([\d,_]+)\s*$")
_CONTIG = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*$")
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
class VariantFilter:
    region: str | None = None
    gene: str | None = None
    consequence: str | None = None
    impact: str | None = None
    max_af: float | None = None
    clinvar_sig: tuple[str, ...] | str | None = None
    sample: str | None = None
    load_batch_id: str | None = None
    genome_build: str = "GRCh38"
    # The ClinVar filter matches the *displayed* (curated) significance from the read path, under the
    # retired-link display decision; ``include_retired`` adds retired last-known values (last-known only).
    retired_display: str = "none"
    include_retired: bool = False


@dataclass(frozen=True)
class Page:
    rows: pd.DataFrame
    total: int
    next_cursor: tuple | None
    cursors: list = field(default_factory=list)
    # True when ``total`` is the planner's estimate (an unfiltered store of ≥ EXACT_TOTAL_BELOW rows).
    estimated: bool = False


def parse_region(region: str, genome_build: str = "GRCh38") -> tuple[str, int | None, int | None]:
    """``(contig, start, end)``; a whole contig (``chrX``, ``X``) gives ``(contig, None, None)``."""
    whole = _CONTIG.match(region or "")
    if whole:
        return contig_normaliser(genome_build)(whole.group(1)), None, None
    m = _REGION.match(region or "")
    if not m:
        raise InvalidInput(f"region {region!r} is not like chrX (a whole contig) or chr1:1,000,000-2,000,000")
    start, end = (int(re.sub(r"[,_]", "", g)) for g in m.group(2, 3))
    if start < 1 or end < start:
        raise InvalidInput(f"region {region!r}: the start must be ≥ 1 and not after the end")
    return contig_normaliser(genome_build)(m.group(1)), start, end


def where(f: VariantFilter) -> tuple[str, dict[str, Any]]:
    """One SQL condition and its parameters for the filter (fixed snippets only)."""
    clauses, params = ["TRUE"], {}
    if f.region:
        chrom, start, end = parse_region(f.region, f.genome_build)
        params["chrom"] = chrom
        if start is None:
            clauses.append("v.chrom = :chrom")
        else:
            clauses.append(
                "v.chrom = :chrom AND ((v.pos BETWEEN :start - :span AND :end AND v.end_pos >= :start) "
                "OR (v.end_pos - v.pos >= :span AND v.pos_range && int8range(:start, :end + 1)))"
            )
            params.update(start=start, end=end, span=LONG_VARIANT_SPAN)
    if f.gene and f.gene.strip():
        clauses.append("v.gene ILIKE :gene")
        params["gene"] = _like_escape(f.gene.strip()) + "%"
    if f.consequence:
        clauses.append("v.consequence LIKE :consequence")
        params["consequence"] = "%" + _like_escape(f.consequence.strip()) + "%"
    if f.impact:
        clauses.append("v.impact = :impact")
        params["impact"] = f.impact
    if f.max_af is not None:
        clauses.append("(v.af_gnomad IS NULL OR v.af_gnomad <= :max_af)")
        params["max_af"] = float(f.max_af)
    significances = _values(f.clinvar_sig)
    if significances:
        clauses.append(
            displayed_value_condition(
                "v.allele_id",
                "clinvar",
                "clnsig",
                "clinvar_sig",
                display=f.retired_display,
                include_retired=f.include_retired,
            )
        )
        params["clinvar_sig"] = [v.lower() for v in significances]
    if f.sample:
        clauses.append("s.external_id = :sample")
        params["sample"] = f.sample
    if f.load_batch_id:
        try:
            params["load_batch_id"] = str(uuid.UUID(str(f.load_batch_id)))
        except ValueError:
            raise InvalidInput(f"{f.load_batch_id!r} is not a load id") from None
        clauses.append("v.load_batch_id = CAST(:load_batch_id AS uuid)")
    return " AND ".join(clauses), params


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def _values(value: tuple[str, ...] | list[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return [v.strip() for v in value if v and v.strip()]


def gene_suggestions(session: Session, prefix: str, limit: int = 8) -> list[str]:
    """Gene names in the store that start with ``prefix`` (case-insensitive), for the gene filter's hint."""
    if not prefix.strip():
        return []
    rows = session.execute(
        text("SELECT DISTINCT gene FROM variants WHERE gene ILIKE :p ORDER BY gene LIMIT :l"),
        {"p": _like_escape(prefix.strip()) + "%", "l": limit},
    )
    return list(rows.scalars())


def clinvar_significance_choices(session: Session) -> list[str]:
    """ClinVar's vocabulary, then any other significance the current ClinVar links use (exact values)."""
    present = session.execute(
        text(
            "SELECT DISTINCT value->>'clnsig' FROM annotation_link "
            "WHERE source = 'clinvar' AND valid_to IS NULL AND value ? 'clnsig' ORDER BY 1"
        )
    ).scalars()
    known = {v.lower() for v in CLINVAR_SIGNIFICANCES}
    return [*CLINVAR_SIGNIFICANCES, *(v for v in present if v and v.lower() not in known)]


def with_current_clinvar(session: Session, rows: list[dict[str, Any]], display: str) -> list[dict[str, Any]]:
    """Rule 4: set each row's ``clinvar_sig``/``clinvar_review`` from the read path (by its ``allele_id``)."""
    ids = sorted({int(r["allele_id"]) for r in rows if r.get("allele_id") is not None})
    current = current_annotation(session, ids, display=display) if ids else {}
    for r in rows:
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
    estimate = session.execute(
        text(
            "SELECT sum(greatest(c.reltuples, 0)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'variants'::regclass AND c.reltuples >= 0"
        )
    ).scalar()
    return None if estimate is None else int(estimate)


def count_variants(session: Session, f: VariantFilter) -> int:
    cond, params = where(f)
    return int(
        session.execute(
            text(f"SELECT count(*) FROM variants v LEFT JOIN samples s ON s.id = v.sample_id WHERE {cond}"),
            params,
        ).scalar_one()
    )


def variant_page(
    session: Session, f: VariantFilter, *, sort: str = "position", after: tuple | None = None, limit: int = 50
) -> Page:
    """One keyset page of the filtered variants, its total, and the next page's cursor (None at the end)."""
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}")
    order, key = SORTS[sort]
    cond, params = where(f)
    if after is not None:
        if len(after) != len(key):
            raise InvalidInput("a stale page cursor")
        placeholders = ", ".join(f":k{i}" for i in range(len(key)))
        cond += f" AND ({order}) > ({placeholders})"
        params.update({f"k{i}": v for i, v in enumerate(after)})
    params["limit"] = int(limit) + 1
    rows = session.execute(text(f"{_SELECT} WHERE {cond} ORDER BY {order} LIMIT :limit"), params).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    records = with_current_clinvar(session, [dict(r) for r in rows], f.retired_display)
    frame = pd.DataFrame(records, columns=[*EXPORT_COLUMNS, "allele_id"])
    next_cursor = tuple(rows[-1][k] for k in key) if more and rows else None
    total, estimated = None, False
    if f == VariantFilter(genome_build=f.genome_build, retired_display=f.retired_display):
        # Unfiltered: counting a million rows costs more than the page itself; the estimate is exact enough.
        estimate = estimated_total(session)
        if estimate is not None and estimate >= EXACT_TOTAL_BELOW:
            total, estimated = estimate, True
    if total is None:
        total = count_variants(session, f)
    return Page(frame[[*PAGE_COLUMNS, "allele_id"]], total, next_cursor, estimated=estimated)


def variant_detail(session: Session, variant_id: int) -> dict[str, Any]:
    """Every field of one variant, its consequences as named rows, its genotype and sample."""
    row = (
        session.execute(
            text(
                "SELECT v.*, s.external_id AS sample, a.consequence_fields FROM variants v "
                "LEFT JOIN samples s ON s.id = v.sample_id "
                "JOIN variant_load_audit a ON a.load_batch_id = v.load_batch_id WHERE v.variant_id = :id"
            ),
            {"id": int(variant_id)},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"variant {variant_id} does not exist")
    data = dict(row)
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
    rows = (
        session.execute(
            text(
                "SELECT load_batch_id::text AS load_id, file_name, genome_build, status, is_reload, "
                "records_total, variants_loaded, variants_skipped, skip_reasons, warnings, error_message, "
                "error_line, loaded_by, started_at, "
                "seconds FROM variant_load_audit ORDER BY started_at DESC LIMIT :limit"
            ),
            {"limit": limit},
        )
        .mappings()
        .all()
    )
    from services.variants.loader import warning_sentence

    out = []
    for r in rows:
        row = dict(r)
        row["warnings"] = "; ".join(warning_sentence(w) for w in row.get("warnings") or []) or None
        out.append(row)
    return pd.DataFrame(out)


def list_samples(session: Session) -> list[str]:
    return list(session.execute(text("SELECT external_id FROM samples ORDER BY external_id")).scalars())


def neutralise(value: Any) -> Any:
    """A CSV cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _batches(session: Session, f: VariantFilter, batch: int) -> Iterator[list[dict[str, Any]]]:
    after = None
    while True:
        cond, params = where(f)
        if after is not None:
            cond += " AND (v.chrom, v.pos, v.variant_id) > (:k0, :k1, :k2)"
            params.update(k0=after[0], k1=after[1], k2=after[2])
        params["limit"] = batch
        rows = (
            session.execute(text(f"{_SELECT} WHERE {cond} ORDER BY v.chrom, v.pos, v.variant_id LIMIT :limit"), params)
            .mappings()
            .all()
        )
        if not rows:
            return
        yield with_current_clinvar(session, [dict(r) for r in rows], f.retired_display)
        last = rows[-1]
        after = (last["chrom"], last["pos"], last["variant_id"])


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
