"""One VCF data line → the variant rows it gives (binary COPY rows) and their alleles.

INFO typing is ``info_typing``'s, genotype typing ``genotypes``'s; the row's columns are ``columns``'s.

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

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter

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
    trim,
    valid_alt,
    variant_type,
)
from services.alleles.vcf_header import Header, VcfFormatError
from services.variants import copy_binary as cb
from services.variants.columns import KEY_COLUMNS, SITE_COLUMNS, VARIANT_COPY_COLUMNS
from services.variants.genotypes import NO_GENOTYPE, FormatPlan, GenotypeReader, shown
from services.variants.info_typing import TARGET_OF, InfoReader, RecordInfo, canon, number

_ROW_HEAD = cb.row_header(len(VARIANT_COPY_COLUMNS))
_ALLELE_HEAD = cb.row_header(len(STAGING_COLUMNS))
# Each group of a row and the allele staging row, in column order, from per-column fields (columns contract).
_site_fields = itemgetter(*SITE_COLUMNS)
_key_fields = itemgetter(*KEY_COLUMNS)
_allele_fields = itemgetter(*STAGING_COLUMNS)
_NON_REF = {"<NON_REF>", "<*>"}
_IUPAC = "ACGTNRYSWKMBDHV"  # a REF may carry the reference's ambiguity codes; an ALT may not
_FLOAT_COLUMNS = ("af_gnomad", "af_gnomad_popmax", "af_1kg", "cadd_phred")


@dataclass(frozen=True)
class RecordPolicy:
    """What the user explicitly allows a load to store beyond the plain rules (each one counted as a warning)."""

    allow_unknown_contigs: bool = False
    allow_out_of_range: bool = False


@dataclass
class LoadStats:
    records: int = 0
    rows: int = 0
    skipped: int = 0
    skip_reasons: Counter = field(default_factory=Counter)
    contigs: set[str] = field(default_factory=set)
    warnings: Counter = field(default_factory=Counter)  # (kind, contig) -> records loaded despite it


@dataclass(slots=True)
class _Site:
    """The fixed columns of one record, checked (contract points 1, 7, 8)."""

    chrom_raw: str
    chrom: str
    pos0: int
    ref: str
    alt_s: str
    alts: list[str]
    qual: float | None
    filter_s: str
    rs_id: str | None
    info_s: str


@dataclass(slots=True)
class _Samples:
    """The sample columns of one record: split values, the FORMAT plan, and each sample's GT alleles (None: no
    sample has a called allele)."""

    parsed: list[list[str]]
    plan: FormatPlan | None
    called: list[list[str]] | None


# Per format, per ALT: (entries as value lists, the raw entries or None when each list ends with it).
_Groups = list[tuple[ConsequenceFormat, list[tuple[list[list[str]], list[str] | None]]]]


class RecordConverter:
    """Turns data lines into binary COPY rows for ``variants`` and the allele staging (module contract).

    The hot loop is written for speed (the loader's throughput is bound by it): per-key INFO readers, FORMAT
    plans and encoded constants are computed once and cached; rows are assembled with one join per group.
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
        self.batch = cb.enc_uuid(load_batch_id)
        self.sample_ids = sample_ids
        self.fetch = fetch
        self.stats = LoadStats()
        self.info = InfoReader(path, header)
        self.genotypes = GenotypeReader(path, header.samples, sample_ids)
        self.csq = ConsequenceFormat(header.csq_fields, "CSQ") if header.csq_fields else None
        self.ann = ConsequenceFormat(header.ann_fields, "ANN") if header.ann_fields else None
        self.eff = ConsequenceFormat(EFF_FIELDS, "EFF") if header.has_eff else None
        if self.eff is not None:
            self.eff.consequence, self.eff.impact, self.eff.gene, self.eff.transcript = 0, 1, 6, 9
            self.eff.hgvs_c = self.eff.hgvs_p = None
        self._consequence_formats = [
            (key, fmt) for key, fmt in (("CSQ", self.csq), ("ANN", self.ann), ("EFF", self.eff)) if fmt
        ]
        self.csq_targets = self._targets(self.csq)
        self._build_field = cb.enc_text(genome_build)
        self._encoded: dict[str | None, bytes] = {None: cb.NULL}  # small vocabularies: contigs, types, impacts
        self._filters: dict[str, bytes] = {".": cb.NULL}

    @staticmethod
    def _targets(fmt: ConsequenceFormat | None) -> dict[str, int]:
        """The mapped columns a CSQ field fills (by canonical name), and where."""
        if fmt is None:
            return {}
        out: dict[str, int] = {}
        for name, i in fmt.by_name.items():
            target = TARGET_OF.get(canon(name))
            if target and target not in out:
                out[target] = i
        if "af_1kg" not in out and "af" in fmt.by_name:  # VEP's AF field is the 1000 Genomes global AF
            out["af_1kg"] = fmt.by_name["af"]
        return out

    # -- cached encodings ---------------------------------------------------------
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

    # -- the record ---------------------------------------------------------------
    def convert(self, line: str, line_no: int, out: bytearray, alleles: bytearray) -> None:
        """Append the rows of one data line to ``out`` and their alleles to ``alleles`` (module contract)."""
        self.stats.records += 1
        cols = line.rstrip("\r\n").split("\t")
        site = self._site(cols, line, line_no)
        if site is None:
            return
        n_alts = len(site.alts)
        info = self.info.read(site.info_s, site.pos0, n_alts, line_no)
        if self.fetch is not None and is_sequence_allele(site.ref):
            self._check_reference(site, self.fetch, line_no)
        groups = self._consequences(info.raw, site.ref, site.alts)
        samples = self._samples(cols, n_alts, line_no)
        for alt_index, alt in enumerate(site.alts, start=1):
            if alt not in _NON_REF:
                self._alt_rows(site, alt_index, alt, info, groups, samples, line_no, out, alleles)

    def _site(self, cols: list[str], line: str, line_no: int) -> _Site | None:
        """The checked fixed columns, or None when the record is skipped (no ALT, a reference block)."""
        stats = self.stats
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
            raise VcfFormatError(self.path, line_no, f"REF {shown(ref)} is not a DNA sequence (A, C, G, T, N)")
        if alt_s == "." or not alt_s:
            stats.skipped += 1
            stats.skip_reasons["no_alt"] += 1
            return None
        alts = alt_s.split(",")
        for a in alts:
            if not valid_alt(a):
                raise VcfFormatError(
                    self.path,
                    line_no,
                    f"ALT {shown(a)} is not a DNA sequence, '*', a <symbolic> allele or a breakend",
                )
        if (alt_s in _NON_REF) if len(alts) == 1 else all(a in _NON_REF for a in alts):
            stats.skipped += 1
            stats.skip_reasons["reference_block"] += 1
            return None
        chrom = self._contig(chrom_raw, pos0, line_no)
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
        return _Site(chrom_raw, chrom, pos0, ref, alt_s, alts, qual, filter_s, rs_id, info_s)

    def _contig(self, chrom_raw: str, pos0: int, line_no: int) -> str:
        """The normalised contig; an unknown one or a POS past its end refused unless the policy allows it."""
        stats = self.stats
        chrom, length, known = self.contigs.lookup(chrom_raw)
        if not known:
            if not self.policy.allow_unknown_contigs:
                raise VcfFormatError(
                    self.path,
                    line_no,
                    f"contig {shown(chrom_raw)} is neither a {self.build} contig nor declared in the header "
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
        return chrom

    def _check_reference(self, site: _Site, fetch: Callable[[str, int, int], str], line_no: int) -> None:
        """Contract point 6: REF agrees with the reference FASTA (N matches anything)."""
        ref, pos0 = site.ref, site.pos0
        expected = fetch(site.chrom_raw, pos0 - 1, pos0 - 1 + len(ref)).upper()
        if expected and any(r != e and r != "N" and e != "N" for r, e in zip(ref, expected, strict=False)):
            raise VcfFormatError(
                self.path,
                line_no,
                f"REF {ref} at {site.chrom_raw}:{pos0} disagrees with the reference FASTA ({expected})",
            )

    def _consequences(self, raw: dict[str, str], ref: str, alts: list[str]) -> _Groups:
        """Each consequence format's entries, assigned to the ALTs."""
        single_alt = len(alts) == 1
        groups: _Groups = []
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
        return groups

    def _samples(self, cols: list[str], n_alts: int, line_no: int) -> _Samples:
        samples = cols[9:] if len(cols) > 9 else []
        if len(samples) > len(self.sample_ids):
            raise VcfFormatError(
                self.path,
                line_no,
                f"{len(samples)} sample columns, but the #CHROM line names {len(self.sample_ids)} samples",
            )
        plan = self.genotypes.plan(cols[8]) if len(cols) > 8 and samples else None
        parsed = [s.split(":") for s in samples]
        called = self.genotypes.called(plan, parsed, n_alts, line_no) if plan is not None else None
        return _Samples(parsed, plan, called)

    def _alt_rows(
        self,
        site: _Site,
        alt_index: int,
        alt: str,
        record_info: RecordInfo,
        groups: _Groups,
        samples: _Samples,
        line_no: int,
        out: bytearray,
        alleles: bytearray,
    ) -> None:
        """The rows of one ALT: one per carrying sample (or one without a sample), and its allele."""
        stats = self.stats
        ref, pos0, n_alts = site.ref, site.pos0, len(site.alts)
        sequence = is_sequence_allele(alt)
        if sequence:
            alt = alt.upper()
        if alt == ref:
            stats.skipped += 1
            stats.skip_reasons["alt_equals_ref"] += 1
            return
        info = record_info.for_alt(alt_index, n_alts)
        pos, nref, nalt = pos0, ref, alt
        if sequence:
            if self.fetch is not None and len(ref) != len(alt):
                fetch, craw = self.fetch, site.chrom_raw
                pos, nref, nalt = left_align(pos0, ref, alt, lambda s, e, f=fetch, c=craw: f(c, s, e))
            elif len(ref) > 1 and len(alt) > 1:
                pos, nref, nalt = trim(pos0, ref, alt)
            end = pos + len(nref) - 1
        else:
            end = _symbolic_end(pos0, ref, alt, info)
        if n_alts > 1 or pos != pos0 or nref != ref or nalt != alt:
            info["_orig"] = {"pos": pos0, "ref": ref, "alt": site.alt_s}
        vtype = variant_type(nref, nalt)
        fields = self._picked(alt_index, groups)
        record_info.mapped_for(alt_index, n_alts, fields)

        text, enc_text, enc_int8 = self._text, cb.enc_text, cb.enc_int8
        a_id = compute_allele_id(self.build, site.chrom, pos, nref, nalt)
        clin_sig, clin_rev = fields.get("clinvar_sig"), fields.get("clinvar_review")
        fields["chrom"] = text(site.chrom)
        fields["pos_range"] = cb.enc_int8range(pos, end + 1)
        fields["pos"] = enc_int8(pos)
        fields["end_pos"] = enc_int8(end)
        fields["ref"] = enc_text(nref)
        fields["alt"] = enc_text(nalt)
        fields["qual"] = cb.NULL if site.qual is None else cb.enc_float8(site.qual)
        fields["filter"] = self._filter(site.filter_s)
        fields["variant_type"] = text(vtype)
        fields["rs_id"] = enc_text(site.rs_id)
        fields["clinvar_sig"] = enc_text(None if clin_sig is None else str(clin_sig))
        fields["clinvar_review"] = enc_text(None if clin_rev is None else str(clin_rev))
        fields["info"] = cb.enc_packed(info)
        for column in _FLOAT_COLUMNS:
            fields[column] = cb.enc_float8(number(fields.get(column)))
        row_site = b"".join(_site_fields(fields))
        fields["allele_id"] = enc_int8(a_id)
        fields["load_batch_id"] = self.batch
        tail = b"".join(_key_fields(fields))
        rows = self._genotype_rows(row_site, tail, alt_index, n_alts, samples, line_no, out)
        if rows == 0:
            stats.skipped += 1
            stats.skip_reasons["no_carrier"] += 1
            return
        stats.rows += rows
        fields["id"] = fields["allele_id"]
        fields["genome_build"] = self._build_field
        alleles += _ALLELE_HEAD
        alleles += b"".join(_allele_fields(fields))

    def _picked(self, alt_index: int, groups: _Groups) -> dict:
        """The encoded consequence columns of one ALT (from the first format's picked entry), its
        ``vep_annotations``, and the mapped values its CSQ entry gives (raw, to be typed by the caller)."""
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
        fields: dict = {}
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
                for target, i in self.csq_targets.items():
                    v = picked[i]
                    if v:
                        fields[target] = v
        enc_text = cb.enc_text
        fields["gene"] = enc_text(gene)
        fields["transcript"] = enc_text(transcript)
        fields["hgvs_c"] = enc_text(hgvs_c)
        fields["hgvs_p"] = enc_text(hgvs_p)
        fields["consequence"] = self._text(consequence)
        fields["impact"] = self._text(impact)
        fields["is_coding"] = cb.enc_bool(is_coding)
        fields["is_lof"] = cb.enc_bool(is_lof)
        fields["vep_annotations"] = cb.enc_packed(vep)
        return fields

    def _genotype_rows(
        self,
        site: bytes,
        tail: bytes,
        alt_index: int,
        n_alts: int,
        samples: _Samples,
        line_no: int,
        out: bytearray,
    ) -> int:
        """Contract point 5: one row per sample carrying ALT ``alt_index``, or one row without a sample when no
        sample has a called GT; returns how many."""
        called, plan = samples.called, samples.plan
        if called is not None and plan is not None:  # called is only read with a plan
            want = str(alt_index)
            encode = self.genotypes.encode
            rows = 0
            for s_index, alleles_called in enumerate(called):
                if want not in alleles_called:
                    continue
                out += _ROW_HEAD
                out += site
                out += encode(plan, samples.parsed[s_index], alt_index, n_alts, line_no, s_index)
                out += tail
                rows += 1
            return rows
        sample_format = None
        if samples.parsed and plan is not None:
            sample_format = {
                name: dict(zip(plan.keys, values, strict=False))
                for name, values in zip(self.header.samples, samples.parsed, strict=False)
            }
        out += _ROW_HEAD
        out += site
        out += NO_GENOTYPE
        out += cb.enc_jsonb(sample_format)
        out += tail
        return 1


def _symbolic_end(pos0: int, ref: str, alt: str, info: dict[str, object]) -> int:
    """The END of a ``*`` or symbolic allele: INFO END (not before POS), else from SVLEN, else REF's end."""
    end = pos0 + len(ref) - 1
    end_info = info.get("END")
    if isinstance(end_info, int) and end_info >= pos0:
        return end_info
    if "SVLEN" in info:
        sv = info["SVLEN"]
        sv = sv[0] if isinstance(sv, list) and sv else sv
        if isinstance(sv, int) and sv != 0 and not alt.startswith("<INS"):
            return pos0 + abs(sv)
    return end
