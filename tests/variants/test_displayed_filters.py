"""The Variants page's ClinVar filter matches the displayed (curated) value from the read path, not the
file's CLNSIG; retired last-known values match only under 'last-known' with "include retired" ticked."""

from __future__ import annotations

from services.annotations.runs import refresh
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
