"""Issue 18: a filter that few rows match — a consequence term on a few hundred rows of 10M, or on none — is read
as such. The page counts first; no match reads no rows; at most ``FEW_MATCHES`` matches are read all at once through
the filter's own index and then ordered (``fetch_rows``), instead of a walk of the position index that tests every
row (15 s for a 50-row page at 10M). Each form gives the plain form's rows, page after page, in both sorts."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from services.db.engine import session_scope
from services.variants import browse, filter_query
from services.variants.loader import load_vcf
from tests.support.annotation_releases import CURATOR
from tests.variants.test_filter_forms import _HEADER, _plan

# (chrom, pos, gene, consequence, impact): the rare term (stop_gained) on three contigs, late in each.
_SITES = [
    ("chr1", 100, "GENE1", "intron_variant", "MODIFIER"),
    ("chr1", 200, "GENE1", "stop_gained", "HIGH"),
    ("chr1", 300, "GENE2", "missense_variant&splice_region_variant", "MODERATE"),
    ("chr2", 100, "GENE3", "intron_variant", "MODIFIER"),
    ("chr2", 150, "GENE3", "synonymous_variant", "LOW"),
    ("chr2", 900, "GENE4", "stop_gained&splice_region_variant", "HIGH"),
    ("chr10", 70, "GENE5", "intron_variant", "MODIFIER"),
    ("chrX", 80, "GENE6", "stop_gained", "HIGH"),
    ("chrX", 90, "GENE6", "missense_variant", "MODERATE"),
    ("chr1_KI270706v1_random", 40, "GENE7", "stop_gained", "HIGH"),
]
# Both sorts, from the first page on, for filters matching none, few and many rows, alone and combined.
_FILTERS = [
    browse.VariantFilter(consequence="stop_gained"),
    browse.VariantFilter(consequence="frameshift_variant"),  # no row
    browse.VariantFilter(consequence="splice_region_variant"),
    browse.VariantFilter(impact="HIGH"),
    browse.VariantFilter(impact="MODIFIER", sample="S2"),
    browse.VariantFilter(consequence="stop_gained", gene="gene"),  # a prefix of several genes
    browse.VariantFilter(consequence="stop_gained", region="chr2:1-1000"),
    browse.VariantFilter(gene="GENE6"),
    browse.VariantFilter(),
]


def _load(tmp_path) -> None:
    lines = []
    for chrom, pos, gene, consequence, impact in _SITES:
        csq = ",".join(f"{alt}|{consequence}|{impact}|{gene}|ENST1|c.1A>{alt}||YES" for alt in "GT")
        lines.append(f"{chrom}\t{pos}\t.\tA\tG,T\t50\tPASS\tCSQ={csq}\tGT\t0/1\t1/2")
    path = tmp_path / "few.vcf"
    path.write_text(_HEADER + "".join(line + "\n" for line in lines))
    assert load_vcf(path, CURATOR).status == "completed"


def _pages(session, f, sort, limit, matches):
    """Every matching variant id, ``limit`` a page, read by ``fetch_rows`` told ``matches``."""
    key, cursor, out = browse.SORTS[sort], None, []
    known = browse.resolve(session, f)
    while True:
        rows = filter_query.fetch_rows(session, f, key, cursor, limit + 1, known, matches)
        out.append([r["variant_id"] for r in rows[:limit]])
        if len(rows) <= limit:
            return out
        cursor = tuple(rows[limit - 1][k] for k in key)


@pytest.mark.parametrize("f", _FILTERS, ids=repr)
def test_rows_read_as_few_matches_are_the_plain_forms_rows_page_after_page(db_url, tmp_path, f) -> None:
    _load(tmp_path)
    with session_scope(db_url) as s:
        matches = browse.count_variants(s, f)
        for sort in browse.SORTS:
            for limit in (1, 2, 3, 50):
                plain = _pages(s, f, sort, limit, None)
                assert _pages(s, f, sort, limit, matches) == plain, (sort, limit)
        assert sum(len(p) for p in plain) == matches
    if f.consequence == "stop_gained" and not f.region and not f.gene:
        assert matches == 12  # four sites on four contigs, three calls each (S1: G; S2: G and T)
        assert filter_query._order_from_a_filter_index(f, filter_query.Resolved()) is None


def test_no_match_reads_no_row_and_the_page_says_so(db_url, tmp_path) -> None:
    _load(tmp_path)
    f = browse.VariantFilter(consequence="frameshift_variant")
    with session_scope(db_url) as s:
        statements: list[str] = []
        bind = s.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731 — (conn, cursor, statement, ...)
        event.listen(bind, "before_cursor_execute", listener)
        try:
            assert filter_query.fetch_rows(s, f, browse.SORTS["position"], None, 51, browse.resolve(s, f), 0) == []
            resolved = len(statements)
            assert filter_query.fetch_rows(s, f, browse.SORTS["position"], None, 51, browse.resolve(s, f), 0) == []
            assert len(statements) == 2 * resolved  # resolve's own statements only: no row was read
            page = browse.variant_page(s, f, limit=50)
        finally:
            event.remove(bind, "before_cursor_execute", listener)
    assert (page.total, page.capped, page.estimated, len(page.rows), page.next_cursor) == (0, False, False, 0, None)


def test_few_matches_are_planned_without_the_pages_order_and_limit(db_url, tmp_path) -> None:
    """The matches are a MATERIALIZED CTE (planned for finding every match, by the filter's own index at 10M), the
    page's order a sort of them: the planner cannot walk the position index expecting the matches to turn up."""
    _load(tmp_path)
    f = browse.VariantFilter(consequence="stop_gained")
    plan = _plan(db_url, filter_query.rows_query(f, browse.SORTS["position"], None, 51, few=True))
    top, _, rest = plan.partition("CTE matches")
    assert top.startswith("Limit") and rest, plan
    matches, _, outer = rest.partition("Sort Key: matches.chrom, matches.pos, matches.variant_id")
    assert "Limit" not in matches and "string_to_array(lower(consequence)" in matches, plan
    assert "CTE Scan on matches" in outer, plan
    plain = _plan(db_url, filter_query.rows_query(f, browse.SORTS["position"], None, 51))
    assert "CTE" not in plain, plain


def test_an_export_of_few_matches_holds_the_pages_rows(db_url, tmp_path) -> None:
    _load(tmp_path)
    f = browse.VariantFilter(consequence="stop_gained")
    with session_scope(db_url) as s:
        exported = [r["variant_id"] for rows in browse._batches(s, f, 3) for r in rows]
        assert exported == [i for page in _pages(s, f, "position", 3, None) for i in page]
        assert len(exported) == 12
