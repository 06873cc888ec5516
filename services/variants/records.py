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
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from services.variants import copy_binary as cb
from services.variants.alleles import allele_id as compute_allele_id
from services.variants.consequences import (
    CODING,
    EFF_FIELDS,
    LOSS_OF_FUNCTION,
    ConsequenceFormat,
    parse_eff,
)
from services.variants.normalize import (
    contig_normaliser,
    is_sequence_allele,
    left_align,
    split_values,
    trim,
    variant_type,
)
from services.variants.vcf_header import Header, VcfFormatError

VARIANT_COLUMNS = (
    "chrom",
    "pos_range",
    "pos",
    "end_pos",
    "ref",
    "alt",
    "qual",
    "filter",
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
    "info",
    "vep_annotations",
    "sample_id",
    "gt",
    "gq",
    "dp",
    "ad",
    "sample_format",
    "allele_id",
    "load_batch_id",
)
ALLELE_COLUMNS = ("id", "genome_build", "chrom", "pos", "ref", "alt", "end_pos", "variant_type")
_ROW_HEAD = cb.row_header(len(VARIANT_COLUMNS))
_ALLELE_HEAD = cb.row_header(len(ALLELE_COLUMNS))
_NON_REF = {"<NON_REF>", "<*>"}
_CONSEQUENCE_KEYS = {"CSQ", "ANN", "EFF"}


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


def _num(v: object) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if v == v and v not in (float("inf"), float("-inf")) else None
    return _float(str(v))


def _float(v: str | None) -> float | None:
    if v is None or v == "" or v == ".":
        return None
    try:
        f = float(v.split("&")[0].split(",")[0])
    except ValueError:
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None


class RecordConverter:
    """Turns data lines into binary COPY rows for ``variants`` and the allele staging (module contract)."""

    def __init__(
        self,
        path: str,
        header: Header,
        genome_build: str,
        load_batch_id: uuid.UUID,
        sample_ids: list[int],
        fetch: Callable[[str, int, int], str] | None = None,
    ):
        self.path = path
        self.header = header
        self.build = genome_build
        self.contig = contig_normaliser(genome_build)
        self.batch = cb.enc_uuid(load_batch_id)
        self.sample_ids = sample_ids
        self.fetch = fetch
        self.stats = LoadStats()
        self.csq = ConsequenceFormat(header.csq_fields, "CSQ") if header.csq_fields else None
        self.ann = ConsequenceFormat(header.ann_fields, "ANN") if header.ann_fields else None
        self.eff = ConsequenceFormat(EFF_FIELDS, "EFF") if header.has_eff else None
        if self.eff is not None:
            self.eff.consequence, self.eff.impact, self.eff.gene, self.eff.transcript = 0, 1, 6, 9
            self.eff.hgvs_c = self.eff.hgvs_p = None
        self._keyinfo: dict[str, tuple[str, str, str | None]] = {}
        self._csq_targets = self._targets(self.csq)

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

    # -- INFO ---------------------------------------------------------------
    def _key(self, key: str) -> tuple[str, str, str | None]:
        """(Number, Type, mapped annotation column or None) of an INFO key, computed once per key."""
        d = self.header.info.get(key)
        ki = (d.number if d else ".", d.type if d else "String", _TARGET_OF.get(_canon(key)))
        self._keyinfo[key] = ki
        return ki

    def _parse_info(self, text: str, line_no: int) -> tuple[dict[str, object], dict[str, str]]:
        info: dict[str, object] = {}
        raw: dict[str, str] = {}
        if text == "." or text == "":
            return info, raw
        for item in text.split(";"):
            if not item:
                continue
            key, eq, value = item.partition("=")
            if not key:
                raise VcfFormatError(self.path, line_no, f"malformed INFO entry {item!r}")
            if not eq:
                info[key] = True
                continue
            raw[key] = value
        return info, raw

    # -- the record ---------------------------------------------------------
    def convert(self, line: str, line_no: int, out: bytearray, alleles: bytearray) -> None:
        stats = self.stats
        stats.records += 1
        cols = line.rstrip("\r\n").split("\t")
        if len(cols) < 8:
            raise VcfFormatError(
                self.path, line_no, f"expected at least 8 tab-separated columns, found {len(cols)}"
            )
        chrom_raw, pos_s, id_s, ref, alt_s, qual_s, filter_s, info_s = cols[:8]
        try:
            pos0 = int(pos_s)
        except ValueError:
            raise VcfFormatError(self.path, line_no, f"POS {pos_s!r} is not a number") from None
        if pos0 < 0 or not ref or not chrom_raw:
            raise VcfFormatError(self.path, line_no, "POS must be ≥ 0 and CHROM and REF must be present")
        ref = ref.upper()
        alts = alt_s.split(",")
        if alt_s == "." or not alt_s:
            stats.skipped += 1
            stats.skip_reasons["no_alt"] += 1
            return
        if all(a in _NON_REF for a in alts):
            stats.skipped += 1
            stats.skip_reasons["reference_block"] += 1
            return
        chrom = self.contig(chrom_raw)
        stats.contigs.add(chrom)
        n_alts = len(alts)
        try:
            qual = None if qual_s == "." else float(qual_s)
        except ValueError:
            raise VcfFormatError(self.path, line_no, f"QUAL {qual_s!r} is not a number") from None
        filters = None if filter_s == "." else filter_s.split(";")
        rs_id = None
        if id_s != ".":
            ids = id_s.split(";")
            rs_id = next((i for i in ids if i.startswith("rs")), ids[0])
        info_flags, info_raw = self._parse_info(info_s, line_no)
        base_info: dict[str, object] = dict(info_flags)
        per_allele: list[tuple[str, str, list[object]]] = []
        mapped_info: dict[str, object] = {}
        keyinfo = self._keyinfo
        for key, value in info_raw.items():
            if key in _CONSEQUENCE_KEYS:
                continue
            ki = keyinfo.get(key) or self._key(key)
            number, kind, target = ki
            if number in ("A", "R", "G"):
                values = [_scalar(kind, v) for v in value.split(",")]
                per_allele.append((key, number, values))
                if target is not None:
                    mapped_info[target] = (key, number, values)
            else:
                single = number in ("1", "0") or "," not in value or (number == "." and kind == "String")
                typed = _scalar(kind, value) if single else [_scalar(kind, v) for v in value.split(",")]
                base_info[key] = typed
                if target is not None:
                    mapped_info[target] = typed

        if self.fetch is not None and is_sequence_allele(ref):
            expected = self.fetch(chrom_raw, pos0 - 1, pos0 - 1 + len(ref)).upper()
            if expected and any(
                r != e and r != "N" and e != "N" for r, e in zip(ref, expected, strict=False)
            ):
                raise VcfFormatError(
                    self.path,
                    line_no,
                    f"REF {ref} at {chrom_raw}:{pos0} disagrees with the reference FASTA ({expected})",
                )

        # Consequences per ALT.
        groups: list[tuple[ConsequenceFormat, list[list[list[str]]]]] = []
        for key, fmt in (("CSQ", self.csq), ("ANN", self.ann), ("EFF", self.eff)):
            value = info_raw.get(key)
            if value is None or fmt is None:
                continue
            entries = parse_eff(value) if key == "EFF" else fmt.split(value)
            groups.append((fmt, fmt.assign(entries, ref, [a.upper() for a in alts])))

        # Genotypes.
        samples = cols[9:] if len(cols) > 9 else []
        fmt_keys = cols[8].split(":") if len(cols) > 8 and samples else []
        parsed_samples = [s.split(":") for s in samples]
        gt_i = fmt_keys.index("GT") if "GT" in fmt_keys else None
        called: list[list[str]] | None = None
        if gt_i is not None:
            called = []
            for values in parsed_samples:
                gt = values[gt_i] if gt_i < len(values) else "."
                called.append(gt.replace("|", "/").split("/"))
            if not any(a != "." for c in called for a in c):
                called = None  # every GT missing: a sites-style record

        for alt_index, alt in enumerate(alts, start=1):
            if alt in _NON_REF:
                continue
            alt = alt.upper() if is_sequence_allele(alt) else alt
            if alt == ref:
                stats.skipped += 1
                stats.skip_reasons["alt_equals_ref"] += 1
                continue
            info = dict(base_info)
            for key, number, values in per_allele:
                info[key] = split_values(number, values, alt_index, n_alts)
            pos, nref, nalt = pos0, ref, alt
            if is_sequence_allele(alt):
                if self.fetch is not None and len(ref) != len(alt):
                    fetch, craw = self.fetch, chrom_raw
                    pos, nref, nalt = left_align(pos0, ref, alt, lambda s, e, f=fetch, c=craw: f(c, s, e))
                else:
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
            if n_alts > 1 or (pos, nref, nalt) != (pos0, ref, alt):
                info["_orig"] = {"pos": pos0, "ref": ref, "alt": alt_s}
            vtype = variant_type(nref, nalt)

            # Consequences for this ALT and the picked one.
            vep: dict[str, list[list[str]]] | None = None
            picked = picked_fmt = None
            for fmt, per_alt in groups:
                entries = per_alt[alt_index - 1]
                if not entries:
                    continue
                vep = vep or {}
                vep[fmt.kind] = [e[-1] for e in entries]
                if picked is None:
                    picked, picked_fmt = fmt.pick(entries), fmt
            gene = transcript = hgvs_c = hgvs_p = consequence = impact = None
            is_coding = is_lof = None
            mapped: dict[str, object] = {}
            if picked is not None and picked_fmt is not None:
                f = picked_fmt
                gene = f.value(picked, f.gene) or f.value(picked, f.gene_id)
                transcript = f.value(picked, f.transcript)
                hgvs_c = f.value(picked, f.hgvs_c)
                hgvs_p = f.value(picked, f.hgvs_p)
                consequence = f.value(picked, f.consequence)
                impact = f.value(picked, f.impact)
                if consequence:
                    terms = consequence.lower().split("&")  # SnpEff EFF writes STOP_GAINED
                    is_coding = any(t in CODING for t in terms)
                    is_lof = any(t in LOSS_OF_FUNCTION for t in terms)
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
            nums = {t: _num(mapped.get(t)) for t in _FLOAT_TARGETS}
            clin_sig = mapped.get("clinvar_sig")
            clin_rev = mapped.get("clinvar_review")

            a_id = compute_allele_id(self.build, chrom, pos, nref, nalt)
            site = (
                cb.enc_text(chrom)
                + cb.enc_int8range(pos, end + 1)
                + cb.enc_int8(pos)
                + cb.enc_int8(end)
                + cb.enc_text(nref)
                + cb.enc_text(nalt)
                + cb.enc_float8(qual)
                + cb.enc_text_array(filters)
                + cb.enc_text(vtype)
                + cb.enc_text(rs_id)
                + cb.enc_text(gene)
                + cb.enc_text(transcript)
                + cb.enc_text(hgvs_c)
                + cb.enc_text(hgvs_p)
                + cb.enc_text(consequence)
                + cb.enc_text(impact)
                + cb.enc_bool(is_coding)
                + cb.enc_bool(is_lof)
                + cb.enc_float8(nums["af_gnomad"])
                + cb.enc_float8(nums["af_gnomad_popmax"])
                + cb.enc_float8(nums["af_1kg"])
                + cb.enc_float8(nums["cadd_phred"])
                + cb.enc_text(None if clin_sig is None else str(clin_sig))
                + cb.enc_text(None if clin_rev is None else str(clin_rev))
                + cb.enc_jsonb(info)
                + cb.enc_jsonb(vep)
            )
            tail = cb.enc_int8(a_id) + self.batch
            rows = 0
            if called is not None:
                want = str(alt_index)
                for s_index, alleles_called in enumerate(called):
                    if want not in alleles_called:
                        continue
                    values = parsed_samples[s_index]
                    out += _ROW_HEAD
                    out += site
                    out += self._genotype(
                        fmt_keys, values, alt_index, n_alts, line_no, self.sample_ids[s_index]
                    )
                    out += tail
                    rows += 1
                if rows == 0:
                    stats.skipped += 1
                    stats.skip_reasons["no_carrier"] += 1
                    continue
            else:
                sample_format = None
                if samples and fmt_keys:
                    sample_format = {
                        name: dict(zip(fmt_keys, values, strict=False))
                        for name, values in zip(self.header.samples, parsed_samples, strict=False)
                    }
                out += _ROW_HEAD
                out += site
                out += cb.NULL * 5 + cb.enc_jsonb(sample_format)
                out += tail
                rows = 1
            stats.rows += rows
            alleles += (
                _ALLELE_HEAD
                + cb.enc_int8(a_id)
                + cb.enc_text(self.build)
                + cb.enc_text(chrom)
                + cb.enc_int8(pos)
                + cb.enc_text(nref)
                + cb.enc_text(nalt)
                + cb.enc_int8(end)
                + cb.enc_text(vtype)
            )

    def _genotype(
        self, keys: list[str], values: list[str], alt_index: int, n_alts: int, line_no: int, sample_id: int
    ) -> bytes:
        gt = gq = dp = None
        ad = None
        extra: dict[str, str] | None = None
        for k, v in zip(keys, values, strict=False):
            if k == "GT":
                gt = v
            elif k == "GQ":
                gq = _int_or_none(v, self.path, line_no, "GQ")
            elif k == "DP":
                dp = _int_or_none(v, self.path, line_no, "DP")
            elif k == "AD":
                if v != ".":
                    parts = v.split(",")
                    if n_alts > 1:
                        parts = split_values("R", parts, alt_index, n_alts)
                    ad = [_int_or_none(p, self.path, line_no, "AD") for p in parts]
            else:
                extra = extra or {}
                extra[k] = v
        return (
            cb.enc_int4(sample_id)
            + cb.enc_text(gt)
            + cb.enc_int4(gq)
            + cb.enc_int4(dp)
            + cb.enc_int4_array(ad)
            + cb.enc_jsonb(extra)
        )


def _int_or_none(v: str, path: str, line_no: int, what: str) -> int | None:
    if v == "." or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise VcfFormatError(path, line_no, f"{what} value {v!r} is not an integer") from None


def _scalar(kind: str, v: str) -> object:
    if v == ".":
        return None
    if kind == "Integer":
        try:
            return int(v)
        except ValueError:
            return v
    if kind == "Float":
        try:
            f = float(v)
        except ValueError:
            return v
        return f if f == f and f not in (float("inf"), float("-inf")) else v
    return v
