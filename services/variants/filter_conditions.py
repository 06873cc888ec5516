"""What a Variants filter means: the filter, what the database says about its values first (``resolve``), and its
conditions. ``services.variants.filter_query`` reads pages and counts of it; ``services.variants.browse`` runs them.

Contract:
1. ``conditions(filter)`` turns a ``VariantFilter`` into SQLAlchemy Core conditions on ``VARIANTS`` (joined with
   ``SAMPLES`` as ``WITH_SAMPLES``; values bound as parameters; no SQL is built from strings); the fixed statements
   are named blocks of ``queries.sql``. A region is a range ``chr1:1,000,000-2,000,000`` (or ``1:100-200``) or a
   whole contig (``chrX``, ``X``), contig names normalised like the loader does. A region finds every variant
   overlapping ``[start, end]``: short ones through the ``(chrom, pos)`` btree (``pos ≥ start − LONG_VARIANT_SPAN``),
   longer ones through the partial GiST index on ``pos_range`` (``end_pos − pos ≥ LONG_VARIANT_SPAN``); both are
   needed for a complete answer. A gene matches case-insensitively by prefix (``hba`` finds HBA1, HBA2); when no
   other gene name starts with the typed text (``resolve``: a few index descents), the prefix runs as
   ``lower(gene) = typed`` — the same rows — so that ix_variants_gene_position (lower(gene), gene, chrom, pos)
   returns a gene's page in order (then by ``variant_id`` within a position) instead of sorting every row of the
   gene; a consequence is a whole Sequence Ontology term of the row's picked consequence, case-insensitively
   (``missense_variant`` finds ``missense_variant&splice_region_variant``; ``missense`` finds nothing); gene, impact
   and consequence each have an index. The ClinVar filter is a set of significance values matched exactly
   (case-insensitively) against the displayed value of the read path (``displayed_value_filter``); unless retired
   values count, ``filter_query`` reads it from the matching current links instead (``Resolved.clinvar_joined``).
2. Every form ``resolve`` picks selects the same rows as the plain form (``Resolved()``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Text, and_, cast, false, func, literal, literal_column, or_
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import Session

from services.alleles.normalize import contig_normaliser
from services.annotations.read_path import displayed_value_filter, displayed_value_links, retired_values_shown
from services.db import sql_blocks
from services.errors import InvalidInput
from services.variants.models import LONG_VARIANT_SPAN, PARTITION_CONTIGS, Sample, Variant

Q = sql_blocks.load(__file__)

#: The tables a filter's conditions name: the variants, their samples, and the variants outer-joined with them.
VARIANTS = Variant.__table__.alias("v")
SAMPLES = Sample.__table__.alias("s")
WITH_SAMPLES = VARIANTS.outerjoin(SAMPLES, SAMPLES.c.id == VARIANTS.c.sample_id)
_v, _s = VARIANTS, SAMPLES
_REGION = re.compile(r"^\s*([^:\s]+)\s*:\s*([\d,_]+)\s*-\s*([\d,_]+)\s*$")
_CONTIG = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*$")


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
class Resolved:
    """What the database says about a filter's values before the page's query runs (``resolve``), so that each
    condition can take the form its index serves; every form selects the same rows as the plain one.

    ``gene_whole``: no gene name but the typed text itself starts with it (case-insensitively), so ``lower(gene) =
    typed`` selects exactly the rows the prefix does. ``gene_spelling``: besides, every matching row spells the
    gene this one way, so the rows' position order is their (gene, position) order — the order of
    ix_variants_gene_position. ``sample_id``: the sample's id (None: no such sample), compared with
    ``variants.sample_id`` itself so that the planner sizes it from the column's statistics (through the join it
    assumed every sample holds an equal share). ``clinvar_by_link``: few enough current ClinVar links match
    (``CLINVAR_BY_LINK_BELOW``) that the query goes from them to their variants, one partition each (when retired
    values count). ``clinvar_joined``: retired values do not count, so the ClinVar filter is read from the matching
    current links in position order (``filter_query._by_link``, one significance at a time) instead of being a
    condition. ``contigs``: the store's contigs in order, when a position-sorted page is read one contig at a time
    (``filter_query.fetch_rows``: a sample, a load or a gene prefix of several genes, no region). ``sample_missing``: no
    sample has the filter's name, so nothing matches (said as ``false``: by name, the page walked every variant to
    find none)."""

    gene_whole: bool = False
    gene_spelling: str | None = None
    sample_id: int | None = None
    clinvar_by_link: bool = False
    clinvar_joined: bool = False
    contigs: tuple[str, ...] | None = None
    sample_missing: bool = False


#: A position-sorted page is read one contig at a time only when the default partition holds at most this many.
CONTIGS_AT_MOST = 64
#: Up to this many matching ClinVar links the page goes from the links to their variants (a probe each); above,
#: it walks the variants in position order and checks each one's link (a page needs 1,000 / share rows).
CLINVAR_BY_LINK_BELOW = 10_000


def resolve(session: Session, f: VariantFilter) -> Resolved:
    """``Resolved`` for ``f``, from a few index descents: for a gene, the first key after the typed text in its
    prefix range and the first two spellings of it (a loose index scan; neither reads the gene's rows); for a
    sample, its id; for ClinVar significances that count retired values, a count of the matching links capped at
    ``CLINVAR_BY_LINK_BELOW``."""
    gene_whole, gene_spelling, sample_id, by_link, joined = False, None, None, False, False
    if f.gene and f.gene.strip():
        typed = f.gene.strip().lower()
        longer, spellings = session.execute(Q.gene_match, {"gene": typed, "prefix": like_escape(typed) + "%"}).one()
        if not longer:
            gene_whole, gene_spelling = True, (spellings[0] if len(spellings) == 1 else None)
    if f.sample:
        sample_id = session.execute(Q.sample_id, {"external_id": f.sample}).scalar()
    significances = selected_values(f.clinvar_sig)
    if significances and not retired_values_shown(f.retired_display, f.include_retired):
        joined = True
    elif significances:
        links = displayed_value_links(
            session,
            "clinvar",
            "clnsig",
            significances,
            display=f.retired_display,
            include_retired=f.include_retired,
            cap=CLINVAR_BY_LINK_BELOW,
        )
        by_link = links <= CLINVAR_BY_LINK_BELOW
    contigs = None
    several_genes = bool(f.gene and f.gene.strip()) and not gene_whole
    if not f.region and not joined and (sample_id is not None or several_genes or f.load_batch_id):
        found = session.execute(Q.contigs, {"named": list(PARTITION_CONTIGS), "most": CONTIGS_AT_MOST + 1})
        listed = tuple(found.scalars())
        contigs = listed if len(listed) <= len(PARTITION_CONTIGS) + CONTIGS_AT_MOST else None
    missing = bool(f.sample) and sample_id is None
    return Resolved(gene_whole, gene_spelling, sample_id, by_link, joined, contigs, missing)


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


def conditions(f: VariantFilter, known: Resolved | None = None, *, clinvar: bool = True) -> list[ColumnElement[bool]]:
    """The filter as SQLAlchemy conditions (values bound as parameters; no text is ever spliced into SQL).
    ``known`` (``resolve``) lets a condition take its indexed form; without it each condition is the plain one.
    ``clinvar=False`` leaves the ClinVar condition out (the caller reads the matching links instead:
    ``filter_query._by_link``)."""
    known = known or Resolved()
    out: list[ColumnElement[bool]] = []
    if f.region:
        chrom, start, end = parse_region(f.region, f.genome_build)
        out.append(_v.c.chrom == chrom)
        if start is not None:
            # The span is a constant of the code, rendered inline so that the partial GiST index's predicate
            # ((end_pos - pos) >= LONG_VARIANT_SPAN) is implied by the query under any plan.
            span = literal(LONG_VARIANT_SPAN, literal_execute=True)
            out.append(
                or_(
                    and_(_v.c.pos.between(start - LONG_VARIANT_SPAN, end), _v.c.end_pos >= start),
                    and_(_v.c.end_pos - _v.c.pos >= span, _v.c.pos_range.op("&&")(func.int8range(start, end + 1))),
                )
            )
    if f.gene and f.gene.strip():
        typed = f.gene.strip().lower()
        if known.gene_whole:
            # No other gene name starts with the typed text: the prefix is one gene, an equality on the leading
            # column of ix_variants_gene_position, whose next columns give the page's order (rule 1).
            out.append(func.lower(_v.c.gene) == typed)
        else:
            # lower(gene) LIKE 'prefix%': the prefix range of ix_variants_gene_position (text_pattern_ops).
            out.append(_v.c.gene.is_not(None))
            out.append(func.lower(_v.c.gene).like(like_escape(typed) + "%"))
    if f.consequence and f.consequence.strip():
        # A whole term of the picked consequence, through the GIN index on the same expression.
        # string_to_array(lower(consequence), '&'): models.CONSEQUENCE_TERMS_SQL, the index's expression.
        terms = func.string_to_array(func.lower(_v.c.consequence), literal_column("'&'"), type_=ARRAY(Text))
        out.append(terms.contains(cast(array([f.consequence.strip().lower()]), ARRAY(Text))))
    if f.impact:
        out.append(_v.c.impact == f.impact)
    if f.max_af is not None:
        out.append(or_(_v.c.af_gnomad.is_(None), _v.c.af_gnomad <= float(f.max_af)))
    significances = selected_values(f.clinvar_sig)
    if significances and clinvar:
        out.append(
            displayed_value_filter(
                _v.c.allele_id,
                "clinvar",
                "clnsig",
                significances,
                display=f.retired_display,
                include_retired=f.include_retired,
                contig=_v.c.chrom if known.clinvar_by_link else None,
            )
        )
    if f.sample:
        if known.sample_missing:
            out.append(false())
        elif known.sample_id is not None:
            out.append(_v.c.sample_id == known.sample_id)  # ix_variants_sample_id, sized by its statistics
        else:
            out.append(_s.c.external_id == f.sample)
    if f.load_batch_id:
        out.append(_v.c.load_batch_id == load_id(f.load_batch_id))
    return out


def load_id(typed: str) -> uuid.UUID:
    """The load id ``typed`` names, or ``InvalidInput`` saying it is not one."""
    try:
        return uuid.UUID(str(typed))
    except ValueError:
        raise InvalidInput(f"{typed!r} is not a load id") from None


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def selected_values(value: tuple[str, ...] | list[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    return [v.strip() for v in value if v and v.strip()]
