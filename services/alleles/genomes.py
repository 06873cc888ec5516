"""Genome builds the workbench knows, their contigs, and what a VCF header says about its build.

Contract:
1. ``known_build(name)`` gives the canonical name of a known build — ``GRCh38`` (aliases hg38, GRCh38.p14,
   …) or ``GRCh37`` (hg19, b37, GRCh37.p13, …) — and raises ``InvalidInput`` naming the argument for any other
   name, so a typo (or ``"banana'; --"``) never creates a new build.
2. ``ContigCatalog(build, header).lookup(raw)`` → ``(normalised name, length or None, known)``. A contig is
   known when the header declares it (``##contig``), when it is a primary contig of the build (1–22, X, Y,
   M/MT, with or without ``chr``), or when it has a standard GRC/decoy scaffold name (``chrUn_…``, ``…_random``,
   ``…_alt``, ``…_fix``, ``…_decoy``, ``HLA-…``, ``chrEBV``, ``GL…``/``KI…`` accessions, RefSeq ``NC_``/``NT_``/
   ``NW_``, ``hs37d5``). Its length is the header's ``length=``, else the build's primary contig length.
3. ``header_build(header)`` → ``(build, evidence)`` when the header names a known build — through ``##contig``
   ``assembly=``, ``##reference`` or the declared length of a primary contig that only one build has — or None.
4. ``MAX_POSITION`` is the hard ceiling of a position (beyond any genome; well inside int8): a POS above it is
   always an error, whatever the user allows.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from services.alleles.normalize import contig_normaliser, normalise_build
from services.alleles.vcf_header import Header
from services.errors import InvalidInput

KNOWN_BUILDS = ("GRCh38", "GRCh37")
MAX_POSITION = 1 << 40  # also in _fastconvert.c (MAX_POSITION)

_GRCH38 = re.compile(r"grch38|hg38|hs38|gca_000001405\.(1[5-9]|2\d)", re.IGNORECASE)
_GRCH37 = re.compile(
    r"grch37|hg19|(^|[^a-z0-9])b37([^a-z0-9]|$)|hs37d5|human_g1k_v37|gca_000001405\.([0-9]|1[0-4])([^0-9]|$)",
    re.IGNORECASE,
)
_OTHER = re.compile(r"t2t|chm13|(^|[^a-z0-9])hs1([^a-z0-9]|$)|grcm3\d|mm10|mm39|hg18|ncbi36", re.IGNORECASE)

_LENGTHS: dict[str, dict[str, int]] = {
    "GRCh38": {
        "chr1": 248956422,
        "chr2": 242193529,
        "chr3": 198295559,
        "chr4": 190214555,
        "chr5": 181538259,
        "chr6": 170805979,
        "chr7": 159345973,
        "chr8": 145138636,
        "chr9": 138394717,
        "chr10": 133797422,
        "chr11": 135086622,
        "chr12": 133275309,
        "chr13": 114364328,
        "chr14": 107043718,
        "chr15": 101991189,
        "chr16": 90338345,
        "chr17": 83257441,
        "chr18": 80373285,
        "chr19": 58617616,
        "chr20": 64444167,
        "chr21": 46709983,
        "chr22": 50818468,
        "chrX": 156040895,
        "chrY": 57227415,
        "chrM": 16569,
    },
    "GRCh37": {
        "chr1": 249250621,
        "chr2": 243199373,
        "chr3": 198022430,
        "chr4": 191154276,
        "chr5": 180915260,
        "chr6": 171115067,
        "chr7": 159138663,
        "chr8": 146364022,
        "chr9": 141213431,
        "chr10": 135534747,
        "chr11": 135006516,
        "chr12": 133851895,
        "chr13": 115169878,
        "chr14": 107349540,
        "chr15": 102531392,
        "chr16": 90354753,
        "chr17": 81195210,
        "chr18": 78077248,
        "chr19": 59128983,
        "chr20": 63025520,
        "chr21": 48129895,
        "chr22": 51304566,
        "chrX": 155270560,
        "chrY": 59373566,
        "chrM": 16571,  # hg19's chrM (NC_001807); GRCh37's MT (rCRS) is 16569
    },
}
_SCAFFOLD = re.compile(
    r"^(chr)?(un_.*|.*_random|.*_alt|.*_fix|.*_decoy|hla-.*|ebv|hs37d5|hs38d1|"
    r"(gl|ki|jh|kn|kq|kv|kz|ml|mu)\d+(\.\d+)?(v\d+)?|n[ctw]_\d+(\.\d+)?)$",
    re.IGNORECASE,
)


def known_build(name: str | None, argument: str = "--genome") -> str:
    """The canonical name of a known build (module contract, point 1)."""
    raw = (name or "").strip()
    canonical = normalise_build(raw)
    if canonical in KNOWN_BUILDS:
        return canonical
    m = re.fullmatch(r"(grch3[78])\.p\d+", raw, re.IGNORECASE)
    if m:
        return normalise_build(m.group(1))
    shown = raw if len(raw) <= 60 else raw[:57] + "…"
    raise InvalidInput(
        f"{argument} {shown!r} is not a known genome build: use GRCh38 (alias hg38) or GRCh37 (alias hg19, b37)"
    )


def build_named_in(text: str) -> str | None:
    """The build a free-text assembly name or reference path names (``hg19.fa`` → GRCh37), if exactly one."""
    found = set()
    if _GRCH38.search(text):
        found.add("GRCh38")
    if _GRCH37.search(text):
        found.add("GRCh37")
    if _OTHER.search(text):
        found.add("another assembly")
    return found.pop() if len(found) == 1 else None


def header_build(header: Header) -> tuple[str, str] | None:
    """The build the header names, with the header text that says so (module contract, point 3)."""
    for name, meta in header.contigs.items():
        assembly = meta.get("assembly")
        if assembly:
            build = build_named_in(assembly)
            if build:
                return build, f"##contig=<ID={name},…,assembly={assembly}>"
    if header.reference:
        build = build_named_in(header.reference)
        if build:
            return build, f"##reference={header.reference}"
    norm = contig_normaliser("GRCh38")
    for name, meta in header.contigs.items():
        try:
            length = int(meta.get("length", ""))
        except ValueError:
            continue
        contig = norm(name)
        if contig == "chrM":
            continue  # MT lengths overlap between the builds' conventions
        matches = [b for b in KNOWN_BUILDS if _LENGTHS[b].get(contig) == length]
        if len(matches) == 1:
            return matches[0], f"##contig=<ID={name},length={length}> (the length of {contig} in {matches[0]})"
    return None


class ContigCatalog:
    """Which contigs a load knows, and their lengths (module contract, point 2); lookups are memoised."""

    def __init__(self, build: str, header: Header):
        self.build = build
        self.normalise: Callable[[str], str] = contig_normaliser(build)
        primary = _LENGTHS.get(build, {})
        self._primary = primary
        self._declared: dict[str, int | None] = {}
        for name, meta in header.contigs.items():
            try:
                length: int | None = int(meta.get("length", ""))
            except ValueError:
                length = None
            self._declared[self.normalise(name)] = length
        self._cache: dict[str, tuple[str, int | None, bool]] = {}

    def lookup(self, raw: str) -> tuple[str, int | None, bool]:
        out = self._cache.get(raw)
        if out is None:
            name = self.normalise(raw)
            declared = name in self._declared
            known = declared or name in self._primary or bool(_SCAFFOLD.match(raw))
            length = self._declared.get(name) if declared else None
            out = (name, length or self._primary.get(name), known)
            if len(self._cache) < 100_000:
                self._cache[raw] = out
        return out

    def fast_lookup(self, raw: str) -> tuple[str, int] | None:
        """For the compiled converter: ``(name, length or 0)`` of a known contig, None for an unknown one."""
        name, length, known = self.lookup(raw)
        return (name, length or 0) if known else None
