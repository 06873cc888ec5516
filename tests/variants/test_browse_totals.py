"""The Variants total: exact when filtered or small; the planner's estimate for a big unfiltered store."""

from __future__ import annotations

from sqlalchemy import text

from services.db.engine import session_scope
from services.variants import browse
from services.variants.loader import load_vcf
from tests.support.vcf_files import CURATOR, DATA


def test_unfiltered_total_is_estimated_only_for_a_big_store(db_url, monkeypatch) -> None:
    assert load_vcf(DATA / "vep_cases.vcf", CURATOR).status == "completed"
    with session_scope() as s:
        s.execute(text("ANALYZE variants"))
    with session_scope() as s:
        page = browse.variant_page(s, browse.VariantFilter())
        assert (page.total, page.estimated) == (16, False)  # small: counted
    monkeypatch.setattr(browse, "EXACT_TOTAL_BELOW", 1)
    with session_scope() as s:
        page = browse.variant_page(s, browse.VariantFilter())
        assert page.estimated and page.total == browse.estimated_total(s) > 0
        filtered = browse.variant_page(s, browse.VariantFilter(gene="GENE1"))
        assert (filtered.total, filtered.estimated) == (1, False)  # filtered: always counted
