"""Issue 18: each Variants filter's indexed form (``browse.resolve``) selects exactly the rows of its plain form —
a whole gene as ``lower(gene) = typed`` read off ix_variants_gene_position in page order, a sample by its id, ClinVar
significances from the matching links — page after page, in both sorts."""

from __future__ import annotations

import re

import psycopg
import pytest
from sqlalchemy.dialects import postgresql

from services.annotations.refresh import refresh
from services.db.engine import session_scope
from services.variants import browse, filter_query
from services.variants.loader import load_vcf
from services.variants.models import PARTITION_CONTIGS
from tests.support.annotation_releases import CURATOR, at
from tests.support.release_files import CLINVAR_INFO, add, vcf

_HEADER = (
    "##fileformat=VCFv4.2\n##VEP=v110\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
    'Format: Allele|Consequence|IMPACT|SYMBOL|Feature|HGVSc|HGVSp|PICK">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n"
)
# (chrom, pos, gene): a gene that is a prefix of another (GENE1, GENE10), two genes of one prefix (HBA1, HBA2), one
# gene in two spellings (Abc, ABC), rows on several contigs and positions repeated (two ALTs).
_SITES = [
    ("chr1", 100, "GENE1"),
    ("chr1", 200, "GENE10"),
    ("chr1", 300, "HBA1"),
    ("chr2", 100, "HBA2"),
    ("chr2", 150, "HBA1"),
    ("chr2", 400, "Abc"),
    ("chr3", 50, "ABC"),
    ("chr3", 60, "HBA1"),
    ("chr10", 70, "HBA1"),
    ("chrX", 80, "GENE1"),
    ("chr2", 500, "abc"),
    # Contigs of the default partition, which sort among the named ones.
    ("chr1_KI270706v1_random", 40, "HBA1"),
    ("GL000008.2", 5, "GENE10"),
]


def _calls(tmp_path):
    lines = []
    for chrom, pos, gene in _SITES:
        csq = ",".join(f"{alt}|missense_variant|MODERATE|{gene}|ENST1|c.1A>{alt}||YES" for alt in "GT")
        lines.append(f"{chrom}\t{pos}\t.\tA\tG,T\t50\tPASS\tCSQ={csq}\tGT\t0/1\t1/2")
    path = tmp_path / "genes.vcf"
    path.write_text(_HEADER + "".join(line + "\n" for line in lines))
    return path


def _ids(session, f, known, sort, limit=3):
    """Every matching variant id, page by page (``limit`` a page), under ``known`` (a ``Resolved``), read as the
    page reads them (``browse._fetch``: one contig at a time when ``known.contigs`` says so)."""
    key, cursor, out = browse.SORTS[sort], None, []
    while True:
        rows = filter_query.fetch_rows(session, f, key, cursor, limit + 1, known)
        out += [r["variant_id"] for r in rows[:limit]]
        if len(rows) <= limit:
            return out
        cursor = tuple(rows[limit - 1][k] for k in key)


@pytest.mark.parametrize("typed", ["hba1", "HBA", "gene1", "GENE10", "abc", "ABC", "h", "nope", "hba_", "%"])
def test_a_whole_gene_as_an_equality_pages_exactly_the_prefix_rows(db_url, tmp_path, typed) -> None:
    assert load_vcf(_calls(tmp_path), CURATOR).status == "completed"
    f = browse.VariantFilter(gene=typed)
    with session_scope(db_url) as s:
        known = browse.resolve(s, f)
        for sort in browse.SORTS:
            plain = _ids(s, f, browse.Resolved(), sort)
            assert _ids(s, f, known, sort) == plain
            assert [r for r in browse.variant_page(s, f, sort=sort, limit=100).rows["variant_id"]] == plain
        assert browse.count_variants(s, f) == browse.count_variants(s, f, known=browse.Resolved())


def test_resolve_says_when_a_prefix_is_one_gene_and_how_it_is_spelled(db_url, tmp_path) -> None:
    assert load_vcf(_calls(tmp_path), CURATOR).status == "completed"
    with session_scope(db_url) as s:

        def gene(typed):
            r = browse.resolve(s, browse.VariantFilter(gene=typed))
            return r.gene_whole, r.gene_spelling

        assert gene("hba1") == (True, "HBA1")
        assert gene(" HbA2 ") == (True, "HBA2")
        assert gene("hba") == (False, None)  # HBA1 and HBA2
        assert gene("gene1") == (False, None)  # GENE10 starts with it too
        assert gene("gene10") == (True, "GENE10")
        assert gene("abc") == (True, None)  # one gene, three spellings
        assert gene("nope") == (True, None)  # no gene: the equality matches nothing, like the prefix
        assert browse.resolve(s, browse.VariantFilter()) == browse.Resolved()
        # A prefix of several genes is read one contig at a time, in the database's contig order.
        contigs = browse.resolve(s, browse.VariantFilter(gene="hba")).contigs
        with psycopg.connect(db_url) as conn:
            ordered = [
                r[0] for r in conn.execute("SELECT chrom FROM (SELECT DISTINCT chrom FROM variants) c ORDER BY 1")
            ]
        assert contigs is not None and [c for c in contigs if c in ordered] == ordered
        named = PARTITION_CONTIGS
        assert set(named) <= set(contigs) and len(contigs) == len(named) + 2
        assert browse.resolve(s, browse.VariantFilter(gene="hba", region="chr1")).contigs is None


_SORT_NODE = re.compile(r"^\s*(->\s+)?Sort\s+\(", re.MULTILINE)  # a full sort (not an incremental one)


def _plan(url: str, query) -> str:
    compiled = query.compile(dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True})
    with psycopg.connect(url) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_sort = off")  # a sort shows only where no index gives the order
        conn.execute("ANALYZE variants")
        return "\n".join(r[0] for r in conn.execute("EXPLAIN " + str(compiled), compiled.params).fetchall())


def test_a_whole_gene_page_comes_off_the_index_in_order_without_a_sort(db_url, tmp_path) -> None:
    assert load_vcf(_calls(tmp_path), CURATOR).status == "completed"
    f = browse.VariantFilter(gene="HBA1")
    with session_scope(db_url) as s:
        known = browse.resolve(s, f)
    for sort in browse.SORTS:
        for cursor in (None, ("HBA1", "chr2", 150, 0) if sort == "gene" else ("chr2", 150, 0)):
            plan = _plan(db_url, filter_query.rows_query(f, browse.SORTS[sort], cursor, 51, known))
            # The index's order (gene, chrom, pos), then variant_id among the rows of one position.
            assert "Merge Append" in plan and not _SORT_NODE.search(plan), plan
            assert "Presorted Key: v.gene, v.chrom, v.pos" in plan, plan
            lines = plan.splitlines()
            conditions = [b for a, b in zip(lines, lines[1:], strict=False) if "_lower_gene_chrom_pos_idx" in a]
            assert conditions and all("lower(gene) = 'hba1'::text)" in line for line in conditions), plan
            # A later page starts inside the index (the cursor is an index condition), it does not filter.
            assert all(("ROW(gene, chrom, pos) >= ROW(" in line) == bool(cursor) for line in conditions), plan
    # (A prefix of two genes still reads the index's prefix range: tests/variants/test_storage.py.)


def test_the_sample_filter_by_id_matches_the_sample_by_name(db_url, tmp_path) -> None:
    assert load_vcf(_calls(tmp_path), CURATOR).status == "completed"
    with session_scope(db_url) as s:
        for name in ("S1", "S2", "nobody"):
            for f in (browse.VariantFilter(sample=name), browse.VariantFilter(sample=name, impact="MODERATE")):
                known = browse.resolve(s, f)
                assert (known.sample_id is None) == known.sample_missing == (name == "nobody")
                assert (known.contigs is not None) == (name != "nobody")
                for limit in (1, 2, 3, 5, 100):
                    assert _ids(s, f, known, "position", limit) == _ids(s, f, browse.Resolved(), "position", limit)
                assert browse.count_variants(s, f) == browse.count_variants(s, f, known=browse.Resolved())
        s1 = browse.VariantFilter(sample="S1")
        rows = browse.variant_page(s, s1, limit=100).rows
        assert len(rows) == len(_SITES) and set(rows["sample"]) == {"S1"}  # 0/1: a call of the first ALT


def test_a_loads_rows_read_one_contig_at_a_time_are_its_rows(db_url, tmp_path) -> None:
    """The load filter without a region is read contig by contig (``Resolved.contigs``), as the sample's is: the
    same rows, page after page, as the plain form; a region keeps the plain form."""
    first = load_vcf(_calls(tmp_path), CURATOR)
    later = tmp_path / "later.vcf"
    later.write_text(
        _HEADER + "chrX\t900\t.\tC\tA\t50\tPASS\tCSQ=A|missense_variant|MODERATE|X1|ENST1|c.1C>A||YES"
        "\tGT\t0/1\t0/1\nchr1_KI270706v1_random\t90\t.\tC\tA\t50\tPASS\t.\tGT\t0/1\t./.\n"
    )
    second = load_vcf(later, CURATOR)
    assert first.status == second.status == "completed"
    with session_scope(db_url) as s:
        for load, expected in ((first.load_batch_id, 3 * len(_SITES)), (second.load_batch_id, 3)):
            f = browse.VariantFilter(load_batch_id=load)
            known = browse.resolve(s, f)
            assert known.contigs is not None
            assert browse.resolve(s, browse.VariantFilter(load_batch_id=load, region="chrX")).contigs is None
            for limit in (1, 2, 3, 100):
                ids = _ids(s, f, known, "position", limit)
                assert ids == _ids(s, f, browse.Resolved(), "position", limit) and len(ids) == expected


def _clinvar(tmp_path) -> None:
    """The genes file and a ClinVar release over some of its alleles: two significances on chr1/chr3, one on chrX,
    a benign one; both ALTs of chr1:100 (two variants each: S1 and S2 carry it)."""
    assert load_vcf(_calls(tmp_path), CURATOR).status == "completed"
    release = [
        "1\t100\t1\tA\tG\t.\t.\tCLNSIG=Pathogenic;CLNREVSTAT=reviewed_by_expert_panel",
        "1\t100\t5\tA\tT\t.\t.\tCLNSIG=Likely_pathogenic",
        "2\t150\t2\tA\tT\t.\t.\tCLNSIG=Benign",
        "3\t60\t3\tA\tG\t.\t.\tCLNSIG=Pathogenic",
        "X\t80\t4\tA\tT\t.\t.\tCLNSIG=Likely_pathogenic;CLNREVSTAT=criteria_provided,_single_submitter",
        "10\t70\t6\tA\tG\t.\t.\tCLNSIG=pathogenic",
    ]
    add(vcf(tmp_path, "c1.vcf", CLINVAR_INFO, release), "clinvar", "clinvar", "2026-10")
    assert refresh(CURATOR, "clinvar", "2026-10", at=at(1)).health == "healthy"


_SIGNIFICANCES = ("pathogenic", ("Pathogenic", "Likely_pathogenic"), ("PATHOGENIC", "pathogenic"), "benign", "other")


@pytest.mark.parametrize("sig", _SIGNIFICANCES)
def test_the_clinvar_filter_joined_with_the_links_matches_the_read_path_condition(db_url, tmp_path, sig) -> None:
    _clinvar(tmp_path)
    with session_scope(db_url) as s:
        for f in (
            browse.VariantFilter(clinvar_sig=sig),
            browse.VariantFilter(clinvar_sig=sig, gene="HBA1"),
            browse.VariantFilter(clinvar_sig=sig, sample="S2"),
            browse.VariantFilter(clinvar_sig=sig, region="chr1:50-150"),
        ):
            known = browse.resolve(s, f)
            assert known.clinvar_joined and not known.clinvar_by_link
            plain = browse.Resolved(known.gene_whole, known.gene_spelling, known.sample_id)
            for sort in browse.SORTS:
                for limit in (1, 2, 3, 100):
                    assert _ids(s, f, known, sort, limit) == _ids(s, f, plain, sort, limit), (f, sort, limit)
            assert browse.count_variants(s, f) == browse.count_variants(s, f, known=plain)
            for cap in (0, 1, 2, 3, 5):
                assert browse.count_variants(s, f, cap=cap) == browse.count_variants(s, f, known=plain, cap=cap)
            # The ClinVar columns taken from the matched links are the read path's, row by row.
            rows = [dict(r) for r in filter_query.fetch_rows(s, f, browse.SORTS["position"], None, 100, known)]
            # (A whole gene of one spelling pages in gene order, through the read path's condition instead.)
            assert all(filter_query.CLINVAR_VALUE in r for r in rows) == (known.gene_spelling is None or not rows)
            looked_up = [{k: v for k, v in r.items() if k != filter_query.CLINVAR_VALUE} for r in rows]
            from_links = browse.with_current_clinvar(s, rows, "none")
            assert from_links == browse.with_current_clinvar(s, looked_up, "none")
            if not (f.gene or f.sample or f.region) and "pathogenic" in str(sig).lower():
                assert any(r["clinvar_review"] for r in from_links)  # the review status comes through too
        pathogenic = browse.variant_page(s, browse.VariantFilter(clinvar_sig="Pathogenic")).rows
        assert list(zip(pathogenic["chrom"], pathogenic["pos"], strict=True)) == (
            [("chr1", 100)] * 2 + [("chr10", 70)] * 2 + [("chr3", 60)] * 2
        )
        assert set(pathogenic["clinvar_sig"]) == {"Pathogenic", "pathogenic"}


def test_a_capped_clinvar_count_is_exact_when_links_name_alleles_without_variants(db_url, tmp_path) -> None:
    """A capped count of the ClinVar filter alone first probes some links' alleles in allele order
    (``_some_links_hold_more_than``); links whose alleles have no variant left (a replaced load's rows are deleted,
    its alleles and links stay) count none, and the count falls back to walking the links: still the plain count."""
    _clinvar(tmp_path)
    with psycopg.connect(db_url) as conn:
        gone = conn.execute("DELETE FROM variants WHERE chrom = 'chr1' AND pos = 100").rowcount
    assert gone == 3
    with session_scope(db_url) as s:
        for sig in _SIGNIFICANCES:
            f = browse.VariantFilter(clinvar_sig=sig)
            plain = browse.Resolved()
            exact = browse.count_variants(s, f, known=plain)
            for cap in (0, 1, 2, 3, 4, 5):
                assert browse.count_variants(s, f, cap=cap) == min(exact, cap + 1), (sig, cap)
        # Pathogenic: chr3:60 G and chr10:70 G are left (S1 and S2 each), chr1:100 G's links name no variant.
        assert browse.count_variants(s, browse.VariantFilter(clinvar_sig="pathogenic"), known=plain) == 4


def test_a_clinvar_filter_counting_retired_values_goes_from_few_links_to_their_variants(db_url, tmp_path) -> None:
    _clinvar(tmp_path)
    with session_scope(db_url) as s:
        for sig in _SIGNIFICANCES:
            f = browse.VariantFilter(clinvar_sig=sig, retired_display="last-known", include_retired=True)
            known = browse.resolve(s, f)
            assert known.clinvar_by_link and not known.clinvar_joined
            by_link = _ids(s, f, known, "position")
            assert by_link == _ids(s, f, browse.Resolved(), "position")
            assert browse.count_variants(s, f) == len(by_link)
            current = browse.VariantFilter(clinvar_sig=sig)  # nothing retired yet: the same variants
            assert by_link == _ids(s, current, browse.resolve(s, current), "position")


def test_links_carry_their_alleles_position(db_url, tmp_path) -> None:
    _clinvar(tmp_path)
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT l.chrom, l.pos, a.chrom, a.pos FROM annotation_link l JOIN alleles a ON a.id = l.allele_id"
        ).fetchall()
    assert len(rows) == 6 and all(lc == ac and lp == ap for lc, lp, ac, ap in rows)


def test_a_clinvar_page_reads_each_significance_off_the_links_index_from_the_cursor(db_url, tmp_path) -> None:
    """Each significance is one range of ix_annotation_link_clinvar_position that starts at the page's position, read
    in order (only the variants of one position are sorted, by id); several significances are several such pages,
    and only their rows (at most a page each) are sorted together."""
    _clinvar(tmp_path)
    for sig in ("Pathogenic", ("Pathogenic", "Likely_pathogenic", "pathogenic")):
        f = browse.VariantFilter(clinvar_sig=sig)
        with session_scope(db_url) as s:
            known = browse.resolve(s, f)
        wanted = ["likely_pathogenic", "pathogenic"] if isinstance(sig, tuple) else ["pathogenic"]
        for cursor in (None, ("chr1", 100, 0)):
            plan = _plan(db_url, filter_query.rows_query(f, browse.SORTS["position"], cursor, 51, known))
            lines = plan.splitlines()
            ranges = [b for a, b in zip(lines, lines[1:], strict=False) if "ix_annotation_link_clinvar_position" in a]
            assert sorted(re.findall(r"'clnsig'::text\)\) = '(\w+)'", "\n".join(ranges))) == wanted, plan
            assert all(("ROW(chrom, pos) >= ROW('chr1'::text, 100)" in line) == bool(cursor) for line in ranges), plan
            presorted = re.findall(
                r"Presorted Key: annotation_link(?:_\d+)?\.chrom, annotation_link(?:_\d+)?\.pos", plan
            )
            assert len(presorted) == len(wanted), plan
            sorts = _SORT_NODE.findall(plan)
            assert len(sorts) == (len(wanted) > 1) and (not sorts or lines[1].lstrip().startswith("->  Sort")), plan


def test_gene_suggestions_list_each_name_of_the_prefix_once(db_url, tmp_path) -> None:
    assert load_vcf(_calls(tmp_path), CURATOR).status == "completed"
    with session_scope(db_url) as s:
        assert browse.gene_suggestions(s, "hB") == ["HBA1", "HBA2"]
        assert browse.gene_suggestions(s, "gene") == ["GENE1", "GENE10"]
        assert browse.gene_suggestions(s, "gene", limit=1) == ["GENE1"]
        (abc,) = browse.gene_suggestions(s, "AB")  # three spellings of one name: one of them
        assert abc.lower() == "abc"
        assert browse.gene_suggestions(s, "%") == browse.gene_suggestions(s, "hba_") == []  # LIKE's wildcards escaped
        assert browse.gene_suggestions(s, "  ") == []
