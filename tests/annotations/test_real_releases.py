"""End to end on releases loaded from VCF files by ``workbench source add`` (the variant store's loader):
the lifecycle reads what the loader writes, for VEP, gnomAD and ClinVar, including renamed fields and
reformatted values that must stay UNCHANGED."""

from __future__ import annotations

from services.annotations.read_path import current_annotation, resolve_allele
from services.annotations.refresh import refresh
from services.db.engine import session_scope
from tests.support.annotation_releases import CURATOR, at
from tests.support.release_files import CLINVAR_INFO, GNOMAD_INFO, VEP_INFO, add, vcf


def current(key: str, source: str, display: str = "none"):
    with session_scope() as s:
        allele = resolve_allele(s, key)
        return current_annotation(s, [allele.id], display=display)[allele.id][source]


def test_clinvar_releases_from_files(db_url, tmp_path) -> None:
    add(
        vcf(
            tmp_path,
            "c1.vcf",
            CLINVAR_INFO,
            [
                "1\t1000\t11\tA\tG\t.\t.\tCLNSIG=Pathogenic;CLNREVSTAT=criteria_provided",
                "1\t2000\t12\tC\tT\t.\t.\tCLNSIG=Benign;CLNREVSTAT=criteria_provided",
            ],
        ),
        "clinvar",
        "clinvar",
        "2026-10",
    )
    add(
        vcf(
            tmp_path,
            "c2.vcf",
            CLINVAR_INFO,
            [
                "1\t1000\t11\tA\tG\t.\t.\tCLNSIG=Likely_pathogenic;CLNREVSTAT=criteria_provided",
                "1\t3000\t13\tG\tA\t.\t.\tCLNSIG=Benign;CLNREVSTAT=criteria_provided",
            ],
        ),
        "clinvar",
        "clinvar",
        "2026-11",
    )
    first = refresh(CURATOR, "clinvar", "2026-10", at=at(1))
    assert first.counts["linked"] == 2 and first.counts["absent"] == 1  # chr1:3000 came with the 2nd release
    second = refresh(CURATOR, "clinvar", "2026-11", at=at(2))
    assert (
        second.status,
        second.counts["superseded"],
        second.counts["retired"],
        second.counts["linked"],
    ) == (
        "applied",
        1,
        1,
        1,
    )
    assert current("chr1-1000-A-G", "clinvar").value["clnsig"] == "Likely_pathogenic"
    assert current("1-2000-C-T", "clinvar").value is None
    assert current("1-2000-C-T", "clinvar", "last-known").value["clnsig"] == "Benign"


def test_gnomad_popmax_renamed_to_grpmax_is_unchanged(db_url, tmp_path) -> None:
    add(
        vcf(
            tmp_path,
            "g3.vcf",
            GNOMAD_INFO,
            [
                "chr1\t1000\t.\tA\tG\t.\tPASS\tAF=1e-05;AC=1;AN=100000;AF_popmax=2.0e-05",
                "chr1\t2000\t.\tC\tT\t.\tPASS\tAF=0.25;AC=25000;AN=100000;AF_popmax=0.3",
            ],
        ),
        "gnomad",
        "gnomad",
        "v3.1",
    )
    add(
        vcf(
            tmp_path,
            "g4.vcf",
            GNOMAD_INFO,
            [
                "chr1\t1000\t.\tA\tG\t.\tPASS\tAF=0.00001;AC=1;AN=100000;AF_grpmax=0.00002",
                "chr1\t2000\t.\tC\tT\t.\tPASS\tAF=0.26;AC=26000;AN=100000;AF_grpmax=0.3",
            ],
        ),
        "gnomad",
        "gnomad",
        "v4.1",
    )
    refresh(CURATOR, "gnomad", "v3.1", at=at(1))
    result = refresh(CURATOR, "gnomad", "v4.1", at=at(2))
    assert (result.counts["unchanged"], result.counts["superseded"]) == (1, 1)
    assert current("chr1-1000-A-G", "gnomad").value == {
        "af": 1e-05,
        "ac": 1,
        "an": 100000,
        "af_grpmax": 2e-05,
    }


def test_vep_releases_from_files(db_url, tmp_path) -> None:
    csq = (
        "G|missense_variant|MODERATE|BRCA1|ENST00000357654.{v}|ENST00000357654.{v}:c.100A>G"
        "|ENSP00000350283.3:p.Lys34Glu|1"
    )
    add(
        vcf(
            tmp_path,
            "v1.vcf",
            VEP_INFO,
            [
                "chr1\t1000\t.\tA\tG\t.\t.\tCSQ=" + csq.format(v=8),
                "chr1\t2000\t.\tC\tT\t.\t.\tCSQ=T|synonymous_variant|LOW|TP53|ENST00000269305.9|||1",
            ],
        ),
        "vep",
        "vep",
        "110",
    )
    add(
        vcf(
            tmp_path,
            "v2.vcf",
            VEP_INFO,
            [
                "chr1\t1000\t.\tA\tG\t.\t.\tCSQ=" + csq.format(v=9),  # only the transcript version changed
                "chr1\t2000\t.\tC\tT\t.\t.\t.",  # in the file, no consequence: absent
            ],
        ),
        "vep",
        "vep",
        "111",
    )
    refresh(CURATOR, "vep", "110", at=at(1))
    result = refresh(CURATOR, "vep", "111", at=at(2))
    assert (result.counts["unchanged"], result.counts["retired"]) == (1, 1)
    value = current("chr1-1000-A-G", "vep").value
    assert value == {
        "gene": "BRCA1",
        "transcript": "ENST00000357654",
        "consequence": ["missense_variant"],
        "impact": "MODERATE",
        "hgvs_c": "ENST00000357654:c.100A>G",
        "hgvs_p": "ENSP00000350283:p.Lys34Glu",
    }
