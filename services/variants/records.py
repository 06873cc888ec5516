"""One VCF data line → the variant rows it gives (binary COPY rows) and their alleles.

Contract (the loader's per-record rules):
1. Columns: CHROM POS ID REF ALT QUAL FILTER INFO [FORMAT samples…]; fewer than 8, a non-numeric or
   non-positive POS, an empty REF, or a malformed INFO/sample column raise ``VcfFormatError`` with the line.
2. Multi-allelic records are split per ALT; INFO Number=A/R/G values are taken per allele
   (``normalize.split_values``); all INFO is kept in ``info`` (CSQ/ANN/EFF go to ``vep_annotations``).
3. Sequence alleles are trimmed (and left-aligned when a reference FASTA is given); the original
   POS/REF/ALT go to ``info["_orig"]`` when they differ from the stored allele. ``*`` and symbolic alleles are
   stored unnormalised with their variant_type; END comes from INFO END (or SVLEN) for them.
4. gVCF reference blocks (ALT only ``<NON_REF>``/``<*>``) are skipped (``reference_block``); a ``<NON_REF>``
   next to real ALTs is dropped. ``.`` ALT is skipped (``no_alt``).
5. Genotypes: when some sample has a GT with a called allele, one row per sample whose GT carries the ALT
   (none carrying it → skipped ``no_carrier``); otherwise one row with no sample, the per-sample FORMAT values
   in ``sample_format``.
6. With a FASTA, a REF that disagrees with the reference raises ``VcfFormatError`` (the load fails).
7. Suspicious records are refused with the line (``VcfFormatError``): a NUL byte; a POS above
   ``genomes.MAX_POSITION``; a REF that is not DNA (A/C/G/T/N or an IUPAC ambiguity code) or an ALT that is
   neither DNA (A/C/G/T/N) nor ``*``, ``.``, a ``<symbolic>`` allele or a breakend; an INFO END before POS;
   a GT naming an allele the record does not have (``0/7`` with one ALT) or that is not a number.
8. A contig the load does not know (``genomes.ContigCatalog``) or a POS past the contig's length is refused
   too, unless the load's ``RecordPolicy`` allows it; then the record is loaded and counted in
   ``stats.warnings`` under ``("unknown_contig" | "beyond_contig_end", contig)``.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from services.alleles.consequences import (
    CODING,
    EFF_FIELDS,
    LOSS_OF_FUNCTION,
    ConsequenceFormat,
    parse_eff,
)
from services.alleles.genomes import MAX_POSITION, ContigCatalog
from services.alleles.keys import STAGING_COLUMNS
from services.alleles.keys import allele_id as compute_allele_id
from services.alleles.normalize import (
    is_sequence_allele,
    left_align,
    split_values,
    trim,
    valid_alt,
    variant_type,
)
from services.alleles.vcf_header import Header, VcfFormatError
from services.variants import copy_binary as cb
from services.variants.columns import VARIANT_COPY_COLUMNS
from services.variants.copy_binary import INT8_MAX, INT8_MIN

VARIANT_COLUMNS = VARIANT_COPY_COLUMNS
ALLELE_COLUMNS = STAGING_COLUMNS
_ROW_HEAD = cb.row_header(len(VARIANT_COLUMNS))
_ALLELE_HEAD = cb.row_header(len(ALLELE_COLUMNS))
_NON_REF = {"<NON_REF>", "<*>"}
# int4 GQ, int4 DP and a one-dimensional int4[2] AD as binary COPY fields, in one pack
_GQ_DP_AD2 = struct.Struct(">iiii" + "iiiiii" + "iiii").pack
_NO_GENOTYPE = cb.NULL * 5  # sample_id, gt, gq, dp, ad of a row without a sample
_CONSEQUENCE_KEYS = {"CSQ", "ANN", "EFF"}
_IUPAC = "ACGTNRYSWKMBDHV"  # a REF may carry the reference's ambiguity codes; an ALT may not


@dataclass(frozen=True)
class RecordPolicy:
    """What the user explicitly allows a load to store beyond the plain rules (each one counted as a warning)."""

    allow_unknown_contigs: bool = False
    allow_out_of_range: bool = False


def _canon(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


# Annotation columns filled from INFO (first) or the picked consequence, by canonical field name.
MAPPED_FIELDS: dict[str, frozenset[str]] = {
    "af_gnomad": frozenset(
        {
            "gnomadaf",
            "afgnomad",
            "gnomadeaf",
            "gnomadgaf",
            "gnomadexomesaf",
            "gnomadgenomesaf",
            "gnomadafall",
            "gnomadv4af",
            "gnomadafglobal",
        }
    ),
    "af_gnomad_popmax": frozenset(
        {
            "gnomadafpopmax",
            "afpopmax",
            "popmaxaf",
            "gnomadpopmaxaf",
            "gnomadpopmax",
            "afgrpmax",
            "gnomadafgrpmax",
            "gnomadgrpmaxaf",
            "gnomadgrpmax",
            "gnomadeafgrpmax",
            "gnomadgafgrpmax",
            "gnomadeafpopmax",
            "gnomadmaxaf",
        }
    ),
    "af_1kg": frozenset({"af1kg", "1kgaf", "kgaf", "1000gaf", "1000gpaf", "af1000g", "1kgpaf", "kgpaf"}),
    "cadd_phred": frozenset({"caddphred", "cadd", "caddscaled"}),
    "clinvar_sig": frozenset({"clnsig", "clinsig", "clinvarsig", "clinvarclnsig", "clinvarsignificance"}),
    "clinvar_review": frozenset({"clnrevstat", "clinvarclnrevstat", "clinvarreview", "clinvarreviewstatus"}),
}
_FLOAT_TARGETS = ("af_gnomad", "af_gnomad_popmax", "af_1kg", "cadd_phred")
_TARGET_OF = {name: target for target, names in MAPPED_FIELDS.items() for name in names}


@dataclass
class LoadStats:
    records: int = 0
    rows: int = 0
    skipped: int = 0
    skip_reasons: Counter = field(default_factory=Counter)
    contigs: set[str] = field(default_factory=set)
    warnings: Counter = field(default_factory=Counter)  # (kind, contig) -> records loaded despite it


def _num(v: object) -> float | None:
    """A mapped annotation value as a finite float, or None (first of ``&``/``,``-joined values)."""
    if v is None or v is True or v is False:
        return None
    kind = type(v)
    if kind is float:
        return v if v - v == 0.0 else None  # type: ignore[operator]
    if kind is int:
        return float(v)  # type: ignore[arg-type]
    return _float(v if kind is str else str(v))


def _float(v: str | None) -> float | None:
    if v is None or v == "" or v == ".":
        return None
    if "&" in v:
        v = v.split("&")[0]
    if "," in v:
        v = v.split(",")[0]
    try:
        f = float(v)
    except ValueError:
        return None
    return f if f - f == 0.0 else None  # finite: inf - inf and nan - nan are nan


def _int_value(v: str) -> object:
    """An Integer INFO value; one that is not an integer, or beyond 64 bits (JSON), stays text."""
    if v == ".":
        return None
    try:
        i = int(v)
    except ValueError:
        return v
    return i if INT8_MIN <= i <= INT8_MAX else v


def _float_value(v: str) -> object:
    if v == ".":
        return None
    try:
        f = float(v)
    except ValueError:
        return v
    return f if f - f == 0.0 else v


def _text_value(v: str) -> object:
    return None if v == "." else v


_TYPED = {"Integer": _int_value, "Float": _float_value}


@dataclass(frozen=True)
class _InfoKey:
    """How one INFO key is read: per allele (Number A/R/G) or not, its value parser, its mapped column."""

    number: str
    per_allele: bool
    always_single: bool
    parse: Callable[[str], object]
    target: str | None


@dataclass(frozen=True)
class _FormatPlan:
    """Positions of GT/GQ/DP/AD in one FORMAT string (the last of duplicates: the value a sample shows) and
    the other keys in order."""

    keys: list[str]
    gt_first: int | None  # where genotypes are read to decide which samples carry an ALT
    gt: int | None
    gq: int | None
    dp: int | None
    ad: int | None
    extra: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, fmt: str) -> _FormatPlan:
        keys = fmt.split(":")
        last = {k: i for i, k in enumerate(keys)}
        extra = tuple((k, i) for i, k in enumerate(keys) if k not in ("GT", "GQ", "DP", "AD"))
        first = keys.index("GT") if "GT" in last else None
        return cls(keys, first, last.get("GT"), last.get("GQ"), last.get("DP"), last.get("AD"), extra)


class RecordConverter:
    """Turns data lines into binary COPY rows for ``variants`` and the allele staging (module contract).

    The hot loop is written for speed (the loader's throughput is bound by it): per-key INFO readers, FORMAT
    plans and encoded constants are computed once and cached; rows are assembled with one join each.
    """

    def __init__(
        self,
        path: str,
        header: Header,
        genome_build: str,
        load_batch_id: uuid.UUID,
        sample_ids: list[int],
        fetch: Callable[[str, int, int], str] | None = None,
        policy: RecordPolicy | None = None,
    ):
        self.path = path
        self.header = header
        self.build = genome_build
        self.contigs = ContigCatalog(genome_build, header)
        self.contig = self.contigs.normalise
        self.policy = policy or RecordPolicy()
        self._gt_alleles: dict[int, frozenset[str]] = {}
        self.batch = cb.enc_uuid(load_batch_id)
        self.sample_ids = sample_ids
        self._sample_id_fields = [cb.enc_int4(i) for i in sample_ids]
        self.fetch = fetch
        self.stats = LoadStats()
        self.csq = ConsequenceFormat(header.csq_fields, "CSQ") if header.csq_fields else None
        self.ann = ConsequenceFormat(header.ann_fields, "ANN") if header.ann_fields else None
        self.eff = ConsequenceFormat(EFF_FIELDS, "EFF") if header.has_eff else None
        if self.eff is not None:
            self.eff.consequence, self.eff.impact, self.eff.gene, self.eff.transcript = 0, 1, 6, 9
            self.eff.hgvs_c = self.eff.hgvs_p = None
        self._consequence_formats = [
            (key, fmt) for key, fmt in (("CSQ", self.csq), ("ANN", self.ann), ("EFF", self.eff)) if fmt
        ]
        self._keyinfo: dict[str, _InfoKey] = {}
        self._format_plans: dict[str, _FormatPlan] = {}
        self._csq_targets = self._targets(self.csq)
        self._build_field = cb.enc_text(genome_build)
        self._encoded: dict[str | None, bytes] = {None: cb.NULL}  # small vocabularies: contigs, types, impacts
        self._filters: dict[str, bytes] = {".": cb.NULL}

    @staticmethod
    def _targets(fmt: ConsequenceFormat | None) -> dict[str, int]:
        if fmt is None:
            return {}
        out: dict[str, int] = {}
        for name, i in fmt.by_name.items():
            target = _TARGET_OF.get(_canon(name))
            if target and target not in out:
                out[target] = i
        if "af_1kg" not in out and "af" in fmt.by_name:  # VEP's AF field is the 1000 Genomes global AF
            out["af_1kg"] = fmt.by_name["af"]
        return out

    # -- cached readers and encodings ------------------------------------------
    def _key(self, key: str) -> _InfoKey:
        """How INFO ``key`` is read, computed once per key from its header definition."""
        d = self.header.info.get(key)
        number, kind = (d.number, d.type) if d else (".", "String")
        ki = _InfoKey(
            number=number,
            per_allele=number in ("A", "R", "G"),
            always_single=number in ("1", "0") or (number == "." and kind == "String"),
            parse=_TYPED.get(kind, _text_value),
            target=_TARGET_OF.get(_canon(key)),
        )
        self._keyinfo[key] = ki
        return ki

    def _text(self, value: str | None) -> bytes:
        """``enc_text`` memoised, for values from small vocabularies only."""
        out = self._encoded.get(value)
        if out is None:
            out = cb.enc_text(value)
            if len(self._encoded) < 10_000:
                self._encoded[value] = out
        return out

    def _filter(self, text: str) -> bytes:
        out = self._filters.get(text)
        if out is None:
            out = cb.enc_text_array(text.split(";"))
            if len(self._filters) < 10_000:
                self._filters[text] = out
        return out

    def _plan(self, fmt: str) -> _FormatPlan:
        plan = self._format_plans.get(fmt)
        if plan is None:
            plan = self._format_plans[fmt] = _FormatPlan.of(fmt)
        return plan

    # -- the record ---------------------------------------------------------
    def convert(self, line: str, line_no: int, out: bytearray, alleles: bytearray) -> None:
        stats = self.stats
        stats.records += 1
        cols = line.rstrip("\r\n").split("\t")
        if len(cols) < 8:
            raise VcfFormatError(self.path, line_no, f"expected at least 8 tab-separated columns, found {len(cols)}")
        if "\x00" in line:
            raise VcfFormatError(self.path, line_no, "the line contains a NUL byte")
        chrom_raw, pos_s, id_s, ref, alt_s, qual_s, filter_s, info_s = cols[:8]
        try:
            pos0 = int(pos_s)
        except ValueError:
            raise VcfFormatError(self.path, line_no, f"POS {pos_s!r} is not a number") from None
        if pos0 < 0 or not ref or not chrom_raw:
            raise VcfFormatError(self.path, line_no, "POS must be ≥ 0 and CHROM and REF must be present")
        if pos0 > MAX_POSITION:
            raise VcfFormatError(self.path, line_no, f"POS {pos_s} is beyond the end of any genome")
        ref = ref.upper()
        if ref.strip("ACGTN") and ref.strip(_IUPAC):
            raise VcfFormatError(self.path, line_no, f"REF {_shown(ref)} is not a DNA sequence (A, C, G, T, N)")
        if alt_s == "." or not alt_s:
            stats.skipped += 1
            stats.skip_reasons["no_alt"] += 1
            return
        alts = alt_s.split(",")
        n_alts = len(alts)
        for a in alts:
            if not valid_alt(a):
                raise VcfFormatError(
                    self.path,
                    line_no,
                    f"ALT {_shown(a)} is not a DNA sequence, '*', a <symbolic> allele or a breakend",
                )
        if (alt_s in _NON_REF) if n_alts == 1 else all(a in _NON_REF for a in alts):
            stats.skipped += 1
            stats.skip_reasons["reference_block"] += 1
            return
        chrom, length, known = self.contigs.lookup(chrom_raw)
        if not known:
            if not self.policy.allow_unknown_contigs:
                raise VcfFormatError(
                    self.path,
                    line_no,
                    f"contig {_shown(chrom_raw)} is neither a {self.build} contig nor declared in the header "
                    "(--allow-unknown-contigs loads it anyway)",
                )
            stats.warnings[("unknown_contig", chrom)] += 1
        if length is not None and pos0 > length:
            if not self.policy.allow_out_of_range:
                raise VcfFormatError(
                    self.path,
                    line_no,
                    f"POS {pos0:,} is past the end of {chrom} ({length:,} bases in {self.build}; "
                    "--allow-out-of-range loads it anyway)",
                )
            stats.warnings[("beyond_contig_end", chrom)] += 1
        stats.contigs.add(chrom)
        try:
            qual = None if qual_s == "." else float(qual_s)
        except ValueError:
            raise VcfFormatError(self.path, line_no, f"QUAL {qual_s!r} is not a number") from None
        rs_id = None
        if id_s != ".":
            if ";" in id_s:
                ids = id_s.split(";")
                rs_id = next((i for i in ids if i.startswith("rs")), ids[0])
            else:
                rs_id = id_s

        # INFO: flags first, then typed values in file order (a repeated key keeps its last value).
        base_info: dict[str, object] = {}
        raw: dict[str, str] = {}
        if info_s != "." and info_s:
            for item in info_s.split(";"):
                key, eq, value = item.partition("=")
                if not key:
                    if item:
                        raise VcfFormatError(self.path, line_no, f"malformed INFO entry {item!r}")
                elif eq:
                    raw[key] = value
                else:
                    base_info[key] = True
        end_s = raw.get("END")
        if end_s is not None:
            try:
                end_value = int(end_s)
            except ValueError:
                pass
            else:
                if end_value < pos0:
                    raise VcfFormatError(self.path, line_no, f"INFO END {end_value} is before POS {pos0}")
        # Number=A/R/G values: split per ALT below; with one ALT their value is final here (what split_values
        # gives for the only ALT), kept apart so that they follow the other keys as they do after a split.
        single_alt = n_alts == 1
        per_allele: list[tuple[str, str, list[object]]] = []
        allele_info: dict[str, object] = {}
        mapped_info: dict[str, object] = {}
        keyinfo = self._keyinfo
        for key, value in raw.items():
            if key in _CONSEQUENCE_KEYS:
                continue
            ki = keyinfo.get(key) or self._key(key)
            parse = ki.parse
            if ki.per_allele:
                if single_alt:
                    if "," in value:
                        final: object = [parse(v) for v in value.split(",")]
                    else:
                        final = parse(value) if ki.number == "A" else [parse(value)]
                    allele_info[key] = final
                    if ki.target is not None:
                        mapped_info[ki.target] = final
                    continue
                values = [parse(v) for v in value.split(",")]
                per_allele.append((key, ki.number, values))
                if ki.target is not None:
                    mapped_info[ki.target] = (key, ki.number, values)
            else:
                typed = parse(value) if ki.always_single or "," not in value else [parse(v) for v in value.split(",")]
                base_info[key] = typed
                if ki.target is not None:
                    mapped_info[ki.target] = typed

        if self.fetch is not None and is_sequence_allele(ref):
            expected = self.fetch(chrom_raw, pos0 - 1, pos0 - 1 + len(ref)).upper()
            if expected and any(r != e and r != "N" and e != "N" for r, e in zip(ref, expected, strict=False)):
                raise VcfFormatError(
                    self.path,
                    line_no,
                    f"REF {ref} at {chrom_raw}:{pos0} disagrees with the reference FASTA ({expected})",
                )

        # Consequences per ALT.
        # Per format, per ALT: (entries as value lists, the raw entries or None when each list ends with it).
        groups: list[tuple[ConsequenceFormat, list[tuple[list[list[str]], list[str] | None]]]] = []
        for key, fmt in self._consequence_formats:
            value = raw.get(key)
            if value is None:
                continue
            if key == "EFF":
                entries = parse_eff(value)
            elif single_alt:  # the common case: no assignment to ALTs, so the raw entries need not ride along
                groups.append((fmt, [fmt.split_single(value)]))
                continue
            else:
                entries = fmt.split(value)
            groups.append(
                (
                    fmt,
                    [(entries, None)]
                    if single_alt
                    else [(e, None) for e in fmt.assign(entries, ref, [a.upper() for a in alts])],
                )
            )

        # Genotypes.
        samples = cols[9:] if len(cols) > 9 else []
        if len(samples) > len(self._sample_id_fields):
            raise VcfFormatError(
                self.path,
                line_no,
                f"{len(samples)} sample columns, but the #CHROM line names {len(self._sample_id_fields)} samples",
            )
        plan = self._plan(cols[8]) if len(cols) > 8 and samples else None
        parsed_samples = [s.split(":") for s in samples]
        called: list[list[str]] | None = None
        if plan is not None and plan.gt_first is not None:
            gt_i = plan.gt_first
            called = []
            any_called = False
            valid = self._gt_alleles.get(n_alts)
            if valid is None:
                valid = self._gt_alleles[n_alts] = frozenset([".", *map(str, range(n_alts + 1))])
            for s_index, values in enumerate(parsed_samples):
                gt = values[gt_i] if gt_i < len(values) else "."
                c = gt.replace("|", "/").split("/")
                for a in c:
                    if a not in valid:
                        self._bad_genotype(line_no, s_index, gt, a, n_alts)
                called.append(c)
                if not any_called:
                    any_called = c.count(".") != len(c)
            if not any_called:
                called = None  # every GT missing: a sites-style record

        text = self._text
        enc_text = cb.enc_text
        enc_float8 = cb.enc_float8
        enc_int8 = cb.enc_int8
        null = cb.NULL
        for alt_index, alt in enumerate(alts, start=1):
            if alt in _NON_REF:
                continue
            sequence = is_sequence_allele(alt)
            if sequence:
                alt = alt.upper()
            if alt == ref:
                stats.skipped += 1
                stats.skip_reasons["alt_equals_ref"] += 1
                continue
            if single_alt:
                info = base_info
                info.update(allele_info)
            else:
                info = dict(base_info)
                for key, number, values in per_allele:
                    info[key] = split_values(number, values, alt_index, n_alts)
            pos, nref, nalt = pos0, ref, alt
            if sequence:
                if self.fetch is not None and len(ref) != len(alt):
                    fetch, craw = self.fetch, chrom_raw
                    pos, nref, nalt = left_align(pos0, ref, alt, lambda s, e, f=fetch, c=craw: f(c, s, e))
                elif len(ref) > 1 and len(alt) > 1:
                    pos, nref, nalt = trim(pos0, ref, alt)
                end = pos + len(nref) - 1
            else:
                end = pos0 + len(ref) - 1
                end_info = info.get("END")
                if isinstance(end_info, int) and end_info >= pos0:
                    end = end_info
                elif "SVLEN" in info:
                    sv = info["SVLEN"]
                    sv = sv[0] if isinstance(sv, list) and sv else sv
                    if isinstance(sv, int) and sv != 0 and not alt.startswith("<INS"):
                        end = pos0 + abs(sv)
            if n_alts > 1 or pos != pos0 or nref != ref or nalt != alt:
                info["_orig"] = {"pos": pos0, "ref": ref, "alt": alt_s}
            vtype = variant_type(nref, nalt)

            # Consequences for this ALT and the picked one.
            vep: dict[str, list[str]] | None = None
            picked = picked_fmt = None
            for fmt, per_alt in groups:
                entries, raws = per_alt[alt_index - 1]
                if not entries:
                    continue
                if vep is None:
                    vep = {}
                vep[fmt.kind] = raws if raws is not None else [e[-1] for e in entries]
                if picked is None:
                    picked, picked_fmt = fmt.pick(entries), fmt
            gene = transcript = hgvs_c = hgvs_p = consequence = impact = None
            is_coding = is_lof = None
            mapped: dict[str, object] = {}
            if picked is not None and picked_fmt is not None:
                f = picked_fmt
                gene = (
                    (picked[f.gene] if f.gene is not None else None)
                    or (picked[f.gene_id] if f.gene_id is not None else None)
                    or None
                )
                transcript = (picked[f.transcript] or None) if f.transcript is not None else None
                hgvs_c = (picked[f.hgvs_c] or None) if f.hgvs_c is not None else None
                hgvs_p = (picked[f.hgvs_p] or None) if f.hgvs_p is not None else None
                consequence = (picked[f.consequence] or None) if f.consequence is not None else None
                impact = (picked[f.impact] or None) if f.impact is not None else None
                if consequence:
                    terms = consequence.lower().split("&")  # SnpEff EFF writes STOP_GAINED
                    is_coding = not CODING.isdisjoint(terms)
                    is_lof = not LOSS_OF_FUNCTION.isdisjoint(terms)
                if f is self.csq:
                    for target, i in self._csq_targets.items():
                        v = picked[i]
                        if v:
                            mapped[target] = v
            for target, value in mapped_info.items():
                if isinstance(value, tuple):
                    value = split_values(value[1], value[2], alt_index, n_alts)
                if value is not None and value is not True:
                    mapped[target] = value if not isinstance(value, list) else value[0]
            clin_sig = mapped.get("clinvar_sig")
            clin_rev = mapped.get("clinvar_review")

            a_id = compute_allele_id(self.build, chrom, pos, nref, nalt)
            chrom_f = text(chrom)
            ref_f = enc_text(nref)
            alt_f = enc_text(nalt)
            vtype_f = text(vtype)
            site = b"".join(
                (
                    chrom_f,
                    cb.enc_int8range(pos, end + 1),
                    enc_int8(pos),
                    enc_int8(end),
                    ref_f,
                    alt_f,
                    null if qual is None else enc_float8(qual),
                    self._filter(filter_s),
                    vtype_f,
                    enc_text(rs_id),
                    enc_text(gene),
                    enc_text(transcript),
                    enc_text(hgvs_c),
                    enc_text(hgvs_p),
                    text(consequence),
                    text(impact),
                    cb.enc_bool(is_coding),
                    cb.enc_bool(is_lof),
                    enc_float8(_num(mapped.get("af_gnomad"))),
                    enc_float8(_num(mapped.get("af_gnomad_popmax"))),
                    enc_float8(_num(mapped.get("af_1kg"))),
                    enc_float8(_num(mapped.get("cadd_phred"))),
                    enc_text(None if clin_sig is None else str(clin_sig)),
                    enc_text(None if clin_rev is None else str(clin_rev)),
                    cb.enc_jsonb(info),
                    cb.enc_jsonb(vep),
                )
            )
            tail = enc_int8(a_id) + self.batch
            rows = 0
            if called is not None:
                assert plan is not None
                want = str(alt_index)
                for s_index, alleles_called in enumerate(called):
                    if want not in alleles_called:
                        continue
                    out += _ROW_HEAD
                    out += site
                    out += self._genotype(plan, parsed_samples[s_index], alt_index, n_alts, line_no, s_index)
                    out += tail
                    rows += 1
                if rows == 0:
                    stats.skipped += 1
                    stats.skip_reasons["no_carrier"] += 1
                    continue
            else:
                sample_format = None
                if samples and plan is not None:
                    sample_format = {
                        name: dict(zip(plan.keys, values, strict=False))
                        for name, values in zip(self.header.samples, parsed_samples, strict=False)
                    }
                out += _ROW_HEAD
                out += site
                out += _NO_GENOTYPE
                out += cb.enc_jsonb(sample_format)
                out += tail
                rows = 1
            stats.rows += rows
            alleles += b"".join(
                (
                    _ALLELE_HEAD,
                    enc_int8(a_id),
                    self._build_field,
                    chrom_f,
                    enc_int8(pos),
                    ref_f,
                    alt_f,
                    enc_int8(end),
                    vtype_f,
                )
            )

    def _bad_genotype(self, line_no: int, s_index: int, gt: str, allele: str, n_alts: int) -> None:
        sample = self.header.samples[s_index] if s_index < len(self.header.samples) else f"#{s_index + 1}"
        if allele.isdigit():
            reason = f"GT {_shown(gt)} of sample {sample} names allele {allele}, but the record has {n_alts} ALT"
            reason += "s" if n_alts != 1 else ""
        else:
            reason = f"GT {_shown(gt)} of sample {sample} is not a genotype (allele numbers or '.', joined by / or |)"
        raise VcfFormatError(self.path, line_no, reason)

    def _genotype(
        self, plan: _FormatPlan, values: list[str], alt_index: int, n_alts: int, line_no: int, s_index: int
    ) -> bytes:
        """The genotype columns of one sample: sample_id, gt, gq, dp, ad (per this ALT), other FORMAT keys."""
        n = len(values)
        path = self.path
        i = plan.gt
        gt = values[i] if i is not None and i < n else None
        gq = dp = ad = None
        i = plan.gq
        if i is not None and i < n:
            v = values[i]
            try:
                gq = int(v)
            except ValueError:
                gq = _int_or_none(v, path, line_no, "GQ")
        i = plan.dp
        if i is not None and i < n:
            v = values[i]
            try:
                dp = int(v)
            except ValueError:
                dp = _int_or_none(v, path, line_no, "DP")
        i = plan.ad
        if i is not None and i < n:
            v = values[i]
            if v != ".":
                parts = v.split(",")
                if n_alts > 1:
                    parts = split_values("R", parts, alt_index, n_alts)
                try:
                    ad = [int(p) for p in parts]
                except ValueError:
                    ad = [_int_or_none(p, path, line_no, "AD") for p in parts]
        extra: dict[str, str] | None = None
        for k, j in plan.extra:
            if j < n:
                if extra is None:
                    extra = {}
                extra[k] = values[j]
        if gq is not None and dp is not None and extra is None and ad is not None and len(ad) == 2 and None not in ad:
            try:  # the common shape in one pack: GQ, DP, a two-value AD
                numbers = _GQ_DP_AD2(4, gq, 4, dp, 36, 1, 0, cb.INT4_OID, 2, 1, 4, ad[0], 4, ad[1])
            except struct.error:  # a value outside int4: the general encoding below stores it as NULL
                pass
            else:
                return b"".join((self._sample_id_fields[s_index], cb.enc_text(gt), numbers, cb.NULL))
        return b"".join(
            (
                self._sample_id_fields[s_index],
                cb.enc_text(gt),
                cb.enc_int4(gq),
                cb.enc_int4(dp),
                cb.enc_int4_array(ad),
                cb.NULL if extra is None else cb.enc_jsonb(extra),
            )
        )


def _shown(value: str) -> str:
    """A value quoted for an error message, shortened when long."""
    return repr(value if len(value) <= 40 else value[:37] + "…")


def _int_or_none(v: str, path: str, line_no: int, what: str) -> int | None:
    if v == "." or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise VcfFormatError(path, line_no, f"{what} value {v!r} is not an integer") from None
