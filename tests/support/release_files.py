"""Annotation releases as VCF files, added with ``workbench source add``'s service (``add_source``)."""

from __future__ import annotations

from pathlib import Path

from services.annotations.sources import add_source
from tests.support.annotation_releases import CURATOR

HEADER = "##fileformat=VCFv4.2\n{info}#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
CLINVAR_INFO = (
    '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance">\n'
    '##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description="Review status">\n'
)
GNOMAD_INFO = (
    '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">\n'
    '##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count">\n'
    '##INFO=<ID=AN,Number=1,Type=Integer,Description="Allele number">\n'
    '##INFO=<ID=AF_popmax,Number=A,Type=Float,Description="Max AF (v2/v3)">\n'
    '##INFO=<ID=AF_grpmax,Number=A,Type=Float,Description="Max AF (v4)">\n'
)
VEP_INFO = (
    "##VEP=v110\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
    'Format: Allele|Consequence|IMPACT|SYMBOL|Feature|HGVSc|HGVSp|PICK">\n'
)


def vcf(tmp_path: Path, name: str, info: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEADER.format(info=info) + "".join(line + "\n" for line in lines))
    return path


def add(path: Path, name: str, kind: str, version: str) -> None:
    add_source(path, CURATOR, name=name, kind=kind, version=version)
