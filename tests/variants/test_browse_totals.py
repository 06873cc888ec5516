"""The Variants total: exact when small, capped ("10,000+") when more match, the planner's estimate for a big
unfiltered store, and the exact count on request."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.db.engine import session_scope
from services.errors import InvalidInput
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


def test_a_capped_total_says_whether_more_match_and_the_exact_count_runs_on_request(db_url) -> None:
    """Issue 17/18: a page turn counts at most cap + 1 rows; "capped" is true exactly when more than cap match."""
    assert load_vcf(DATA / "vep_cases.vcf", CURATOR).status == "completed"  # 16 variants
    everything = browse.VariantFilter()
    with session_scope() as s:
        assert browse.count_variants(s, everything, cap=5) == 6  # stops at cap + 1
        assert browse.count_variants(s, everything) == 16
        assert browse.variant_total(s, everything, cap=5) == browse.Total(5, capped=True, estimated=False)
        assert browse.variant_total(s, everything, cap=15) == browse.Total(15, capped=True, estimated=False)
        assert browse.variant_total(s, everything, cap=16) == browse.Total(16, capped=False, estimated=False)
        one = browse.VariantFilter(gene="GENE1")
        assert browse.variant_total(s, one, cap=5) == browse.Total(1, capped=False, estimated=False)
        assert browse.variant_total(s, everything, cap=5, exact=True) == browse.Total(16, False, False)

        page = browse.variant_page(s, everything, limit=4, count_cap=5)
        assert (page.total, page.capped, page.exact) == (5, True, False)
        exact = browse.variant_page(s, everything, limit=4, count_cap=5, exact_total=True)
        assert (exact.total, exact.capped, exact.exact) == (16, False, True)
        # Paging is independent of the count: a capped total still pages through every match.
        seen, cursor = [], None
        while True:
            page = browse.variant_page(s, everything, limit=4, after=cursor, count_cap=5)
            seen += list(page.rows["variant_id"])
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert len(seen) == len(set(seen)) == 16


def test_the_benchmark_times_the_pages_page_size() -> None:
    """Issue 18's filter figures are for the page the app shows: bench/load_vcf.py times pages of the Variants page's
    size (and, besides, 1,000-row pages)."""
    from bench import load_vcf

    assert load_vcf.APP_PAGE_ROWS == browse.PAGE_ROWS


def test_a_load_alone_is_counted_from_its_audit_row_as_many_as_it_holds(db_url) -> None:
    """The load filter alone is counted from the load's audit row (``filter_query.count_variants``): the same number
    as counting its rows, capped the same way; a replaced load holds none; a malformed id is refused."""
    first = load_vcf(DATA / "vep_cases.vcf", CURATOR)
    second = load_vcf(DATA / "vep_cases.vcf", CURATOR, force=True)  # replaces the first: its rows are deleted
    assert first.status == second.status == "completed"
    with session_scope() as s:
        for load in (first.load_batch_id, second.load_batch_id):
            f = browse.VariantFilter(load_batch_id=load)
            (held,) = s.execute(text("SELECT count(*) FROM variants WHERE load_batch_id = :id"), {"id": load}).one()
            assert browse.count_variants(s, f) == held
            assert browse.count_variants(s, f, cap=5) == min(held, 6)
            with_impact = browse.VariantFilter(load_batch_id=load, impact="HIGH")  # counted from the rows
            assert (
                browse.count_variants(s, with_impact)
                == s.execute(
                    text("SELECT count(*) FROM variants WHERE load_batch_id = :id AND impact = 'HIGH'"), {"id": load}
                ).scalar_one()
            )
        assert (browse.count_variants(s, browse.VariantFilter(load_batch_id=first.load_batch_id)), held) == (0, 16)
        with pytest.raises(InvalidInput, match="'not-a-load' is not a load id"):
            browse.count_variants(s, browse.VariantFilter(load_batch_id="not-a-load"))
