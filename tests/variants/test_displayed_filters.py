"""The Variants page's ClinVar filter matches the displayed (curated) value from the read path, not the
file's CLNSIG; retired last-known values match only under 'last-known' with "include retired" ticked."""

from __future__ import annotations

from services.annotations.refresh import refresh
from services.db.engine import session_scope
from services.variants import browse
from services.variants.loader import load_vcf
from tests.support.annotation_releases import CURATOR, at
from tests.support.release_files import CLINVAR_INFO, add, vcf


def _positions(**filters) -> list[int]:
    with session_scope() as s:
        page = browse.variant_page(s, browse.VariantFilter(**filters))
    return sorted(int(p) for p in page.rows["pos"])


def test_clinvar_filter_follows_the_displayed_value(db_url, tmp_path) -> None:
    calls = vcf(
        tmp_path,
        "calls.vcf",
        CLINVAR_INFO,
        [
            "chr1\t1000\t.\tA\tG\t50\tPASS\tCLNSIG=Benign",  # the file says Benign …
            "chr1\t2000\t.\tC\tT\t50\tPASS\tCLNSIG=Benign",
        ],
    )
    load_vcf(calls, CURATOR)
    release = ["1\t1000\t11\tA\tG\t.\t.\tCLNSIG=Pathogenic", "1\t2000\t12\tC\tT\t.\t.\tCLNSIG=Benign"]
    add(vcf(tmp_path, "c1.vcf", CLINVAR_INFO, release), "clinvar", "clinvar", "2026-10")
    assert refresh(CURATOR, "clinvar", "2026-10", at=at(1)).health == "healthy"

    # … but ClinVar's current value is what the filter matches.
    assert _positions(clinvar_sig="pathogenic") == [1000]
    assert _positions(clinvar_sig="benign") == [2000]

    # The next release drops chr1:1000 (and, to pass the integrity check, does not shrink).
    newer = [*release[1:], "1\t3000\t13\tG\tA\t.\t.\tCLNSIG=Benign", "1\t4000\t14\tG\tC\t.\t.\tCLNSIG=Benign"]
    add(vcf(tmp_path, "c2.vcf", CLINVAR_INFO, newer), "clinvar", "clinvar", "2026-11")
    assert refresh(CURATOR, "clinvar", "2026-11", at=at(2)).counts["retired"] == 1

    assert _positions(clinvar_sig="pathogenic") == []
    assert _positions(clinvar_sig="pathogenic", include_retired=True) == []  # display 'none' hides it
    last_known = {"retired_display": "last-known"}
    assert _positions(clinvar_sig="pathogenic", **last_known) == []
    assert _positions(clinvar_sig="pathogenic", include_retired=True, **last_known) == [1000]


def test_clinvar_column_detail_filter_and_export_share_the_read_path(db_url, tmp_path) -> None:
    """Issue 17: the grid's ClinVar column and the CSV's ``clinvar_sig`` were the file's own (here absent)
    CLNSIG, so they were empty for alleles whose current ClinVar value is Pathogenic or Benign; and the filter
    "Pathogenic" also returned Likely_pathogenic."""
    calls = vcf(
        tmp_path,
        "calls.vcf",
        CLINVAR_INFO,
        ["chr1\t1000\t.\tA\tG\t50\tPASS\t.", "chr1\t2000\t.\tC\tT\t50\tPASS\t.", "chr1\t3000\t.\tG\tA\t50\tPASS\t."],
    )
    load_vcf(calls, CURATOR)
    release = [
        "1\t1000\t11\tA\tG\t.\t.\tCLNSIG=Pathogenic",
        "1\t2000\t12\tC\tT\t.\t.\tCLNSIG=Benign",
        "1\t3000\t13\tG\tA\t.\t.\tCLNSIG=Likely_pathogenic",
    ]
    add(vcf(tmp_path, "c1.vcf", CLINVAR_INFO, release), "clinvar", "clinvar", "2026-10")
    assert refresh(CURATOR, "clinvar", "2026-10", at=at(1)).health == "healthy"

    with session_scope() as s:
        rows = browse.variant_page(s, browse.VariantFilter()).rows
        csv_text = b"".join(browse.export_csv(s, browse.VariantFilter())).decode()
        choices = browse.clinvar_significance_choices(s)
    assert dict(zip(rows["pos"], rows["clinvar_sig"], strict=True)) == {
        1000: "Pathogenic",
        2000: "Benign",
        3000: "Likely_pathogenic",
    }
    assert ",Pathogenic," in csv_text and ",Benign," in csv_text
    assert {"Pathogenic", "Likely_pathogenic", "Benign"} <= set(choices)

    assert _positions(clinvar_sig=("Pathogenic",)) == [1000]  # exact: not Likely_pathogenic
    assert _positions(clinvar_sig=("Pathogenic", "Likely_pathogenic")) == [1000, 3000]
