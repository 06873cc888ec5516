"""Allele normalisation, shared by the VCF loader and annotation sources so that their keys meet.

Contract:
1. ``normalise_build`` maps build aliases to one name (hg38 → GRCh38; hg19, b37 → GRCh37); other names are
   kept as given (non-human genomes).
2. ``contig_normaliser(build)(name)``: for human builds the primary contigs get UCSC names — ``1``→``chr1``,
   ``x``/``X``→``chrX``, ``MT``/``M``/``chrMT``→``chrM``; every other contig name (alt, decoy, chrUn, HLA,
   EBV) is kept unchanged and lands in the default partition. Non-human builds keep every name.
3. ``trim`` makes an allele pair parsimonious: no shared suffix, no shared prefix beyond one anchor base (each
   allele keeps at least one base); ``pos`` moves right by the prefix removed.
4. ``left_align`` (needs the reference) shifts an indel left through repeats, then trims (vt's algorithm).
5. ``split_values(number, values, alt_index, n_alts)`` takes the per-allele part of a Number=A/R/G value
   (G in VCF genotype order: genotype j≤k has index k(k+1)/2 + j; haploid when one value per allele).
6. Symbolic alleles (``<DEL>``, breakends, ``*``) are never trimmed or aligned (``is_sequence_allele``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

HUMAN_BUILDS = {"grch38": "GRCh38", "hg38": "GRCh38", "grch37": "GRCh37", "hg19": "GRCh37", "b37": "GRCh37"}
_PRIMARY = {str(i) for i in range(1, 23)} | {"X", "Y"}


def normalise_build(build: str) -> str:
    build = (build or "").strip()
    return HUMAN_BUILDS.get(build.lower(), build)


def is_human(build: str) -> bool:
    return normalise_build(build) in ("GRCh38", "GRCh37")


def contig_normaliser(build: str) -> Callable[[str], str]:
    """A fast ``name -> normalised name`` function for one build (memoised per name)."""
    human = is_human(build)
    cache: dict[str, str] = {}

    def normalise(name: str) -> str:
        out = cache.get(name)
        if out is not None:
            return out
        out = name
        if human:
            bare = name[3:] if name[:3].lower() == "chr" else name
            upper = bare.upper()
            if upper in ("M", "MT"):
                out = "chrM"
            elif upper in _PRIMARY:
                out = "chr" + upper
        cache[name] = out
        return out

    return normalise


def normalise_contig(build: str, name: str) -> str:
    return contig_normaliser(build)(name)


def is_sequence_allele(allele: str) -> bool:
    """True for plain bases (A/C/G/T/N); False for ``*``, ``<…>``, breakends and missing ``.``."""
    return bool(allele) and not allele.strip("ACGTNacgtn")


def trim(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Parsimonious (pos, ref, alt): drop the shared suffix, then the shared prefix beyond one base."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt = ref[1:], alt[1:]
        pos += 1
    return pos, ref, alt


def left_align(pos: int, ref: str, alt: str, fetch: Callable[[int, int], str]) -> tuple[int, str, str]:
    """Left-align an allele pair. ``fetch(start0, end0)`` returns reference bases [start0, end0) (0-based)."""
    if len(ref) == len(alt):
        return trim(pos, ref, alt)
    while True:
        changed = False
        if ref and alt and ref[-1] == alt[-1]:
            ref, alt = ref[:-1], alt[:-1]
            changed = True
        if (not ref or not alt) and pos > 1:
            base = fetch(pos - 2, pos - 1).upper()
            if not base:
                break
            ref, alt, pos = base + ref, base + alt, pos - 1
            changed = True
        if not changed:
            break
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt = ref[1:], alt[1:]
        pos += 1
    return pos, ref, alt


def variant_type(ref: str, alt: str) -> str:
    """SNV, MNV, INS, DEL, COMPLEX for sequence alleles; SPANNING_DELETION for ``*``; BND; SV_<kind>."""
    if alt == "*":
        return "SPANNING_DELETION"
    if alt.startswith("<"):
        kind = alt[1:-1].split(":")[0].upper() or "UNKNOWN"
        return f"SV_{kind}"
    if "[" in alt or "]" in alt or alt.startswith(".") or alt.endswith("."):
        return "BND"
    if len(ref) == len(alt):
        return "SNV" if len(ref) == 1 else "MNV"
    if len(ref) == 1 and alt[0] == ref[0]:
        return "INS"
    if len(alt) == 1 and ref[0] == alt[0]:
        return "DEL"
    return "COMPLEX"


def split_values(number: str, values: Sequence[Any], alt_index: int, n_alts: int) -> Any:
    """The part of a multi-valued field that belongs to ALT ``alt_index`` (1-based) of ``n_alts``.

    Number=A → the one value; R → [REF value, this ALT's value]; G → the genotypes over {REF, this ALT}
    (diploid: 0/0, 0/i, i/i; haploid: 0, i). Lists of an unexpected length are returned whole.
    """
    n = len(values)
    if number == "A" and n == n_alts:
        return values[alt_index - 1]
    if number == "R" and n == n_alts + 1:
        return [values[0], values[alt_index]]
    if number == "G":
        alleles = n_alts + 1
        k = alt_index
        if n == alleles * (alleles + 1) // 2:
            return [values[0], values[k * (k + 1) // 2], values[k * (k + 1) // 2 + k]]
        if n == alleles:
            return [values[0], values[k]]
    return list(values)


_BREAKEND = re.compile(r"^([ACGTNacgtn]*)([\[\]])[^\[\]:]+:\d+\2([ACGTNacgtn]*)$|^\.[ACGTNacgtn]+$|^[ACGTNacgtn]+\.$")


def valid_alt(alt: str) -> bool:
    """An ALT the loader understands: DNA, ``*``, ``.``, a ``<symbolic>`` allele or a breakend."""
    if is_sequence_allele(alt) or alt == "*" or alt == ".":
        return True
    if len(alt) > 2 and alt[0] == "<" and alt[-1] == ">" and ">" not in alt[1:-1]:
        return True
    return _BREAKEND.match(alt) is not None
