"""Normalisation rules worked out by hand from the VCF spec (and vt/bcftools norm's definition)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.alleles.keys import allele_id
from services.alleles.normalize import (
    contig_normaliser,
    left_align,
    normalise_build,
    split_values,
    trim,
    variant_type,
)


@pytest.mark.parametrize(
    ("build", "name", "expected"),
    [
        ("GRCh38", "1", "chr1"),
        ("GRCh38", "chr1", "chr1"),
        ("hg38", "X", "chrX"),
        ("GRCh38", "MT", "chrM"),
        ("GRCh38", "chrMT", "chrM"),
        ("GRCh38", "M", "chrM"),
        ("GRCh38", "chrUn_KI270742v1", "chrUn_KI270742v1"),
        ("GRCh38", "HLA-A*01:01:01:01", "HLA-A*01:01:01:01"),
        ("GRCh38", "chrEBV", "chrEBV"),
        ("GRCh37", "22", "chr22"),
        ("TAIR10", "1", "1"),
        ("GRCz11", "MT", "MT"),
    ],
)
def test_contig_names_per_build(build: str, name: str, expected: str) -> None:
    assert contig_normaliser(build)(name) == expected


def test_build_aliases() -> None:
    assert normalise_build("hg38") == "GRCh38"
    assert normalise_build("b37") == "GRCh37"
    assert normalise_build("GRCm39") == "GRCm39"


@pytest.mark.parametrize(
    ("pos", "ref", "alt", "expected"),
    [
        (100, "A", "G", (100, "A", "G")),
        (100, "ACG", "ATG", (101, "C", "T")),  # MNV-looking record that is a SNV
        (100, "ATG", "AG", (100, "AT", "A")),  # shared suffix G removed, anchor A kept
        (100, "CAT", "CAGT", (101, "A", "AG")),  # shared suffix T dropped, then prefix C
        (100, "GCACA", "GCA", (100, "GCA", "G")),
        (100, "AC", "GT", (100, "AC", "GT")),
    ],
)
def test_trim(pos: int, ref: str, alt: str, expected: tuple[int, str, str]) -> None:
    assert trim(pos, ref, alt) == expected


def test_left_align_through_repeat() -> None:
    # Reference (1-based): positions 1..10 = G C A C A C A T T G. Deleting one "CA" anywhere in the
    # CACACA run is the same haplotype; the left-aligned form is pos 1 "GCA" > "G".
    seq = "GCACACATTG"

    def fetch(start0: int, end0: int) -> str:
        return seq[start0:end0]

    assert left_align(5, "ACA", "A", fetch) == (1, "GCA", "G")
    assert left_align(3, "ACA", "A", fetch) == (1, "GCA", "G")
    assert left_align(3, "AC", "A", fetch) == (3, "AC", "A")  # a lone C between As cannot move
    # An insertion of "T" after the TT run moves left to the base before it.
    assert left_align(9, "T", "TT", fetch) == (7, "A", "AT")


@pytest.mark.parametrize(
    ("ref", "alt", "kind"),
    [
        ("A", "G", "SNV"),
        ("AC", "GT", "MNV"),
        ("A", "AT", "INS"),
        ("AT", "A", "DEL"),
        ("AT", "GCC", "COMPLEX"),
        ("A", "*", "SPANNING_DELETION"),
        ("A", "<DEL>", "SV_DEL"),
        ("A", "<CN0>", "SV_CN0"),
        ("G", "G]17:198982]", "BND"),
        ("G", ".G", "BND"),
    ],
)
def test_variant_type(ref: str, alt: str, kind: str) -> None:
    assert variant_type(ref, alt) == kind


def test_split_values_per_allele() -> None:
    # Two ALTs: A has 2 values, R has 3, G (diploid) has 6 in the order 0/0 0/1 1/1 0/2 1/2 2/2.
    assert split_values("A", [0.1, 0.2], 2, 2) == 0.2
    assert split_values("R", [10, 3, 4], 2, 2) == [10, 4]
    assert split_values("G", [0, 1, 2, 3, 4, 5], 1, 2) == [0, 1, 2]
    assert split_values("G", [0, 1, 2, 3, 4, 5], 2, 2) == [0, 3, 5]
    assert split_values("G", [7, 8, 9], 2, 2) == [7, 9]  # haploid: one value per allele
    assert split_values(".", [1, 2, 3], 1, 2) == [1, 2, 3]


def test_allele_id_matches_sql(session) -> None:
    keys = [("GRCh38", "chr1", 12345, "A", "G"), ("GRCh38", "chrUn_x", 1, "ACGT" * 500, "A")]
    for key in keys:
        sql = session.execute(
            text("SELECT workbench_allele_id(:b, :c, :p, :r, :a)"), dict(zip("bcpra", key, strict=True))
        ).scalar_one()
        assert sql == allele_id(*key)


def test_alleles_refuse_a_wrong_id(session) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="ck_alleles_id_is_key_hash"):
        session.execute(
            text(
                "INSERT INTO alleles (id, genome_build, chrom, pos, ref, alt, end_pos, variant_type) "
                "VALUES (1, 'GRCh38', 'chr1', 5, 'A', 'G', 5, 'SNV')"
            )
        )
