"""Loading VCFs that mimic VEP and SnpEff output; expected values worked out by hand from the VCF spec and
VEP's documentation (Allele column: shared first base of indel alleles dropped; ALLELE_NUM wins; PICK, then
MANE Select, then CANONICAL, then Ensembl severity chooses the row's consequence)."""

from __future__ import annotations

import pytest

from services.auth.identity import Identity, Role
from services.errors import PermissionDenied
from services.variants.loader import load_vcf
from tests.support.vcf_files import CURATOR, DATA


def _by(rows_, key):
    out = {}
    for r in rows_:
        out.setdefault(key(r), []).append(r)
    return out


def test_vep_fixture_loads_every_case(db_url, rows) -> None:
    result = load_vcf(DATA / "vep_cases.vcf", CURATOR)
    assert result.status == "completed", result.error
    assert result.records == 13
    assert result.variants_loaded == 16
    assert result.skip_reasons == {"no_carrier": 1, "reference_block": 1}
    assert result.variants_skipped == 2
    assert result.samples == 2

    got = rows(
        "SELECT v.*, s.external_id AS sample FROM variants v LEFT JOIN samples s ON s.id = v.sample_id "
        "ORDER BY chrom, pos, alt, sample"
    )
    by_site = _by(got, lambda r: (r["chrom"], r["pos"], r["ref"], r["alt"]))

    # SNV: no PICK flag, so MANE Select (ENST1, missense) is chosen over the intron consequence listed first.
    (snv,) = by_site[("chr1", 1000, "A", "G")]
    assert (snv["sample"], snv["gt"], snv["gq"], snv["dp"], snv["ad"]) == ("S1", "0/1", 40, 20, [10, 10])
    assert (snv["gene"], snv["transcript"], snv["consequence"], snv["impact"]) == (
        "GENE1",
        "ENST1",
        "missense_variant",
        "MODERATE",
    )
    assert (snv["hgvs_c"], snv["hgvs_p"]) == ("ENST1.1:c.1A>G", "ENSP1.1:p.Met1Val")
    assert (snv["af_gnomad"], snv["cadd_phred"], snv["rs_id"]) == (0.001, 23.5, "rs11")
    assert (snv["is_coding"], snv["is_lof"], snv["variant_type"]) == (True, False, "SNV")
    assert snv["info"] == {"DP": 20, "AF": 0.5, "AC": 1}
    assert len(snv["vep_annotations"]["CSQ"]) == 2  # every consequence kept
    assert snv["filter"] == ["PASS"] and snv["pos_range"].lower == 1000 and snv["pos_range"].upper == 1001

    # MNV: same-length alleles keep their first base in VEP's Allele column ("GT"); both samples carry it.
    mnv = by_site[("chr1", 2000, "AC", "GT")]
    assert [(r["sample"], r["gt"]) for r in mnv] == [("S1", "0/1"), ("S2", "1/1")]
    assert {r["consequence"] for r in mnv} == {"missense_variant"} and mnv[0]["variant_type"] == "MNV"

    # Insertion: VEP writes "G" for T>TG; the PICK-flagged entry wins over MANE/canonical.
    (ins,) = by_site[("chr1", 3000, "T", "TG")]
    assert (ins["gene"], ins["transcript"], ins["consequence"], ins["variant_type"]) == (
        "GENE3B",
        "ENST5",
        "upstream_gene_variant",
        "INS",
    )

    # Deletion: VEP writes "-" for TGA>T.
    (dele,) = by_site[("chr1", 4000, "TGA", "T")]
    assert (dele["consequence"], dele["is_lof"], dele["af_gnomad"], dele["end_pos"]) == (
        "frameshift_variant",
        True,
        0.0002,
        4002,
    )

    # '*' (spanning deletion) is stored with its type; the other ALT of the record too.
    (star,) = by_site[("chr1", 4001, "G", "*")]
    assert (star["variant_type"], star["ad"], star["info"]["AF"]) == ("SPANNING_DELETION", [2, 8], 0.25)
    assert by_site[("chr1", 4001, "G", "C")][0]["variant_type"] == "SNV"

    # Multi-allelic A>G,AT: not every allele shares the first base, so VEP keeps "AT";
    # Number=A/R values are split per ALT.
    g_rows = by_site[("chr1", 5000, "A", "G")]
    assert [(r["sample"], r["ad"], r["info"]["AF"]) for r in g_rows] == [
        ("S1", [5, 6], 0.1),
        ("S2", [10, 8], 0.1),
    ]
    assert {r["consequence"] for r in g_rows} == {"missense_variant"}
    (at_row,) = by_site[("chr1", 5000, "A", "AT")]
    assert (at_row["sample"], at_row["ad"], at_row["info"]["AF"], at_row["consequence"]) == (
        "S1",
        [5, 7],
        0.2,
        "frameshift_variant",
    )
    assert at_row["info"]["_orig"] == {"pos": 5000, "ref": "A", "alt": "G,AT"}

    # CA>C,CAA: every allele starts with C, so VEP writes "-" and "AA"; CAA is trimmed to C>CA.
    assert by_site[("chr1", 6000, "CA", "C")][0]["gene"] == "GENE6"
    ins2 = by_site[("chr1", 6000, "C", "CA")][0]
    assert (ins2["gene"], ins2["variant_type"]) == ("GENE6B", "INS")

    # All samples hom-ref: no row (counted as no_carrier). gVCF block: no row.
    assert ("chr1", 7000, "G", "A") not in by_site and not any(k[1] == 8000 for k in by_site)

    # Symbolic allele with every GT missing: one row with no sample, END from INFO, FORMAT values kept.
    (sv,) = by_site[("chr1", 9000, "N", "<DEL>")]
    assert (sv["sample"], sv["variant_type"], sv["end_pos"]) == (None, "SV_DEL", 9500)
    assert sv["sample_format"] == {"S1": {"GT": "./.", "GQ": "."}, "S2": {"GT": "./.", "GQ": "."}}

    # Contig names: MT -> chrM; an HLA contig is kept and lands in the default partition.
    assert by_site[("chrM", 100, "A", "G")][0]["sample"] == "S1"
    hla = rows("SELECT count(*) AS n FROM variants_default WHERE chrom = 'HLA-A*01:01:01:01'")
    assert hla == [{"n": 1}]

    # Trimming: ACGT>ACTT is the SNV G>T at 11002; the original stays in info.
    (trimmed,) = by_site[("chr1", 11002, "G", "T")]
    assert trimmed["info"]["_orig"] == {"pos": 11000, "ref": "ACGT", "alt": "ACTT"} and trimmed["gt"] == "0|1"

    # Every variant points to its allele; alleles are unique per normalised key.
    assert rows(
        "SELECT count(*) AS n FROM variants v LEFT JOIN alleles a ON a.id = v.allele_id "
        "WHERE a.id IS NULL OR (a.chrom, a.pos, a.ref, a.alt) <> (v.chrom, v.pos, v.ref, v.alt)"
    ) == [{"n": 0}]
    assert rows("SELECT count(*) AS n FROM alleles") == [{"n": 14}]

    (audit,) = rows("SELECT * FROM variant_load_audit")
    assert audit["status"] == "completed" and audit["reference_genome"] == "GRCh38"
    assert audit["tool_versions"]["VEP"].startswith('"v110"')
    assert audit["consequence_fields"]["CSQ"][:3] == ["Allele", "Consequence", "IMPACT"]
    assert (audit["records_total"], audit["variants_loaded"], audit["samples_count"]) == (13, 16, 2)
    assert rows("SELECT external_id FROM samples ORDER BY 1") == [
        {"external_id": "S1"},
        {"external_id": "S2"},
    ]


def test_allele_num_and_severity_and_info_mapping(db_url, rows) -> None:
    result = load_vcf(DATA / "vep_allele_num.vcf", CURATOR)
    assert result.status == "completed", result.error
    got = {r["alt"]: r for r in rows("SELECT * FROM variants")}
    # ALLELE_NUM assigns the "A" entries to ALT 2 (CA) even though VEP's allele string would be "CA".
    assert (got["T"]["consequence"], got["T"]["is_lof"]) == ("stop_gained", True)
    assert len(got["CA"]["vep_annotations"]["CSQ"]) == 2
    # No PICK/MANE/CANONICAL: the most severe wins (5' UTR ranks above intron).
    assert (got["CA"]["consequence"], got["CA"]["transcript"]) == ("5_prime_UTR_variant", "ENSTb")
    # gnomAD spellings (gnomAD_AF, AF_popmax) per ALT; ClinVar fields kept whole.
    assert (got["T"]["af_gnomad"], got["T"]["af_gnomad_popmax"]) == (0.01, 0.03)
    assert (got["CA"]["af_gnomad"], got["CA"]["af_gnomad_popmax"]) == (0.002, 0.004)
    assert got["T"]["clinvar_sig"] == "Pathogenic"
    assert got["T"]["clinvar_review"] == "criteria_provided,_single_submitter"
    assert got["T"]["rs_id"] == "rs5" and got["T"]["sample_id"] is None  # sites-only file: one row, no sample


def test_snpeff_ann_and_legacy_eff(db_url, rows) -> None:
    result = load_vcf(DATA / "snpeff.vcf", CURATOR)
    assert result.status == "completed", result.error
    got = {(r["pos"], r["alt"]): r for r in rows("SELECT * FROM variants")}
    assert got[(500, "A")]["chrom"] == "chr3"
    assert (got[(500, "A")]["consequence"], got[(500, "A")]["hgvs_p"]) == ("missense_variant", "p.Val34Ile")
    assert (got[(500, "T")]["consequence"], got[(500, "T")]["impact"]) == ("synonymous_variant", "LOW")
    assert (got[(900, "T")]["consequence"], got[(900, "T")]["gene"], got[(900, "T")]["transcript"]) == (
        "STOP_GAINED",
        "GE",
        "NM_2.1",
    )
    assert got[(900, "T")]["is_lof"] is True
    (audit,) = rows("SELECT tool_versions, consequence_fields FROM variant_load_audit")
    assert "SnpEffVersion" in audit["tool_versions"]
    assert audit["consequence_fields"]["ANN"][9] == "HGVS.c"


def test_viewers_may_not_load(db_url) -> None:
    with pytest.raises(PermissionDenied):
        load_vcf(DATA / "snpeff.vcf", Identity("v", Role.VIEWER))


def test_sample_map_fills_pedigree_facts(db_url, rows, tmp_path) -> None:
    ped = tmp_path / "family.ped"
    ped.write_text("# family individual father mother sex phenotype\nFAM1 S1 0 0 2 2\nFAM1 S2 0 0 1 1\n")
    result = load_vcf(DATA / "vep_cases.vcf", CURATOR, sample_map=str(ped))
    assert result.status == "completed", result.error
    assert rows("SELECT external_id, sex, phenotype, family_id FROM samples ORDER BY 1") == [
        {"external_id": "S1", "sex": "female", "phenotype": "affected", "family_id": "FAM1"},
        {"external_id": "S2", "sex": "male", "phenotype": "unaffected", "family_id": "FAM1"},
    ]
