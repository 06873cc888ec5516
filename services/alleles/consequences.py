"""VEP CSQ, SnpEff ANN and legacy EFF: per-ALT consequences and the one that describes a row.

Contract:
1. ``vep_alleles(ref, alts)`` gives the Allele string VEP writes for each ALT: when some ALT differs in length
   from REF and every allele (REF and ALTs) starts with the same base, VEP drops that base (``-`` if
   nothing is left); otherwise the ALT as in the VCF.
2. A consequence belongs to the ALT named by ``ALLELE_NUM`` (1-based) when that field is present, else to the
   ALT whose VEP allele string equals its ``Allele``; a record with one ALT owns all its consequences.
3. ``pick`` chooses the row's consequence: the ``PICK``-flagged one, else MANE Select, else CANONICAL=YES,
   else the most severe by Ensembl's consequence ranking (ties: the first in the file).
4. Every consequence is kept: ``split`` gives each entry as its values in header order plus the raw entry
   text last; the store keeps the raw entries (``|``-joined values, no keys) and the field names once per
   load, and ``expand`` turns them back into named rows.
"""

from __future__ import annotations

from collections.abc import Sequence

SEVERITY = [
    "transcript_ablation",
    "splice_acceptor_variant",
    "splice_donor_variant",
    "stop_gained",
    "frameshift_variant",
    "stop_lost",
    "start_lost",
    "transcript_amplification",
    "feature_elongation",
    "feature_truncation",
    "inframe_insertion",
    "inframe_deletion",
    "missense_variant",
    "protein_altering_variant",
    "splice_donor_5th_base_variant",
    "splice_region_variant",
    "splice_donor_region_variant",
    "splice_polypyrimidine_tract_variant",
    "incomplete_terminal_codon_variant",
    "start_retained_variant",
    "stop_retained_variant",
    "synonymous_variant",
    "coding_sequence_variant",
    "mature_miRNA_variant",
    "5_prime_UTR_variant",
    "3_prime_UTR_variant",
    "non_coding_transcript_exon_variant",
    "intron_variant",
    "NMD_transcript_variant",
    "non_coding_transcript_variant",
    "coding_transcript_variant",
    "upstream_gene_variant",
    "downstream_gene_variant",
    "TFBS_ablation",
    "TFBS_amplification",
    "TF_binding_site_variant",
    "regulatory_region_ablation",
    "regulatory_region_amplification",
    "regulatory_region_variant",
    "intergenic_variant",
    "sequence_variant",
]
RANK = {term: i for i, term in enumerate(SEVERITY)}
UNRANKED = len(SEVERITY)
CODING = frozenset(
    SEVERITY[3:7]
    + SEVERITY[10:14]
    + [
        "incomplete_terminal_codon_variant",
        "start_retained_variant",
        "stop_retained_variant",
        "synonymous_variant",
        "coding_sequence_variant",
        "transcript_ablation",
    ]
)
LOSS_OF_FUNCTION = frozenset(
    [
        "transcript_ablation",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "stop_gained",
        "frameshift_variant",
        "start_lost",
    ]
)


def severity(terms: str) -> int:
    """Rank of the most severe of ``&``-joined terms (0 = most severe)."""
    return min((RANK.get(t, UNRANKED) for t in terms.split("&")), default=UNRANKED)


def vep_alleles(ref: str, alts: Sequence[str]) -> list[str]:
    if any(len(a) != len(ref) for a in alts) and all(a[:1] == ref[:1] for a in alts) and ref:
        return [a[1:] or "-" for a in alts]
    return list(alts)


class ConsequenceFormat:
    """Column positions of one consequence format (CSQ or ANN) for fast access in the load loop."""

    def __init__(self, names: Sequence[str], kind: str):
        self.kind = kind
        self.names = list(names)
        lower = {n.lower(): i for i, n in enumerate(self.names)}

        def at(*candidates: str) -> int | None:
            for c in candidates:
                if c.lower() in lower:
                    return lower[c.lower()]
            return None

        if kind == "CSQ":
            self.allele = at("Allele")
            self.consequence = at("Consequence")
            self.impact = at("IMPACT")
            self.gene = at("SYMBOL")
            self.gene_id = at("Gene")
            self.transcript = at("Feature")
            self.hgvs_c = at("HGVSc")
            self.hgvs_p = at("HGVSp")
        else:  # ANN (SnpEff)
            self.allele = at("Allele")
            self.consequence = at("Annotation")
            self.impact = at("Annotation_Impact")
            self.gene = at("Gene_Name")
            self.gene_id = at("Gene_ID")
            self.transcript = at("Feature_ID")
            self.hgvs_c = at("HGVS.c")
            self.hgvs_p = at("HGVS.p")
        self.allele_num = at("ALLELE_NUM")
        self.pick_flag = at("PICK")
        self.mane = at("MANE_SELECT", "MANE")
        self.canonical = at("CANONICAL")
        self.width = len(self.names)
        self.by_name = lower

    def split(self, value: str) -> list[list[str]]:
        """Entries as lists of values in header order, padded to the header's width, the raw entry last."""
        width = self.width
        out = []
        for entry in value.split(","):
            parts = entry.split("|")
            if len(parts) < width:
                parts.extend([""] * (width - len(parts)))
            parts.append(entry)
            out.append(parts)
        return out

    def split_single(self, value: str) -> tuple[list[list[str]], list[str]]:
        """``split`` without the raw entry appended: (value lists padded to the header's width, raw entries)."""
        raws = value.split(",")
        entries = [entry.split("|") for entry in raws]
        width = self.width
        for parts in entries:
            if len(parts) < width:
                parts.extend([""] * (width - len(parts)))
        return entries, raws

    def assign(self, entries: list[list[str]], ref: str, alts: Sequence[str]) -> list[list[list[str]]]:
        """Consequences per ALT (index 0 = first ALT), by ALLELE_NUM or by VEP's allele string."""
        n = len(alts)
        per_alt: list[list[list[str]]] = [[] for _ in range(n)]
        if n == 1:
            per_alt[0] = entries
            return per_alt
        if self.allele_num is not None:
            k = self.allele_num
            for e in entries:
                num = e[k]
                if num.isdigit() and 1 <= int(num) <= n:
                    per_alt[int(num) - 1].append(e)
            return per_alt
        if self.allele is None:
            return per_alt
        keys = vep_alleles(ref, alts) if self.kind == "CSQ" else list(alts)
        index = {}
        for i, key in enumerate(keys):
            index.setdefault(key, i)
        a = self.allele
        for e in entries:
            i = index.get(e[a])
            if i is not None:
                per_alt[i].append(e)
        return per_alt

    def pick(self, entries: list[list[str]]) -> list[str] | None:
        if not entries:
            return None
        if self.pick_flag is not None:
            for e in entries:
                if e[self.pick_flag] == "1":
                    return e
        if self.mane is not None:
            for e in entries:
                if e[self.mane]:
                    return e
        if self.canonical is not None:
            for e in entries:
                if e[self.canonical] == "YES":
                    return e
        if self.consequence is None:
            return entries[0]
        c = self.consequence
        return min(entries, key=lambda e: severity(e[c]))


def parse_eff(value: str) -> list[list[str]]:
    """Legacy SnpEff ``EFF``: ``Effect(Impact|Class|Codon|AA|Gene|Biotype|Coding|Transcript|Exon|…)``."""
    out = []
    for item in value.split(","):
        effect, _, rest = item.partition("(")
        parts = [effect] + rest.rstrip(")").split("|")
        parts.extend([""] * (len(EFF_FIELDS) - len(parts)))
        out.append(parts[: len(EFF_FIELDS)] + [item])
    return out


EFF_FIELDS = [
    "Effect",
    "Effect_Impact",
    "Functional_Class",
    "Codon_Change",
    "Amino_Acid_Change",
    "Amino_Acid_Length",
    "Gene_Name",
    "Transcript_BioType",
    "Gene_Coding",
    "Transcript_ID",
    "Exon_Rank",
    "Genotype_Number",
]


def expand(entries: Sequence[str], names: Sequence[str]) -> list[dict[str, str]]:
    """Stored raw consequence entries → one dict per consequence (field name → value), for display."""
    rows = []
    for entry in entries:
        if "(" in entry and names and names[0] == "Effect":  # legacy EFF
            effect, _, rest = entry.partition("(")
            values = [effect] + rest.rstrip(")").split("|")
        else:
            values = entry.split("|")
        rows.append({name: (values[i] if i < len(values) else "") for i, name in enumerate(names)})
    return rows
