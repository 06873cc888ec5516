"""Deterministic synthetic VEP-annotated VCF for the load benchmark, written as BGZF.

1,000,000 records by default over chr1–22 and chrX, one sample, ~10 % indels, ~5 % multi-allelic (with
ALLELE_NUM), 45 CSQ fields, 1–5 transcripts per ALT. The same ``records`` and ``seed`` give the same bytes.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

CSQ_FIELDS = (
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|cDNA_position|"
    "CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|ALLELE_NUM|DISTANCE|STRAND|FLAGS|"
    "VARIANT_CLASS|SYMBOL_SOURCE|HGNC_ID|CANONICAL|MANE_SELECT|MANE_PLUS_CLINICAL|TSL|APPRIS|CCDS|ENSP|"
    "SWISSPROT|TREMBL|UNIPARC|SIFT|PolyPhen|DOMAINS|AF|gnomADe_AF|gnomADg_AF|MAX_AF|CLIN_SIG|PICK|CADD_PHRED"
)
CONTIGS = [
    (f"chr{i}", n)
    for i, n in enumerate(
        [
            248956422,
            242193529,
            198295559,
            190214555,
            181538259,
            170805979,
            159345973,
            145138636,
            138394717,
            133797422,
            135086622,
            133275309,
            114364328,
            107043718,
            101991189,
            90338345,
            83257441,
            80373285,
            58617616,
            64444167,
            46709983,
            50818468,
        ],
        start=1,
    )
] + [("chrX", 156040895)]
CONSEQUENCES = [
    ("missense_variant", "MODERATE"),
    ("synonymous_variant", "LOW"),
    ("intron_variant", "MODIFIER"),
    ("stop_gained", "HIGH"),
    ("3_prime_UTR_variant", "MODIFIER"),
    ("splice_region_variant&intron_variant", "LOW"),
    ("upstream_gene_variant", "MODIFIER"),
    ("downstream_gene_variant", "MODIFIER"),
]
INDEL_CONSEQUENCES = [
    ("frameshift_variant", "HIGH"),
    ("inframe_deletion", "MODERATE"),
    ("intron_variant", "MODIFIER"),
]
BASES = "ACGT"
GENE_SPAN = 40_000  # one synthetic gene per 40 kb window


class BgzfWriter:
    """Minimal BGZF writer (SAM/BAM spec §4.1): gzip members ≤ 64 KiB with the BC extra field, EOF block."""

    BLOCK = 65280
    EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")

    def __init__(self, path: Path, level: int = 4):
        self._fh = open(path, "wb")
        self._buf = bytearray()
        self._level = level

    def write(self, data: bytes) -> None:
        self._buf += data
        while len(self._buf) >= self.BLOCK:
            self._block(bytes(self._buf[: self.BLOCK]))
            del self._buf[: self.BLOCK]

    def _block(self, data: bytes) -> None:
        comp = zlib.compressobj(self._level, zlib.DEFLATED, -15)
        payload = comp.compress(data) + comp.flush()
        bsize = len(payload) + 25
        self._fh.write(struct.pack("<BBBBIBBHBBHH", 31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2, bsize))
        self._fh.write(payload)
        self._fh.write(struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data)))

    def close(self) -> None:
        if self._buf:
            self._block(bytes(self._buf))
        self._fh.write(self.EOF)
        self._fh.close()


def header() -> str:
    lines = ["##fileformat=VCFv4.2", "##reference=GRCh38", "##source=workbench-bench"]
    lines += [f"##contig=<ID={c},length={n},assembly=GRCh38>" for c, n in CONTIGS]
    lines += [
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
        '##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count">',
        '##INFO=<ID=AN,Number=1,Type=Integer,Description="Allele number">',
        '##INFO=<ID=MQ,Number=1,Type=Float,Description="Mapping quality">',
        '##INFO=<ID=QD,Number=1,Type=Float,Description="Quality by depth">',
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
        f'{CSQ_FIELDS}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##VEP="v110" API="v110" cache="homo_sapiens/110_GRCh38"',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSAMPLE1",
    ]
    return "\n".join(lines) + "\n"


def _csq(rng: random.Random, chrom: str, pos: int, allele: str, allele_num: int, indel: bool) -> list[str]:
    gene_n = pos // GENE_SPAN
    gene = f"G{chrom[3:]}_{gene_n}"
    out = []
    n = rng.randint(1, 5)
    pick = rng.randrange(n)
    for t in range(n):
        cons, impact = rng.choice(INDEL_CONSEQUENCES if indel else CONSEQUENCES)
        tx = f"ENST{gene_n:07d}{t}"
        af = f"{rng.random() / 100:.5f}"
        fields = [
            allele,
            cons,
            impact,
            gene,
            f"ENSG{gene_n:09d}",
            "Transcript",
            tx,
            "protein_coding",
            f"{rng.randint(1, 20)}/20",
            "",
            f"{tx}.1:c.{rng.randint(1, 3000)}A>G",
            f"ENSP{gene_n:07d}.1:p.Lys{rng.randint(1, 900)}Glu" if impact == "MODERATE" else "",
            str(rng.randint(1, 4000)),
            str(rng.randint(1, 3000)),
            str(rng.randint(1, 1000)),
            "K/E",
            "Aag/Gag",
            f"rs{rng.randint(1, 10**8)}",
            str(allele_num),
            "",
            rng.choice(("1", "-1")),
            "",
            "indel" if indel else "SNV",
            "HGNC",
            f"HGNC:{gene_n % 50000}",
            "YES" if t == 0 else "",
            f"NM_{gene_n:06d}.4" if t == 0 else "",
            "",
            "1",
            "P1",
            f"CCDS{gene_n}.1",
            f"ENSP{gene_n:07d}",
            "P12345",
            "",
            "UPI0000000001",
            "tolerated(0.3)",
            "benign(0.01)",
            "Pfam:PF00001",
            af,
            af,
            af,
            af,
            rng.choice(("", "", "benign", "likely_benign", "uncertain_significance")),
            "1" if t == pick else "",
            f"{rng.random() * 40:.3f}",
        ]
        out.append("|".join(fields))
    return out


def write_vcf(path: Path, records: int = 1_000_000, seed: int = 20261123) -> Path:
    rng = random.Random(seed)
    total = sum(n for _, n in CONTIGS)
    writer = BgzfWriter(path)
    writer.write(header().encode())
    left = records
    for i, (chrom, length) in enumerate(CONTIGS):
        n = left if i == len(CONTIGS) - 1 else round(records * length / total)
        left -= n
        step = max(2, length // max(n, 1))
        pos = 10_000
        lines = []
        for _ in range(n):
            pos = min(pos + rng.randint(1, 2 * step - 1), length)  # never past the contig's end
            roll = rng.random()
            ref = rng.choice(BASES)
            if roll < 0.85:
                alts = [rng.choice([b for b in BASES if b != ref])]
            elif roll < 0.95:
                if rng.random() < 0.5:
                    alts = [ref + "".join(rng.choice(BASES) for _ in range(rng.randint(1, 6)))]
                else:
                    ref = ref + "".join(rng.choice(BASES) for _ in range(rng.randint(1, 6)))
                    alts = [ref[0]]
            else:
                alts = [rng.choice([b for b in BASES if b != ref]), ref + rng.choice(BASES)]
            indel = any(len(a) != len(ref) for a in alts)
            csq = []
            vep_alleles = [a[1:] or "-" for a in alts] if indel and all(a[0] == ref[0] for a in alts) else alts
            for k, a in enumerate(vep_alleles, start=1):
                csq += _csq(rng, chrom, pos, a, k, indel)
            dp = rng.randint(10, 80)
            afs = ",".join(f"{rng.random():.3f}" for _ in alts)
            acs = ",".join("1" for _ in alts)
            gt = "1/2" if len(alts) == 2 else rng.choice(("0/1", "0/1", "1/1"))
            ad = ",".join(str(rng.randint(0, dp)) for _ in range(len(alts) + 1))
            rid = f"rs{rng.randint(1, 10**9)}" if rng.random() < 0.3 else "."
            lines.append(
                f"{chrom}\t{pos}\t{rid}\t{ref}\t{','.join(alts)}\t{rng.randint(20, 900)}\tPASS\t"
                f"DP={dp};AF={afs};AC={acs};AN=2;MQ={rng.random() * 60:.2f};QD={rng.random() * 30:.2f};"
                f"CSQ={','.join(csq)}\tGT:GQ:DP:AD\t{gt}:{rng.randint(1, 99)}:{dp}:{ad}\n"
            )
            if len(lines) >= 5000:
                writer.write("".join(lines).encode())
                lines.clear()
        writer.write("".join(lines).encode())
    writer.close()
    return path
