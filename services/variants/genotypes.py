"""Genotype typing: one record's sample columns → who carries each ALT, and each carrier's genotype columns.

Contract:
1. ``FormatPlan.of(fmt)``: where GT/GQ/DP/AD sit in a FORMAT string (the last of duplicates: the value a sample
   shows; GT's first position decides carriers) and the other keys in order.
2. ``GenotypeReader.called`` reads every sample's GT: each allele must be ``.`` or a number of the record's
   alleles (``0/7`` with one ALT, or ``x/1``, raises ``VcfFormatError`` naming the sample). None when no sample
   has a called allele (a sites-style record).
3. ``GenotypeReader.encode`` gives the ``columns.GENOTYPE_COLUMNS`` of one carrier, in that order, as binary COPY
   fields: sample_id, gt, gq, dp, ad (per this ALT: the REF depth and this ALT's), the other FORMAT keys as
   ``sample_format``. A GQ/DP/AD value that is not an integer raises ``VcfFormatError``; ``.`` is NULL; a value
   beyond int4 is NULL.
4. ``NO_GENOTYPE`` is the genotype columns of a row without a sample but ``sample_format`` (all NULL).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import NoReturn

from services.alleles.normalize import split_values
from services.alleles.vcf_header import VcfFormatError
from services.variants import copy_binary as cb
from services.variants.columns import GENOTYPE_COLUMNS

# encode() writes the fields in this order, GQ, DP and AD adjacent for the packed form (contract point 3).
if GENOTYPE_COLUMNS != ("sample_id", "gt", "gq", "dp", "ad", "sample_format"):
    raise ImportError("columns.GENOTYPE_COLUMNS changed: genotypes.encode must write the new order")

# int4 GQ, int4 DP and a one-dimensional int4[2] AD as binary COPY fields, in one pack
_GQ_DP_AD2 = struct.Struct(">iiii" + "iiiiii" + "iiii").pack
NO_GENOTYPE = cb.NULL * (len(GENOTYPE_COLUMNS) - 1)  # sample_id, gt, gq, dp, ad; sample_format follows


@dataclass(frozen=True)
class FormatPlan:
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
    def of(cls, fmt: str) -> FormatPlan:
        keys = fmt.split(":")
        last = {k: i for i, k in enumerate(keys)}
        extra = tuple((k, i) for i, k in enumerate(keys) if k not in ("GT", "GQ", "DP", "AD"))
        first = keys.index("GT") if "GT" in last else None
        return cls(keys, first, last.get("GT"), last.get("GQ"), last.get("DP"), last.get("AD"), extra)


class GenotypeReader:
    """Reads the sample columns of one file's records (the samples of its #CHROM line, their ids)."""

    def __init__(self, path: str, samples: list[str], sample_ids: list[int]):
        self.path = path
        self.samples = samples
        self.sample_id_fields = [cb.enc_int4(i) for i in sample_ids]
        self._plans: dict[str, FormatPlan] = {}
        self._gt_alleles: dict[int, frozenset[str]] = {}

    def plan(self, fmt: str) -> FormatPlan:
        plan = self._plans.get(fmt)
        if plan is None:
            plan = self._plans[fmt] = FormatPlan.of(fmt)
        return plan

    def called(
        self, plan: FormatPlan, parsed_samples: list[list[str]], n_alts: int, line_no: int
    ) -> list[list[str]] | None:
        """Each sample's GT alleles (contract point 2); None when no GT has a called allele."""
        if plan.gt_first is None:
            return None
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
        return called if any_called else None  # every GT missing: a sites-style record

    def _bad_genotype(self, line_no: int, s_index: int, gt: str, allele: str, n_alts: int) -> NoReturn:
        sample = self.samples[s_index] if s_index < len(self.samples) else f"#{s_index + 1}"
        if allele.isdigit():
            reason = f"GT {shown(gt)} of sample {sample} names allele {allele}, but the record has {n_alts} ALT"
            reason += "s" if n_alts != 1 else ""
        else:
            reason = f"GT {shown(gt)} of sample {sample} is not a genotype (allele numbers or '.', joined by / or |)"
        raise VcfFormatError(self.path, line_no, reason)

    def encode(
        self, plan: FormatPlan, values: list[str], alt_index: int, n_alts: int, line_no: int, s_index: int
    ) -> bytes:
        """The genotype columns of one carrier (contract point 3)."""
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
                return b"".join((self.sample_id_fields[s_index], cb.enc_text(gt), numbers, cb.NULL))
        return b"".join(
            (
                self.sample_id_fields[s_index],
                cb.enc_text(gt),
                cb.enc_int4(gq),
                cb.enc_int4(dp),
                cb.enc_int4_array(ad),
                cb.NULL if extra is None else cb.enc_jsonb(extra),
            )
        )


def shown(value: str) -> str:
    """A value quoted for an error message, shortened when long."""
    return repr(value if len(value) <= 40 else value[:37] + "…")


def _int_or_none(v: str, path: str, line_no: int, what: str) -> int | None:
    if v == "." or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise VcfFormatError(path, line_no, f"{what} value {v!r} is not an integer") from None
